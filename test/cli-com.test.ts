/** `blo com`: threshold and mask, the shift field's outputs, rotation and flip, the colour wheel, as a user runs them. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toScanAxes } from '../src/analysis/com-fields.js';
import { decodeNpy, encodeNpyHeader } from '../src/npy/npy.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';
import { comFieldFile, type ComFieldFile } from './helpers/com-field.js';

const { dir, cleanup } = tempDir();
const ROWS = 12;
const COLS = 16;
const DP = 32;
const K = 0.1;
const STEP = 5;
/** Pattern axes are scan axes turned by −30° (and mirrored for the radial field). */
const THETA = 30;
const swirlFile = join(dir, 'swirl.blo');
const radialFile = join(dir, 'radial.blo');
let swirl: ComFieldFile;

/** The field `scan(x, y)` in scan axes as the patterns see it: F·R(−θ)·v. */
function seen(scan: (x: number, y: number) => [number, number], flip: boolean): (x: number, y: number) => [number, number] {
  return (x, y) => {
    const [u, v] = scan(x, y);
    const turned = toScanAxes([u], [v], -THETA, false);
    return [turned.x[0], flip ? -turned.y[0] : turned.y[0]];
  };
}
const swirlField = (x: number, y: number): [number, number] => [-K * (y - 5.5), K * (x - 7.5)];
const radialField = (x: number, y: number): [number, number] => [K * (x - 7.5), K * (y - 5.5)];

function npy(path: string): { shape: number[]; data: Float64Array } {
  const decoded = decodeNpy(readFileSync(path), path);
  return { shape: decoded.header.shape, data: decoded.data as Float64Array };
}

beforeAll(async () => {
  swirl = await comFieldFile(ROWS, COLS, DP, seen(swirlField, false), STEP);
  writeFileSync(swirlFile, swirl.bytes);
  writeFileSync(radialFile, (await comFieldFile(ROWS, COLS, DP, seen(radialField, true), STEP)).bytes);
});
afterAll(() => cleanup());

describe('blo com', () => {
  it('finds each spot with a threshold above the background and a disk that leaves out the stray corner pixel; not with one of them', () => {
    const run = (name: string, ...options: string[]) => {
      const out = join(dir, `${name}.npy`);
      const result = blo('com', swirlFile, '-o', out, '--workers', '1', ...options);
      expect(result.status, result.stderr).toBe(0);
      const { shape, data } = npy(out);
      expect(shape).toEqual([2, ROWS, COLS]);
      return Math.max(...swirl.x.map((v, i) => Math.abs(data[i] - v)), ...swirl.y.map((v, i) => Math.abs(data[ROWS * COLS + i] - v)));
    };
    expect(run('both', '--threshold', '4', '--disk', '15.5,15.5,14')).toBeLessThan(1e-9);
    expect(run('threshold', '--threshold', '4')).toBeGreaterThan(0.01);
    expect(run('disk', '--disk', '15.5,15.5,14')).toBeGreaterThan(0.01);
    const mask = new Float64Array(DP * DP).fill(1);
    mask[0] = 0;
    const maskFile = join(dir, 'weights.npy');
    writeFileSync(maskFile, Buffer.concat([Buffer.from(encodeNpyHeader('float64', [DP, DP])), Buffer.from(mask.buffer)]));
    expect(run('mask', '--threshold', '4', '--mask', maskFile)).toBeLessThan(1e-9);
  });

  it('turns the shifts into scan axes: dx, dy, magnitude, direction, divergence and curl per nm', () => {
    const out = join(dir, 'fields.npy');
    const result = blo('com', swirlFile, '-o', out, '--threshold', '4', '--disk', '15.5,15.5,14', '--fields', 'dx,dy,magnitude,direction,divergence,curl', '--com-rotation', String(THETA), '--reference', '15.5,15.5');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/divergence and curl in pattern pixels per nm of scan/);
    const { shape, data } = npy(out);
    expect(shape).toEqual([6, ROWS, COLS]);
    const n = ROWS * COLS;
    const page = (k: number) => data.subarray(k * n, (k + 1) * n);
    for (let r = 0; r < ROWS; r++) {
      for (let c = 0; c < COLS; c++) {
        const i = r * COLS + c;
        const [u, v] = swirlField(c, r);
        expect(page(0)[i]).toBeCloseTo(u, 4);
        expect(page(1)[i]).toBeCloseTo(v, 4);
        expect(page(2)[i]).toBeCloseTo(Math.hypot(u, v), 4);
        if (Math.hypot(u, v) > 0.2) expect(page(3)[i]).toBeCloseTo((Math.atan2(v, u) * 180) / Math.PI, 1);
        // A rotation field: no divergence, curl 2K per scan step of 5 nm.
        expect(page(4)[i]).toBeCloseTo(0, 4);
        expect(page(5)[i]).toBeCloseTo((2 * K) / STEP, 4);
      }
    }
    // Without the rotation the same field is partly a source: the curl is 2K cos 30° / 5 nm.
    const plain = join(dir, 'plain.npy');
    expect(blo('com', swirlFile, '-o', plain, '--threshold', '4', '--disk', '15.5,15.5,14', '--fields', 'curl').status).toBe(0);
    expect(npy(plain).data[5 * COLS + 5]).toBeCloseTo(((2 * K) / STEP) * Math.cos((THETA * Math.PI) / 180), 4);
  });

  it('--com-rotation auto finds the rotation that leaves no curl, for the flip given', () => {
    const out = join(dir, 'auto.npy');
    const result = blo('com', radialFile, '-o', out, '--threshold', '4', '--disk', '15.5,15.5,14', '--fields', 'dx,dy,curl', '--com-rotation', 'auto', '--com-flip');
    expect(result.status, result.stderr).toBe(0);
    const m = /com rotation ([\d.]+)° \(flip yes\)/.exec(result.stdout);
    expect(m, result.stdout).not.toBeNull();
    expect(Number(m![1])).toBeCloseTo(THETA, 2);
    const { data } = npy(out);
    const n = ROWS * COLS;
    expect(Math.max(...data.subarray(2 * n).map(Math.abs))).toBeLessThan(1e-5);
    // The radial field comes back: dx = K (x − 7.5) at the mean centre.
    expect(data[3 * COLS + 12]).toBeCloseTo(K * (12 - 7.5), 4);
  });

  it('draws the colour wheel with its key: hue the direction, brightness the magnitude', () => {
    const out = join(dir, 'wheel.png');
    const result = blo('com', radialFile, '-o', out, '--threshold', '4', '--disk', '15.5,15.5,14', '--fields', 'wheel', '--com-rotation', String(THETA), '--com-flip');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/wheel: hue the direction .* full brightness at a shift of [\d.]+ pattern pixels/);
    const png = decode(readFileSync(out));
    // 32 screen pixels per scan position (512 / 16), 8 apart, a 256-pixel key.
    expect([png.width, png.height, png.channels]).toEqual([512 + 8 + 256, 384, 3]);
    const at = (x: number, y: number) => [...png.data.subarray((y * png.width + x) * 3, (y * png.width + x) * 3 + 3)];
    const position = (c: number, r: number) => at(c * 32 + 16, r * 32 + 16);
    const right = position(15, 5); // pointing along +x: red
    expect(right[0]).toBeGreaterThan(150);
    expect(right[1]).toBeLessThan(10);
    const below = position(8, 11); // along +y: yellow-green
    expect(below[1]).toBeGreaterThan(150);
    expect(below[2]).toBeLessThan(10);
    const left = position(0, 6); // along −x: cyan
    expect(left[0]).toBeLessThan(10);
    expect(left[1]).toBeGreaterThan(150);
    expect(left[2]).toBeGreaterThan(150);
    // The key: dark at its centre, red on its right rim, white around it.
    expect(at(520 + 128, 128).every((v) => v < 10)).toBe(true);
    expect(at(520 + 250, 128)[0]).toBeGreaterThan(200);
    expect(at(520 + 2, 2)).toEqual([255, 255, 255]);
  });

  it('writes one PNG per field, and refuses what cannot be done in one line', () => {
    const out = join(dir, 'many.png');
    expect(blo('com', swirlFile, '-o', out, '--fields', 'magnitude,wheel,curl').status).toBe(0);
    for (const name of ['magnitude', 'wheel', 'curl']) expect(existsSync(join(dir, `many-${name}.png`))).toBe(true);
    const refused: [string[], RegExp][] = [
      [['--fields', 'x,speed'], /--fields takes a list of x, y, dx, dy, magnitude, direction, divergence, curl, wheel, got "x,speed"/],
      [['--fields', 'dx,dx'], /--fields names dx twice/],
      [['--com-rotation', '1x', '--fields', 'dx'], /--com-rotation must be DEG \(or auto\): a number, got "1x"/],
      [['--com-flip'], /--com-rotation, --com-flip and --reference change dx, dy, .*: ask for them with --fields/],
      [['--reference', '1', '--fields', 'dx'], /--reference must be CX,CY: 2 numbers separated by commas, got "1"/],
    ];
    for (const [options, message] of refused) {
      const result = blo('com', swirlFile, '-o', join(dir, 'no.npy'), ...options);
      expect(result.status, options.join(' ')).toBe(2);
      expect(oneLineError(result)).toMatch(message);
    }
    const wheelToNpy = blo('com', swirlFile, '-o', join(dir, 'no.npy'), '--fields', 'wheel');
    expect(oneLineError(wheelToNpy)).toMatch(/--fields wheel is a picture: write it to a \.png/);
    const store = blo('com', swirlFile, '-o', join(dir, 'no.zarr'), '--fields', 'curl');
    expect(oneLineError(store)).toMatch(/a results store holds the x and y maps only/);
    expect(existsSync(join(dir, 'no.npy')) || existsSync(join(dir, 'no.zarr'))).toBe(false);
  });

  it('--help lists the options with examples', () => {
    const help = blo('com', '--help').stdout;
    for (const option of ['--fields', '--com-rotation', '--com-flip', '--reference', '--threshold', '--mask', '--disk']) expect(help).toContain(option);
    expect(help).toMatch(/--com-rotation auto/);
  });
});
