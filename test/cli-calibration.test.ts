/**
 * `--pixel-size` wherever pattern coordinates appear: radii in Å⁻¹ or mrad
 * for blo virtual and blo com, the radial profile's columns (blo profile),
 * and the header's estimate in blo info, called an estimate.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/engine.js';
import { radialProfile } from '../src/analysis/profile.js';
import { headerCalibration, mradToReciprocal, reciprocalToMrad } from '../src/crystal/calibration.js';
import { openBlockfile } from '../src/node/open.js';
import { decodeNpy } from '../src/npy/npy.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir();
const file = join(dir, 'scan.blo');
/** The demo's header: SDP and camera length 200 mm at 200 kV, so its estimate is known. */
let estimate: number;

beforeAll(async () => {
  const made = blo('demo', file, '--scan', '6x8', '--size', '48', '--seed', '4');
  if (made.status !== 0) throw new Error(made.stderr);
  const bf = await openBlockfile(file);
  estimate = headerCalibration(bf.header)!.perPixel;
  await bf.close();
});
afterAll(() => cleanup());

const npy = (path: string) => Float64Array.from(decodeNpy(readFileSync(path)).data as ArrayLike<number>);

describe('radii in Å⁻¹ and mrad', () => {
  it('blo virtual: an annulus in A-1 is the annulus in pixels divided by --pixel-size', async () => {
    const a = join(dir, 'a.npy');
    const b = join(dir, 'b.npy');
    expect(blo('virtual', file, '--annulus', '23.5,23.5,0.1A-1,0.3A-1', '--pixel-size', '0.02', '-o', a).status).toBe(0);
    expect(blo('virtual', file, '--annulus', '23.5,23.5,5,15', '-o', b).status).toBe(0);
    expect(npy(a)).toEqual(npy(b));
    const bf = await openBlockfile(file);
    const direct = (await analyze(bf, { virtual: [{ kind: 'annulus', cx: 23.5, cy: 23.5, r1: 5, r2: 15 }] })).virtual[0];
    await bf.close();
    expect(npy(a)).toEqual(direct);
  });

  it('blo virtual: a disk in mrad at the header\'s 200 kV, with the header\'s estimate (said to be one)', async () => {
    const out = join(dir, 'mrad.npy');
    const made = blo('virtual', file, '--disk', '23.5,23.5,4mrad', '--pixel-size', 'header', '-o', out);
    expect(made.status, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/--pixel-size header: [\d.]+ Å⁻¹ per pixel, an estimate from the header/);
    const r = mradToReciprocal(4, 200_000) / estimate;
    const bf = await openBlockfile(file);
    const direct = (await analyze(bf, { virtual: [{ kind: 'disk', cx: 23.5, cy: 23.5, r }] })).virtual[0];
    await bf.close();
    expect(npy(out)).toEqual(direct);
    expect(reciprocalToMrad(mradToReciprocal(4, 200_000), 200_000)).toBeCloseTo(4, 12);
  });

  it('blo com: --disk with a radius in A-1', () => {
    const a = join(dir, 'com-a.npy');
    const b = join(dir, 'com-b.npy');
    expect(blo('com', file, '--disk', '23.5,23.5,0.2A-1', '--pixel-size', '0.02', '-o', a).status).toBe(0);
    expect(blo('com', file, '--disk', '23.5,23.5,10', '-o', b).status).toBe(0);
    expect(npy(a)).toEqual(npy(b));
  });

  it('refuses what cannot be converted, in one line naming the option and value', () => {
    const out = join(dir, 'x.npy');
    expect(oneLineError(blo('virtual', file, '--disk', '23.5,23.5,0.2A-1', '-o', out))).toBe(
      'blo: --disk 23.5,23.5,0.2A-1: a radius in A-1 needs --pixel-size (Å⁻¹ per pattern pixel, or "header" for the header\'s estimate) (see blo virtual --help)',
    );
    expect(oneLineError(blo('virtual', file, '--disk', '23.5A-1,23.5,2', '--pixel-size', '0.02', '-o', out))).toMatch(
      /^blo: --disk: only the radii of CX,CY,R take A-1 or mrad; positions are pattern pixels, got "23.5A-1,23.5,2"/,
    );
    expect(oneLineError(blo('virtual', file, '--annulus', '23.5,23.5,0.3A-1,0.1A-1', '--pixel-size', '0.02', '-o', out))).toMatch(/^blo: --annulus must have R1 ≤ R2, got "23.5,23.5,0.3A-1,0.1A-1" \(R1 15 px, R2 5 px\)/);
    expect(oneLineError(blo('virtual', file, '--disk', '23.5,23.5,xA-1', '--pixel-size', '0.02', '-o', out))).toMatch(/^blo: --disk must be CX,CY,R: 3 numbers separated by commas, got "23.5,23.5,xA-1"/);
    const bad = blo('virtual', file, '--disk', '23.5,23.5,2', '--pixel-size', '-1', '-o', out);
    expect(bad.status).toBe(2);
    expect(oneLineError(bad)).toMatch(/^blo: --pixel-size must be a positive number, got "-1"/);
  });
});

describe('blo profile', () => {
  it('writes the ring means of the mean pattern with r_px, k_A-1 and mrad columns', async () => {
    const out = join(dir, 'profile.csv');
    const made = blo('profile', file, '--pixel-size', '0.02', '--center', '23,24', '-o', out);
    expect(made.status, made.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('r_px,k_A-1,mrad,mean,pixels');
    const bf = await openBlockfile(file);
    const mean = (await analyze(bf, { patterns: { mean: true } })).mean!;
    await bf.close();
    const expected = radialProfile(mean, 48, 48, 23, 24);
    expect(lines.length - 1).toBe(expected.mean.length);
    for (const k of [0, 5, 20]) {
      const [r, q, mrad, m, n] = lines[k + 1].split(',').map(Number);
      expect(r).toBe(k + 0.5);
      expect(q).toBeCloseTo((k + 0.5) * 0.02, 12);
      expect(mrad).toBeCloseTo(reciprocalToMrad((k + 0.5) * 0.02, 200_000), 10);
      expect(m).toBe(expected.mean[k]);
      expect(n).toBe(expected.count[k]);
    }
  });

  it('without a calibration: pixels only; one pattern with --frame; rings in A-1 with --bin', async () => {
    const plain = blo('profile', file, '--frame', '2,3');
    expect(plain.status, plain.stderr).toBe(0);
    const lines = plain.stdout.trim().split('\n');
    expect(lines[0]).toBe('r_px,mean,pixels');
    const bf = await openBlockfile(file);
    const expected = radialProfile(await bf.frameAt(3, 2), 48, 48, 23.5, 23.5);
    await bf.close();
    expect(lines[5].split(',').map(Number)).toEqual([4.5, expected.mean[4], expected.count[4]]);
    const binned = blo('profile', file, '--frame', '2,3', '--bin', '0.04A-1', '--pixel-size', '0.02');
    expect(binned.stdout.split('\n')[1].split(',').map(Number).slice(0, 2)).toEqual([1, 0.02]);
    expect(oneLineError(blo('profile', file, '--frame', '8,0'))).toMatch(/^blo: --frame 8,0 is outside the 8 × 6 scan/);
    expect(oneLineError(blo('profile', file, '-o', join(dir, 'p.txt')))).toMatch(/^blo: -o writes a \.csv file, got ".*p\.txt"/);
  });
});

describe('blo info', () => {
  it('prints the header\'s estimate of the calibration as an estimate', () => {
    const text = blo('info', file, '--no-check').stdout;
    expect(text).toMatch(new RegExp(`^Reciprocal +≈ ${Number(estimate.toPrecision(4))} Å⁻¹ per pixel \\([\\d.]+ mrad per pixel at 200 kV\\), an estimate from the header: .*SDP .*camera length 200(\\.0)? mm`, 'm'));
    const json = JSON.parse(blo('info', file, '--json', '--no-check').stdout);
    expect(json.reciprocal_calibration_estimate.per_pixel).toBeCloseTo(estimate, 12);
    expect(json.reciprocal_calibration_estimate.how).toMatch(/^estimated from the header/);
  });
});
