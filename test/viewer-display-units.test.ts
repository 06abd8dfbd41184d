/**
 * The viewer's display pieces that need no page: colour-bar ticks,
 * histograms, figures with bars burnt in, the profile's CSV and TIFFs
 * carrying their pixel size (read back by the repository's reader and,
 * where installed, by tifffile).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { radialProfile } from '../src/analysis/profile.js';
import { reciprocalToMrad } from '../src/crystal/calibration.js';
import { composeFigure, roundLength } from '../src/display/figure.js';
import { colormap, renderRgba, scaleFraction } from '../src/display/render.js';
import { linearTicks, scaleTicks, tickLabel } from '../src/display/ticks.js';
import { MemorySource } from '../src/sources/memory.js';
import { openTiffStack } from '../src/tiff/read.js';
import { encodeTiff, toRational } from '../src/tiff/tiff.js';
import { calibratedTiff, profileCsv } from '../viewer/src/export-data.js';
import { histogram } from '../viewer/src/histogram.js';
import { figureWidth } from '../viewer/src/panel-exports.js';
import { tempDir } from './helpers/cli.js';
import { pythonModule, PYTHON } from './helpers/python.js';
import { spawnSync } from 'node:child_process';
import { displayOptions } from '../src/cli/image-output.js';

describe('ticks', () => {
  it('linear colour bars get round values, evenly placed, within the range', () => {
    const ticks = scaleTicks(0, 255);
    expect(ticks.map((t) => t.label)).toEqual(['0', '50', '100', '150', '200', '250']);
    for (const t of ticks) expect(t.at).toBeCloseTo(t.value / 255, 12);
    expect(scaleTicks(0.013, 0.0871).map((t) => t.label)).toEqual(['0.02', '0.04', '0.06', '0.08']);
    expect(scaleTicks(0.013, 0.0871, { minGap: 0.1 }).map((t) => t.label)).toEqual(['0.02', '0.03', '0.04', '0.05', '0.06', '0.07', '0.08']);
    expect(scaleTicks(-3.2, 4.9).map((t) => t.value)).toEqual([-2, 0, 2, 4]);
  });

  it('log colour bars spread their ticks over the decades, placed through the same scale as the pixels', () => {
    const ticks = scaleTicks(0, 1000, { scale: 'log' });
    const values = ticks.map((t) => t.value);
    // One per decade at least, not all crowded at the top as linear ticks would be.
    for (const decade of [0, 10, 100, 1000]) expect(values).toContain(decade);
    for (const t of ticks) expect(t.at).toBeCloseTo(Math.log1p(t.value) / Math.log1p(1000), 12);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i].at - ticks[i - 1].at).toBeGreaterThanOrEqual(0.15 - 1e-12);
    // The colour a tick sits on is the colour its value is drawn with.
    const { indices } = { indices: values.map((v) => Math.round(scaleFraction(v / 1000, 'log') * 255)) };
    const rendered = renderRgba(values, { range: [0, 1000], scale: 'log', cmap: 'gray' }).rgba;
    values.forEach((_, i) => expect(rendered[i * 4]).toBe(indices[i]));
  });

  it('gamma ticks follow t^gamma; degenerate ranges give one tick; labels keep the step\'s decimals', () => {
    for (const t of scaleTicks(0, 1, { scale: 'gamma', gamma: 0.3 })) expect(t.at).toBeCloseTo(t.value ** 0.3, 12);
    expect(scaleTicks(5, 5)).toEqual([{ value: 5, at: 0.5, label: '5' }]);
    expect(scaleTicks(NaN, 1)).toEqual([]);
    expect(tickLabel(0.30000000000000004, 0.1)).toBe('0.3');
    expect(tickLabel(2.5e7, 5e6)).toBe('2.5e7');
    expect(linearTicks(0, 63, 5).map((t) => t.value)).toEqual([0, 20, 40, 60]);
    expect(linearTicks(0, 1.6, 5).map((t) => t.label)).toEqual(['0', '0.5', '1.0', '1.5']);
  });
});

describe('histogram', () => {
  it('counts finite values in equal bins over their extent, the top value in the last bin', () => {
    const h = histogram([0, 1, 2, 3, NaN, 4, Infinity, 4], 4)!;
    expect([h.lo, h.hi]).toEqual([0, 4]);
    expect([...h.counts]).toEqual([1, 1, 1, 3]);
    const flat = histogram([7, 7, 7], 8)!;
    expect([flat.lo, flat.hi, flat.counts[0]]).toEqual([7, 7, 3]);
    expect(histogram([NaN, NaN])).toBeUndefined();
  });
});

describe('figure', () => {
  const rows = 4;
  const cols = 8;
  const values = Float64Array.from({ length: rows * cols }, (_, i) => i);
  const { rgba } = renderRgba(values, { cmap: 'viridis', range: [0, 31] });

  it('scales the image with square pixels, burns in a white scale bar and the colour bar with ticks', () => {
    const f = composeFigure({ rgba, rows, cols, width: 400, scalebar: { pixelSize: 2.5, units: 'nm' }, colorbar: { cmap: 'viridis', range: [0, 31] } });
    expect(f.width).toBe(400);
    const [, , iw, ih] = f.boxes.image;
    expect([iw, ih]).toEqual([400, 200]);
    expect(f.height).toBeGreaterThan(200);
    const px = (x: number, y: number) => Array.from(f.rgba.subarray((y * f.width + x) * 4, (y * f.width + x) * 4 + 3));
    // Image pixel (row 1, col 6) covers output x 300–349, y 50–99.
    const source = (1 * cols + 6) * 4;
    expect(px(325, 75)).toEqual(Array.from(rgba.subarray(source, source + 3)));
    // The scale bar: a round length near a fifth of the 20 nm width, white, edged in black.
    expect(f.scalebarLength).toBe(roundLength(4));
    expect(f.scalebarLength).toBe(2);
    const [sx, sy, sw, sh] = f.boxes.scalebar!;
    expect(sw).toBe(Math.round(((2 / 2.5) * 400) / 8));
    expect(px(sx + 1, sy + 1)).toEqual([255, 255, 255]);
    expect(px(sx + sw - 1, sy + sh - 1)).toEqual([255, 255, 255]);
    expect(px(sx - 1, sy)).toEqual([0, 0, 0]);
    expect(f.texts.find((t) => t.text === '2 nm')).toBeDefined();
    // The colour bar runs through the map from left to right on white.
    const [cx, cy, cw, ch] = f.boxes.colorbar!;
    const table = colormap('viridis');
    expect(px(cx, cy + 1)).toEqual(Array.from(table.subarray(0, 3)));
    expect(px(cx + cw - 1, cy + ch - 1)).toEqual(Array.from(table.subarray(765, 768)));
    expect(px(2, f.height - 2)).toEqual([255, 255, 255]);
    // Ticks: black marks under the bar at their values, labelled.
    expect(f.ticks.map((t) => t.label)).toEqual(['0', '5', '10', '15', '20', '25', '30']);
    for (const t of f.ticks) {
      const x = Math.min(cx + cw - 1, cx + Math.round(t.at * (cw - 1)));
      expect(px(x, cy + ch + 1)).toEqual([0, 0, 0]);
      expect(f.texts.some((s) => s.text === t.label && s.x === x)).toBe(true);
    }
  });

  it('without calibration or colour bar it is the image alone; PNG widths from the size chosen', () => {
    const f = composeFigure({ rgba, rows, cols, width: 16 });
    expect([f.width, f.height, f.boxes.scalebar, f.texts.length]).toEqual([16, 8, undefined, 0]);
    expect(Array.from(f.rgba.subarray(0, 4))).toEqual(Array.from(rgba.subarray(0, 3)).concat(255));
    expect(figureWidth('4x', 32)).toBe(128);
    expect(figureWidth('1024', 32)).toBe(1024);
  });
});

describe('profile CSV', () => {
  it('lists radius, calibrated radius, ring mean and pixel count per ring', () => {
    const pattern = Float64Array.from({ length: 25 }, (_, i) => (i === 12 ? 10 : 1));
    const profile = radialProfile(pattern, 5, 5, 2, 2);
    const csv = profileCsv(profile, { cx: 2, cy: 2 }, { size: 0.02, units: 'Å⁻¹' });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^# radial profile about x 2, y 2/);
    expect(lines[1]).toBe('radius_px,radius_inv_angstrom,mean,pixels');
    expect(lines[2]).toBe('0,0,10,1');
    expect(lines[3]).toBe(`1,0.02,1,${profile.count[1]}`);
    expect(lines.length).toBe(2 + profile.radius.length);
    expect(profileCsv(profile, { cx: 2, cy: 2 }).split('\n')[1]).toBe('radius_px,mean,pixels');
  });

  it('adds the scattering angle in mrad given the beam energy (Å⁻¹ only)', () => {
    const pattern = Float64Array.from({ length: 25 }, (_, i) => (i === 12 ? 10 : 1));
    const profile = radialProfile(pattern, 5, 5, 2, 2);
    const lines = profileCsv(profile, { cx: 2, cy: 2 }, { size: 0.02, units: 'Å⁻¹' }, 200_000).trim().split('\n');
    expect(lines[0]).toMatch(/; angles at 200 kV$/);
    expect(lines[1]).toBe('radius_px,radius_inv_angstrom,angle_mrad,mean,pixels');
    // θ = λk: 0.02 Å⁻¹ at 200 kV (λ = 0.02508 Å) is 0.5016 mrad.
    expect(lines[3]).toBe(`1,0.02,${Number(reciprocalToMrad(0.02, 200_000).toPrecision(8))},1,${profile.count[1]}`);
    expect(Number(lines[3].split(',')[2])).toBeCloseTo(0.5016, 4);
    // A length in another unit has no angle.
    expect(profileCsv(profile, { cx: 2, cy: 2 }, { size: 0.1, units: 'cm' }, 200_000).split('\n')[1]).toBe('radius_px,radius_cm,mean,pixels');
  });
});

describe('calibrated TIFF', () => {
  const values = Float64Array.from({ length: 6 }, (_, i) => i * 1.5);

  it('scan images: pixels per centimetre from the nm step, in the tags and the description', async () => {
    const bytes = calibratedTiff(values, 2, 3, 'virtual image: disk cx 32 cy 30 r 9', { size: 2.5, units: 'nm', source: 'scan step in the header' });
    const stack = await openTiffStack(new MemorySource(bytes, 'scan.tiff'));
    expect([stack.rows, stack.cols, stack.dtype]).toEqual([2, 3, 'float64']);
    expect(Array.from((await stack.readPages(0, 1)) as Float64Array)).toEqual(Array.from(values));
    expect(stack.resolution!.unit).toBe(3);
    expect(stack.resolution!.x).toBeCloseTo(4e6, 3);
    expect(stack.resolution!.y).toBeCloseTo(4e6, 3);
    expect(JSON.parse(stack.description)).toMatchObject({ description: 'virtual image: disk cx 32 cy 30 r 9', pixel_size: 2.5, unit: 'nm', calibration: 'scan step in the header' });
  });

  it('patterns: Å⁻¹ per pixel (no TIFF unit) with the unit escaped to ASCII; the header\'s cm otherwise', async () => {
    const bytes = calibratedTiff(values, 2, 3, 'pattern', { size: 0.0125, units: 'Å⁻¹' });
    const stack = await openTiffStack(new MemorySource(bytes, 'p.tiff'));
    // The reader decodes the ASCII tag as latin-1: any byte past ASCII would show.
    expect(stack.description).toMatch(/^[\x20-\x7e]+$/);
    expect(stack.resolution).toEqual({ x: expect.closeTo(80, 6), y: expect.closeTo(80, 6), unit: 1 });
    expect(JSON.parse(stack.description).unit).toBe('Å⁻¹');
    const cm = await openTiffStack(new MemorySource(calibratedTiff(values, 2, 3, 'pattern', { size: 0.0005, units: 'cm' }), 'c.tiff'));
    expect(cm.resolution).toEqual({ x: expect.closeTo(2000, 6), y: expect.closeTo(2000, 6), unit: 3 });
    const bare = await openTiffStack(new MemorySource(calibratedTiff(values, 2, 3, 'no size'), 'n.tiff'));
    expect(bare.resolution).toBeUndefined();
  });

  it('rationals keep 9 digits; BigTIFF holds the resolution in its entries', async () => {
    for (const v of [4e6, 80, 0.4, 1 / 3, 1e-3]) {
      const [n, d] = toRational(v);
      expect(Math.abs(n / d - v) / v).toBeLessThan(1e-6);
    }
    const big = encodeTiff([{ data: values, rows: 2, cols: 3 }], 'x', 'big', { x: 80, y: 40, unit: 'none' });
    const stack = await openTiffStack(new MemorySource(big, 'b.tiff'));
    expect(stack.resolution).toEqual({ x: expect.closeTo(80, 6), y: expect.closeTo(40, 6), unit: 1 });
    expect(Array.from((await stack.readPages(0, 1)) as Float64Array)).toEqual(Array.from(values));
  });

  const tifffile = pythonModule('tifffile');
  if (!tifffile.ok) console.warn(`skipping the tifffile check of calibrated TIFFs: ${tifffile.why}`);
  it.skipIf(!tifffile.ok)('tifffile reads the values, the resolution and the description', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'scan.tiff');
      writeFileSync(path, calibratedTiff(values, 2, 3, 'scan', { size: 2.5, units: 'nm' }));
      const script = `import json, sys, tifffile
with tifffile.TiffFile(sys.argv[1]) as t:
    p = t.pages[0]
    x = p.tags['XResolution'].value
    print(json.dumps({"values": p.asarray().ravel().tolist(), "x": x[0] / x[1], "unit": int(p.tags['ResolutionUnit'].value), "d": json.loads(p.description)}))`;
      const out = spawnSync(PYTHON, ['-c', script, path], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const r = JSON.parse(out.stdout);
      expect(r.values).toEqual(Array.from(values));
      expect(r.x).toBeCloseTo(4e6, 3);
      expect(r.unit).toBe(3);
      expect(r.d.unit).toBe('nm');
    } finally {
      cleanup();
    }
  });
});

describe('the CLI\'s --gamma', () => {
  it('is --scale gamma:G, alone or with --scale gamma; other scales or another G are refused', () => {
    expect(displayOptions({ gamma: '0.3' })).toEqual({ scale: 'gamma', gamma: 0.3 });
    expect(displayOptions({ gamma: '2', scale: 'gamma' })).toEqual({ scale: 'gamma', gamma: 2 });
    expect(displayOptions({ scale: 'gamma:0.7' })).toEqual({ scale: 'gamma', gamma: 0.7 });
    expect(() => displayOptions({ gamma: '0' })).toThrow(/--gamma must be a number above 0/);
    expect(() => displayOptions({ gamma: 'x' })).toThrow(/--gamma must be a number above 0/);
    expect(() => displayOptions({ gamma: '2', scale: 'log' })).toThrow(/not --scale log/);
    expect(() => displayOptions({ gamma: '2', scale: 'gamma:0.5' })).toThrow(/disagree/);
  });
});
