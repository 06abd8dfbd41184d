/** Display mapping (percentiles, scales, colour maps) and the TIFF encoder. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { colormap, percentiles, renderRgba, toIndices } from '../src/display/render.js';
import { encodeTiff } from '../src/tiff/tiff.js';

describe('display', () => {
  it('percentiles interpolate linearly and skip NaN, as numpy.nanpercentile', () => {
    expect(percentiles([4, 1, NaN, 3, 2], 0, 50, 100, 25)).toEqual([1, 2.5, 4, 1.75]);
  });

  it('percentiles (found by selection) equal those of the sorted finite values, for any values and percentages', () => {
    const sorted = (values: number[], ps: number[]) => {
      const s = Float64Array.from(values.filter(Number.isFinite)).sort();
      return ps.map((p) => {
        if (s.length === 0) return NaN;
        const at = (Math.min(100, Math.max(0, p)) / 100) * (s.length - 1);
        const lo = Math.floor(at);
        const hi = Math.min(s.length - 1, lo + 1);
        return s[lo] + (s[hi] - s[lo]) * (at - lo);
      });
    };
    // Few distinct values too (ties, constant runs), and NaN and ±Infinity, which are skipped.
    const value = fc.oneof(fc.double(), fc.integer({ min: -2, max: 2 }), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0));
    const percent = fc.oneof(fc.double({ min: -10, max: 110, noNaN: true }), fc.constantFrom(0, 0.5, 50, 99.5, 100));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), fc.array(percent, { minLength: 1, maxLength: 4 }), (values, ps) => {
        const got = percentiles(values, ...ps);
        const want = sorted(values, ps);
        // Equal as numbers (0 and −0 alike), NaN where there is no finite value.
        expect(got.map((v, i) => v === want[i] || (Number.isNaN(v) && Number.isNaN(want[i])))).toEqual(ps.map(() => true));
      }),
      { numRuns: 2000 },
    );
  });

  it('maps the clipped range onto 0–255, NaN to 0', () => {
    const { indices, range } = toIndices([0, 5, 10, NaN, 20], { range: [0, 10] });
    expect(range).toEqual([0, 10]);
    expect([...indices]).toEqual([0, 128, 255, 0, 255]);
    expect(toIndices([0, 1, 4], { range: [0, 4], scale: 'gamma', gamma: 0.5 }).indices[1]).toBe(128);
    expect(toIndices([0, 0.5, 1], { range: [0, 1], scale: 'log' }).indices[1]).toBe(Math.round((Math.log1p(500) / Math.log1p(1000)) * 255));
  });

  it('draws a constant image in the colour map\'s middle, not black; limits that meet split below and above', () => {
    const constant = toIndices([13, 13, NaN, 13]);
    expect(constant.range).toEqual([13, 13]);
    expect([...constant.indices]).toEqual([128, 128, 0, 128]);
    expect([...toIndices([1, 2, 3], { range: [2, 2], scale: 'log' }).indices]).toEqual([0, 128, 255]);
  });

  it('colour maps: 256 RGB entries, the ends of viridis as matplotlib has them', () => {
    const viridis = colormap('viridis');
    expect(viridis.length).toBe(768);
    expect([...viridis.subarray(0, 3)]).toEqual([0x44, 0x01, 0x54]);
    expect([...viridis.subarray(765)]).toEqual([0xfd, 0xe7, 0x25]);
    expect([...renderRgba([0, 1], { range: [0, 1], cmap: 'gray' }).rgba]).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    expect(() => colormap('rainbow' as never)).toThrow(/unknown colour map "rainbow"/);
  });
});

describe('TIFF encoder', () => {
  it('writes baseline little-endian pages with the right tags and data', () => {
    const a = Float64Array.from([1.5, -2, 3, 4, 5, 6]);
    const b = Float64Array.from([7, 8, 9, 10, 11, 12]);
    const bytes = encodeTiff([{ data: a, rows: 2, cols: 3 }, { data: b, rows: 2, cols: 3 }], 'virtual images');
    const view = new DataView(bytes.buffer);
    expect([...bytes.subarray(0, 4)]).toEqual([0x49, 0x49, 42, 0]);
    const pages: { tags: Map<number, number>; data: Float64Array }[] = [];
    for (let ifd = view.getUint32(4, true); ifd !== 0; ) {
      const n = view.getUint16(ifd, true);
      const tags = new Map<number, number>();
      for (let k = 0; k < n; k++) {
        const at = ifd + 2 + k * 12;
        const type = view.getUint16(at + 2, true);
        tags.set(view.getUint16(at, true), type === 3 ? view.getUint16(at + 8, true) : view.getUint32(at + 8, true));
      }
      const offset = tags.get(273)!;
      pages.push({ tags, data: new Float64Array(bytes.slice(offset, offset + tags.get(279)!).buffer) });
      ifd = view.getUint32(ifd + 2 + n * 12, true);
    }
    expect(pages.length).toBe(2);
    expect(pages[0].tags.get(256)).toBe(3);
    expect(pages[0].tags.get(257)).toBe(2);
    expect(pages[0].tags.get(258)).toBe(64);
    expect(pages[0].tags.get(339)).toBe(3);
    expect(pages[0].data).toEqual(a);
    expect(pages[1].data).toEqual(b);
    const description = pages[0].tags.get(270)!;
    expect(new TextDecoder().decode(bytes.subarray(description, description + 14))).toBe('virtual images');
    expect(() => encodeTiff([{ data: new Uint8Array(5), rows: 2, cols: 3 }])).toThrow(/5 values for 2×3/);
  });
});

describe('BigTIFF', () => {
  it('a stack written as BigTIFF reads back page by page, as classic TIFF does', async () => {
    const { openTiffStack } = await import('../src/tiff/read.js');
    const { MemorySource } = await import('../src/sources/memory.js');
    const pages = [0, 1, 2].map((p) => ({ data: Uint16Array.from({ length: 12 }, (_, i) => p * 100 + i), rows: 3, cols: 4 }));
    for (const format of ['classic', 'big'] as const) {
      const bytes = encodeTiff(pages, '{"note": "x"}', format);
      expect(bytes[2]).toBe(format === 'big' ? 43 : 42);
      const stack = await openTiffStack(new MemorySource(bytes, `s-${format}.tiff`));
      expect([stack.pages.length, stack.rows, stack.cols, stack.dtype, stack.description]).toEqual([3, 3, 4, 'uint16', '{"note": "x"}']);
      expect(Array.from((await stack.readPages(1, 3)) as Uint16Array)).toEqual([...pages[1].data, ...pages[2].data]);
    }
    expect(() => encodeTiff([{ data: new Uint8Array(1), rows: 1, cols: 1 }], undefined, 'classic')).not.toThrow();
  });
});
