/**
 * Reading stacks of grey pages from TIFF files (classic or BigTIFF,
 * little- or big-endian, uncompressed strips), as tifffile and ImageJ
 * write them, including ImageJ's stacks whose pages follow the first
 * without IFDs of their own.
 */
import { BlockfileError } from '../format/errors.js';
import type { ByteSource } from '../sources/source.js';
import type { NumericDtype } from '../writer/pixels.js';

interface PageInfo {
  /** Byte ranges of the page's strips, in order. */
  strips: [number, number][];
}

export interface TiffStack {
  pages: PageInfo[];
  /** The first page's ImageDescription. */
  description: string;
  /** The first page's XResolution and YResolution (pixels per unit) and ResolutionUnit (1 none, 2 inch, 3 cm), when it has them. */
  resolution?: { x: number; y: number; unit: number };
  rows: number;
  cols: number;
  dtype: NumericDtype;
  bytesPerValue: number;
  littleEndian: boolean;
  /** Pages [from, to) as one typed array, in the host's byte order. */
  readPages(from: number, to: number): Promise<ArrayBufferView>;
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8 };

function dtypeOf(bits: number, format: number): NumericDtype | undefined {
  const key = `${format}:${bits}`;
  const table: Record<string, NumericDtype> = {
    '1:8': 'uint8',
    '1:16': 'uint16',
    '1:32': 'uint32',
    '2:8': 'int8',
    '2:16': 'int16',
    '2:32': 'int32',
    '3:32': 'float32',
    '3:64': 'float64',
  };
  return table[key];
}

export async function openTiffStack(source: ByteSource): Promise<TiffStack> {
  const fail = (problem: string) => new BlockfileError('UNSUPPORTED', source.name, problem);
  const head = await source.read(0, 16);
  const order = String.fromCharCode(head[0] ?? 0, head[1] ?? 0);
  if (head.length < 8 || (order !== 'II' && order !== 'MM')) throw fail('not a TIFF file');
  const le = order === 'II';
  const view = new DataView(head.buffer, head.byteOffset, head.length);
  const magic = view.getUint16(2, le);
  const big = magic === 43;
  if (magic !== 42 && !big) throw fail('not a TIFF file');
  const u64 = (v: DataView, at: number) => Number(v.getBigUint64(at, le));
  let next = big ? u64(view, 8) : view.getUint32(4, le);

  const pages: PageInfo[] = [];
  let rows = 0;
  let cols = 0;
  let dtype: NumericDtype | undefined;
  let description = '';
  let resolution: TiffStack['resolution'];
  const seen = new Set<number>();
  while (next !== 0) {
    if (seen.has(next) || next >= source.size) throw fail('broken IFD chain');
    seen.add(next);
    const countBytes = await source.read(next, big ? 8 : 2);
    const count = big ? u64(new DataView(countBytes.buffer, countBytes.byteOffset, 8), 0) : new DataView(countBytes.buffer, countBytes.byteOffset, 2).getUint16(0, le);
    const entrySize = big ? 20 : 12;
    const body = await source.read(next + (big ? 8 : 2), count * entrySize + (big ? 8 : 4));
    const v = new DataView(body.buffer, body.byteOffset, body.length);
    const tags = new Map<number, number[] | string>();
    for (let k = 0; k < count; k++) {
      const e = k * entrySize;
      const tag = v.getUint16(e, le);
      const type = v.getUint16(e + 2, le);
      const n = big ? u64(v, e + 4) : v.getUint32(e + 4, le);
      const size = (TYPE_SIZE[type] ?? 1) * n;
      const inline = size <= (big ? 8 : 4);
      const valueBytes = inline ? body.subarray(e + (big ? 12 : 8), e + (big ? 12 : 8) + size) : await source.read(big ? u64(v, e + 12) : v.getUint32(e + 8, le), size);
      const vv = new DataView(valueBytes.buffer, valueBytes.byteOffset, valueBytes.length);
      if (type === 2) {
        tags.set(tag, new TextDecoder('latin1').decode(valueBytes).replace(/\0+$/, ''));
        continue;
      }
      const values: number[] = [];
      if (type === 5) {
        // RATIONAL: numerator and denominator, two LONGs each.
        for (let i = 0; i < n; i++) values.push(vv.getUint32(i * 8, le) / vv.getUint32(i * 8 + 4, le));
        tags.set(tag, values);
        continue;
      }
      for (let i = 0; i < n; i++) {
        const s = TYPE_SIZE[type] ?? 1;
        values.push(s === 1 ? vv.getUint8(i) : s === 2 ? vv.getUint16(i * 2, le) : s === 4 ? vv.getUint32(i * 4, le) : u64(vv, i * 8));
      }
      tags.set(tag, values);
    }
    next = big ? u64(v, count * entrySize) : v.getUint32(count * entrySize, le);
    const num = (tag: number, fallback?: number) => {
      const t = tags.get(tag);
      if (Array.isArray(t)) return t[0];
      if (fallback === undefined) throw fail(`page ${pages.length} has no tag ${tag}`);
      return fallback;
    };
    if (num(259, 1) !== 1) throw fail(`page ${pages.length} is compressed (TIFF compression ${num(259)}); save the stack uncompressed`);
    if (num(277, 1) !== 1) throw fail(`page ${pages.length} has ${num(277)} samples per pixel; only grey pages hold patterns`);
    if (tags.has(322)) throw fail('tiled TIFF files are not supported; save with strips');
    const pageDtype = dtypeOf(num(258, 1), num(339, 1));
    if (!pageDtype) throw fail(`page ${pages.length}: ${num(258)}-bit samples of format ${num(339, 1)} are not supported`);
    const [w, h] = [num(256), num(257)];
    if (pages.length === 0) {
      [cols, rows, dtype] = [w, h, pageDtype];
      const text = tags.get(270);
      if (typeof text === 'string') description = text;
      const [x, y] = [tags.get(282), tags.get(283)];
      if (Array.isArray(x) && Array.isArray(y)) resolution = { x: x[0], y: y[0], unit: num(296, 2) };
    } else if (w !== cols || h !== rows || pageDtype !== dtype) {
      throw fail(`page ${pages.length} is ${w}×${h} ${pageDtype}, the first ${cols}×${rows} ${dtype}: a stack needs pages of one size and type`);
    }
    const offsets = tags.get(273) as number[] | undefined;
    const counts = tags.get(279) as number[] | undefined;
    if (!offsets || !counts || offsets.length !== counts.length) throw fail(`page ${pages.length} has no strips`);
    pages.push({ strips: offsets.map((o, i) => [o, o + counts[i]]) });
  }
  if (!dtype) throw fail('no pages');
  const bytesPerValue = Number(/\d+/.exec(dtype)?.[0] ?? 8) / 8;
  const pageBytes = rows * cols * bytesPerValue;
  // ImageJ writes large stacks with one IFD and the pages one after another.
  const images = /(?:^|\n)images=(\d+)/.exec(description);
  if (description.startsWith('ImageJ=') && images && pages.length === 1 && Number(images[1]) > 1) {
    const start = pages[0].strips[0][0];
    for (let p = 1; p < Number(images[1]); p++) pages.push({ strips: [[start + p * pageBytes, start + (p + 1) * pageBytes]] });
  }
  for (const [i, page] of pages.entries()) {
    const total = page.strips.reduce((n, [a, b]) => n + (b - a), 0);
    if (total < pageBytes) throw fail(`page ${i} holds ${total} bytes, a ${cols}×${rows} ${dtype} page needs ${pageBytes}`);
    if (page.strips.some(([, b]) => b > source.size)) throw fail(`page ${i} lies beyond the end of the file (${source.size} bytes)`);
  }
  const Ctor = { uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[dtype as 'uint8'];
  return {
    pages,
    description,
    resolution,
    rows,
    cols,
    dtype,
    bytesPerValue,
    littleEndian: le,
    async readPages(from, to) {
      const out = new Uint8Array((to - from) * pageBytes);
      let at = 0;
      for (let p = from; p < to; p++) {
        let need = pageBytes;
        for (const [a, b] of pages[p].strips) {
          if (need <= 0) break;
          const n = Math.min(b - a, need);
          out.set(await source.read(a, n), at);
          at += n;
          need -= n;
        }
      }
      if (!le && bytesPerValue > 1) {
        for (let i = 0; i < out.length; i += bytesPerValue) out.subarray(i, i + bytesPerValue).reverse();
      }
      return new Ctor(out.buffer);
    },
  };
}
