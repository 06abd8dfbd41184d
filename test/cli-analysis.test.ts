/** `blo virtual`, `sum`/`mean`/`max`/`std`, `com` and `navigator --compute` as a user runs them. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/engine.js';
import { openBlockfile } from '../src/node/open.js';
import { decodeNpy, encodeNpyHeader } from '../src/npy/npy.js';
import { blo, bloPeakMemory, oneLineError, tempDir } from './helpers/cli.js';
import { pythonModule, runPython } from './helpers/python.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const file = join(dir, 'scan.blo');
beforeAll(() => {
  const made = blo('demo', file, '--scan', '12x10', '--size', '32', '--bits', '16');
  if (made.status !== 0) throw new Error(made.stderr);
});

function npy(path: string): { shape: number[]; data: Float64Array } {
  const { header, data } = decodeNpy(readFileSync(path), path);
  expect(header.dtype).toBe('float64');
  return { shape: header.shape, data: data as Float64Array };
}

async function library(request: Parameters<typeof analyze>[1]) {
  const bf = await openBlockfile(file);
  try {
    return await analyze(bf, request);
  } finally {
    await bf.close();
  }
}

describe('blo virtual', () => {
  it('writes one image per detector, in the order given, equal to the library', async () => {
    const mask = join(dir, 'mask.npy');
    const weights = Float64Array.from({ length: 32 * 32 }, (_, i) => (i % 5) / 2);
    writeFileSync(mask, Buffer.concat([encodeNpyHeader('float64', [32, 32]), Buffer.from(weights.buffer)]));
    const out = join(dir, 'virtual.npy');
    const result = blo('virtual', file, '--annulus', '15.5,15.5,4,12', '--disk', '15.5,15.5,3', '--mask', mask, '--rect', '0,0,8,32', '-o', out, '--workers', '2');
    expect(result.status, result.stderr).toBe(0);
    const { shape, data } = npy(out);
    expect(shape).toEqual([4, 12, 10]);
    const expected = await library({
      virtual: [
        { kind: 'annulus', cx: 15.5, cy: 15.5, r1: 4, r2: 12 },
        { kind: 'disk', cx: 15.5, cy: 15.5, r: 3 },
        { kind: 'mask', weights },
        { kind: 'rect', x0: 0, y0: 0, x1: 8, y1: 32 },
      ],
    });
    expected.virtual.forEach((image, i) => expect(data.subarray(i * 120, (i + 1) * 120)).toEqual(image));
  });

  it('writes PNGs with a colour map, one per detector when several', () => {
    const one = join(dir, 'disk.png');
    expect(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', one).status).toBe(0);
    const grey = decode(readFileSync(one));
    expect([grey.width, grey.height, grey.channels]).toEqual([10, 12, 1]);
    // Percentile contrast: the image spans the grey range.
    expect(Math.max(...grey.data)).toBe(255);
    expect(Math.min(...grey.data)).toBe(0);
    const two = join(dir, 'two.png');
    expect(blo('virtual', file, '--disk', '15.5,15.5,3', '--disk', '5,5,3', '-o', two, '--cmap', 'viridis').status).toBe(0);
    for (const name of ['two-1.png', 'two-2.png']) expect(decode(readFileSync(join(dir, name))).channels).toBe(3);
    expect(existsSync(two)).toBe(false);
    const again = blo('virtual', file, '--disk', '15.5,15.5,3', '--disk', '5,5,3', '-o', two);
    expect(again.status).toBe(1);
    expect(oneLineError(again)).toMatch(/two-1\.png: file exists/);
  });

  it('refuses bad usage with exit code 2 and one line', () => {
    const cases: [string[], RegExp][] = [
      [['-o', join(dir, 'x.npy')], /give at least one detector/],
      [['--disk', '1,2', '-o', join(dir, 'x.npy')], /--disk must be CX,CY,R: 3 numbers separated by commas, got "1,2"/],
      [['--disk', '1,2,3'], /-o OUT\.npy/],
      [['--disk', '1,2,3', '-o', join(dir, 'x.jpg')], /use a \.npy, \.tiff or \.png file/],
      [['--disk', '1,2,3', '-o', join(dir, 'x.png'), '--cmap', 'rainbow'], /--cmap must be one of gray, viridis/],
      [['--mask', join(dir, 'absent.npy'), '-o', join(dir, 'x.npy')], /absent\.npy: no such file/],
      [['--disk', '1,2,3', '-o', join(dir, 'x.npy'), '--workers', 'two'], /--workers must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const result = blo('virtual', file, ...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(oneLineError(result)).toMatch(message);
    }
    const negative = blo('virtual', file, '--disk', '1,2,-3', '-o', join(dir, 'x.npy'));
    expect(negative.status).toBe(2);
    expect(oneLineError(negative)).toMatch(/--disk must have a radius R ≥ 0, got "1,2,-3" \(see blo virtual --help\)$/);
  });
});

describe('blo sum, mean, max, std and com', () => {
  it.each(['sum', 'mean', 'max', 'std'] as const)('%s equals the library, whole scan and region', async (statistic) => {
    const out = join(dir, `${statistic}.npy`);
    expect(blo(statistic, file, '-o', out).status).toBe(0);
    expect(npy(out).data).toEqual((await library({ patterns: { [statistic]: true } }))[statistic]);
    const region = join(dir, `${statistic}-region.npy`);
    expect(blo(statistic, file, '-o', region, '--region', '2,3,6,9').status).toBe(0);
    const expected = await library({ patterns: { [statistic]: true, region: { kind: 'rect', x0: 2, y0: 3, x1: 6, y1: 9 } } });
    expect(npy(region)).toEqual({ shape: [32, 32], data: expected[statistic] });
  });

  it('com writes x and y maps', async () => {
    const out = join(dir, 'com.npy');
    expect(blo('com', file, '-o', out, '--disk', '15.5,15.5,10', '--threshold', '50').status).toBe(0);
    const { shape, data } = npy(out);
    expect(shape).toEqual([2, 12, 10]);
    const expected = await library({ centerOfMass: { mask: { kind: 'disk', cx: 15.5, cy: 15.5, r: 10 }, threshold: 50 } });
    expect(data.subarray(0, 120)).toEqual(expected.centerOfMass!.x);
    expect(data.subarray(120)).toEqual(expected.centerOfMass!.y);
    expect(blo('com', file, '-o', join(dir, 'com.png')).status).toBe(0);
    expect(existsSync(join(dir, 'com-x.png')) && existsSync(join(dir, 'com-y.png'))).toBe(true);
  });

  it('navigator --compute gives the stored VBF and the mean of each pattern', async () => {
    const out = join(dir, 'nav.npy');
    expect(blo('navigator', file, '--compute', '-o', out).status).toBe(0);
    const { shape, data } = npy(out);
    expect(shape).toEqual([2, 12, 10]);
    const bf = await openBlockfile(file);
    expect(data.subarray(0, 120)).toEqual(Float64Array.from((await bf.navigator()).data));
    for (let i = 0; i < 120; i += 17) {
      const frame = await bf.frame(i);
      expect(data[120 + i]).toBe(Array.from(frame).reduce((a, b) => a + b, 0) / frame.length);
    }
    await bf.close();
  });
});

const tifffile = pythonModule('tifffile');
describe.skipIf(!tifffile.ok)('TIFF output read by tifffile', () => {
  it('a stack of float64 pages', async () => {
    const out = join(dir, 'virtual.tiff');
    expect(blo('virtual', file, '--disk', '15.5,15.5,3', '--annulus', '15.5,15.5,4,12', '-o', out).status).toBe(0);
    const script = `import sys, tifffile, json; a = tifffile.imread(sys.argv[1]); print(json.dumps({"shape": a.shape, "dtype": str(a.dtype), "data": a.ravel().tolist()}))`;
    const read = JSON.parse(runPython('-c', [script, out]));
    expect(read.shape).toEqual([2, 12, 10]);
    expect(read.dtype).toBe('float64');
    const expected = await library({ virtual: [{ kind: 'disk', cx: 15.5, cy: 15.5, r: 3 }, { kind: 'annulus', cx: 15.5, cy: 15.5, r1: 4, r2: 12 }] });
    expect(read.data).toEqual([...expected.virtual[0], ...expected.virtual[1]]);
  });
});
if (!tifffile.ok) console.warn(`skipping the tifffile test: ${tifffile.why}`);

describe('memory', () => {
  it('a pass over a 256 MB file stays within the blocks in flight, with and without workers', () => {
    const big = join(dir, 'big.blo');
    expect(blo('demo', big, '--scan', '128x128', '--size', '128').status).toBe(0);
    for (const workers of ['1', '2']) {
      const mb = bloPeakMemory('virtual', big, '--disk', '63.5,63.5,20', '-o', join(dir, `big-${workers}.npy`), '--workers', workers).peakMb;
      // Measured here: about 65 MB in one thread, 120 MB with two workers (each its own heap and 8 MB blocks).
      expect(mb, `${workers} worker(s)`).toBeLessThan(workers === '1' ? 120 : 220);
    }
    expect(npy(join(dir, 'big-1.npy')).data).toEqual(npy(join(dir, 'big-2.npy')).data);
  }, 120_000);
});
