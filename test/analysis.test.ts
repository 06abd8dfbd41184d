/** The analysis engine against plain reference computations, on every source, in one thread and in workers. */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, type AnalysisPool, type AnalysisRequest, type Detector } from '../src/analysis/index.js';
import { byteTotal } from '../src/analysis/accumulate.js';
import { radialProfile } from '../src/analysis/profile.js';
import { HEADER_SIZE } from '../src/format/header.js';
import { openBlockfile } from '../src/node/open.js';
import { Blockfile } from '../src/reader/blockfile.js';
import { BlobSource, HttpSource, MemorySource, type ByteSource } from '../src/sources/index.js';
import { tempDir } from './helpers/cli.js';
import { buildBlockfile } from './helpers/build.js';
import { serveBytes } from './helpers/http.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** Reference: the frames as the reader gives them, one at a time, and plain loops. */
async function frames(bf: Blockfile): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (let i = 0; i < bf.frameCount; i++) out.push(Float64Array.from(await bf.frame(i)));
  return out;
}

function inside(d: Detector, x: number, y: number, cols: number): number {
  switch (d.kind) {
    case 'disk':
      return (x - d.cx) ** 2 + (y - d.cy) ** 2 <= d.r ** 2 ? 1 : 0;
    case 'annulus': {
      const r2 = (x - d.cx) ** 2 + (y - d.cy) ** 2;
      return r2 >= d.r1 ** 2 && r2 <= d.r2 ** 2 ? 1 : 0;
    }
    case 'rect':
      return x >= d.x0 && x < d.x1 && y >= d.y0 && y < d.y1 ? 1 : 0;
    case 'mask':
      return d.weights[y * cols + x];
  }
}

function referenceVirtual(all: Float64Array[], d: Detector, rows: number, cols: number): Float64Array {
  return Float64Array.from(all, (f) => {
    let s = 0;
    for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) s += f[y * cols + x] * inside(d, x, y, cols);
    return s;
  });
}

function referenceCom(f: Float64Array, rows: number, cols: number, threshold = -Infinity): [number, number] {
  let t = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const v = f[y * cols + x];
      if (v < threshold) continue;
      t += v;
      sx += v * x;
      sy += v * y;
    }
  }
  return t === 0 ? [NaN, NaN] : [sx / t, sy / t];
}

/** Equal to 9 decimals, or both NaN (a frame without intensity has no centre of mass). */
function expectClose(actual: number, expected: number): void {
  if (Number.isNaN(expected)) expect(actual).toBeNaN();
  else expect(actual).toBeCloseTo(expected, 9);
}

function detectors(rows: number, cols = rows): Detector[] {
  const weights = Float64Array.from({ length: rows * cols }, (_, i) => ((i * 13) % 7) / 4);
  const binary = Uint8Array.from({ length: rows * cols }, (_, i) => (i % 3 === 0 ? 1 : 0));
  return [
    { kind: 'disk', cx: cols / 2 - 0.5, cy: rows / 2, r: rows / 4 },
    { kind: 'annulus', cx: 3, cy: rows - 4, r1: 2, r2: 5.5 },
    { kind: 'rect', x0: 1, y0: 2, x1: cols - 3, y1: rows / 2 },
    { kind: 'mask', weights: binary },
    { kind: 'mask', weights },
  ];
}

const everything = (rows: number, cols = rows): AnalysisRequest => ({
  virtual: detectors(rows, cols),
  frameSums: true,
  patterns: { sum: true, mean: true, max: true, std: true },
  centerOfMass: true,
});

/** Checks every output of `everything` against the reference computation. */
async function checkAgainstReference(bf: Blockfile, pool?: AnalysisPool): Promise<void> {
  const [rows, cols] = [bf.geometry.sigShape.at(-2) ?? 1, bf.geometry.sigShape.at(-1)!];
  const all = await frames(bf);
  const result = await analyze(bf, everything(rows, cols), { pool, blockFrames: 5 });
  detectors(rows, cols).forEach((d, i) => {
    const expected = referenceVirtual(all, d, rows, cols);
    if (d.kind === 'mask' && !Array.from(d.weights).every((w) => w === 0 || w === 1)) {
      expected.forEach((v, k) => expect(result.virtual[i][k]).toBeCloseTo(v, 9));
    } else {
      expect(result.virtual[i]).toEqual(expected);
    }
  });
  expect(result.frameSums).toEqual(Float64Array.from(all, (f) => f.reduce((a, b) => a + b, 0)));
  const n = all.length;
  const sum = new Float64Array(rows * cols);
  const max = new Float64Array(rows * cols);
  for (const f of all) f.forEach((v, q) => ((sum[q] += v), (max[q] = Math.max(max[q], v))));
  expect(result.sum).toEqual(sum);
  expect(result.max).toEqual(max);
  expect(result.mean).toEqual(sum.map((s) => s / n));
  const std = sum.map((s, q) => Math.sqrt(all.reduce((a, f) => a + (f[q] - s / n) ** 2, 0) / n));
  result.std!.forEach((v, q) => expect(v).toBeCloseTo(std[q], 9));
  const com = all.map((f) => referenceCom(f, rows, cols));
  result.centerOfMass!.x.forEach((v, k) => expectClose(v, com[k][0]));
  result.centerOfMass!.y.forEach((v, k) => expectClose(v, com[k][1]));
  expect(result.framesInRegion).toBe(n);
}

async function blockfileBytes(bits: 8 | 16, nx = 7, ny = 5, dp = 12): Promise<Uint8Array> {
  return (await buildBlockfile({ nx, ny, dpSize: dp, bits })).bytes;
}

describe('analysis equals the reference computation', () => {
  it.each([8, 16] as const)('%i-bit, memory source', async (bits) => {
    const bf = await Blockfile.open(new MemorySource(await blockfileBytes(bits)));
    await checkAgainstReference(bf);
  });

  it('a truncated file (missing frames count as zeros)', async () => {
    const bytes = await blockfileBytes(8);
    const bf = await Blockfile.open(new MemorySource(bytes.subarray(0, bytes.length - 150 * 3)));
    expect(bf.warnings.map((w) => w.code)).toContain('TRUNCATED');
    await checkAgainstReference(bf);
  });

  it('syncOffset and navShape / sigShape overrides', async () => {
    const bytes = await blockfileBytes(16);
    await checkAgainstReference(await Blockfile.open(new MemorySource(bytes), { syncOffset: 3 }));
    await checkAgainstReference(await Blockfile.open(new MemorySource(bytes), { syncOffset: -2, navShape: [35] }));
    await checkAgainstReference(await Blockfile.open(new MemorySource(bytes), { navShape: [7, 5], sigShape: [8, 18] }));
  });

  it('file, Blob and HTTP sources', async () => {
    const bytes = await blockfileBytes(8);
    const path = join(dir, 'sources.blo');
    writeFileSync(path, bytes);
    const server = await serveBytes(bytes);
    const sources: ByteSource[] = [new BlobSource(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'scan.blo'), await HttpSource.open(server.url)];
    try {
      const fromFile = await openBlockfile(path);
      await checkAgainstReference(fromFile);
      await fromFile.close();
      for (const source of sources) await checkAgainstReference(await Blockfile.open(source));
    } finally {
      await server.close();
    }
  });

  it('pattern statistics over a scan region, reading only the frames needed', async () => {
    const bytes = await blockfileBytes(8);
    const source = new MemorySource(bytes);
    let read = 0;
    const counting: ByteSource = { name: 'counting', size: source.size, read: (o, l) => ((read += l), source.read(o, l)), close: () => source.close() };
    const bf = await Blockfile.open(counting);
    const all = await frames(bf);
    read = 0;
    const region = { kind: 'rect', x0: 2, y0: 1, x1: 4, y1: 3 } as const;
    const result = await analyze(bf, { patterns: { sum: true, max: true, region } });
    const picked = all.filter((_, i) => i % 7 >= 2 && i % 7 < 4 && Math.floor(i / 7) >= 1 && Math.floor(i / 7) < 3);
    expect(result.framesInRegion).toBe(4);
    expect(result.sum).toEqual(picked.reduce((acc, f) => acc.map((v, q) => v + f[q]), new Float64Array(144)));
    expect(read).toBeLessThan(bytes.length - HEADER_SIZE - 35 * 150 / 2);
    const disk = await analyze(bf, { patterns: { mean: true, region: { kind: 'disk', cx: 3, cy: 2, r: 1 } } });
    expect(disk.framesInRegion).toBe(5);
    await expect(analyze(bf, { patterns: { sum: true, region: { kind: 'rect', x0: 9, y0: 9, x1: 10, y1: 10 } } })).rejects.toThrow(/no scan positions/);
    await expect(analyze(bf, {})).rejects.toThrow(/nothing to compute/);
  });

  it('centre of mass inside a mask and above a threshold', async () => {
    const bf = await Blockfile.open(new MemorySource(await blockfileBytes(8)));
    const all = await frames(bf);
    const threshold = 100;
    const r = await analyze(bf, { centerOfMass: { threshold } });
    all.forEach((f, k) => expectClose(r.centerOfMass!.x[k], referenceCom(f, 12, 12, threshold)[0]));
    const mask = { kind: 'rect', x0: 0, y0: 0, x1: 12, y1: 1 } as const;
    const row = await analyze(bf, { centerOfMass: { mask } });
    expect([...row.centerOfMass!.y].every((y) => y === 0 || Number.isNaN(y))).toBe(true);
  });

  it('refuses bad detectors with a clear message', async () => {
    const bf = await Blockfile.open(new MemorySource(await blockfileBytes(8)));
    await expect(analyze(bf, { virtual: [{ kind: 'disk', cx: 1, cy: 1, r: -1 }] })).rejects.toThrow(/disk \(1, 1, r -1\): .*radius ≥ 0/);
    await expect(analyze(bf, { virtual: [{ kind: 'mask', weights: new Uint8Array(5) }] })).rejects.toThrow(/mask: has 5 weights, the pattern 12×12/);
  });

  it('reports progress and can be cancelled', async () => {
    const bf = await Blockfile.open(new MemorySource(await blockfileBytes(8, 20, 20, 16)));
    const seen: number[] = [];
    await analyze(bf, { frameSums: true }, { blockFrames: 50, onProgress: (p) => seen.push(p.frames) });
    expect(seen).toEqual([50, 100, 150, 200, 250, 300, 350, 400]);
    const abort = new AbortController();
    const run = analyze(bf, { frameSums: true }, { blockFrames: 50, signal: abort.signal, onProgress: (p) => p.frames >= 100 && abort.abort(new Error('enough')) });
    await expect(run).rejects.toThrow('enough');
  });
});

describe('integer accumulators', () => {
  it('sum patterns stay exact past the range of 32-bit integers (70,000 frames of 65535)', async () => {
    const data = new Uint16Array(70_000).fill(65535);
    const { bytes } = await buildBlockfile({ nx: 35_000, ny: 2, dpSize: 1, bits: 16 }, data);
    const bf = await Blockfile.open(new MemorySource(bytes));
    const r = await analyze(bf, { patterns: { sum: true, max: true, mean: true, std: true }, frameSums: true, virtual: [{ kind: 'rect', x0: 0, y0: 0, x1: 1, y1: 1 }] });
    expect(r.sum![0]).toBe(70_000 * 65535);
    expect(r.max![0]).toBe(65535);
    expect(r.mean![0]).toBe(65535);
    expect(r.std![0]).toBe(0);
    expect(r.frameSums!.every((v) => v === 65535)).toBe(true);
    expect(r.virtual[0].every((v) => v === 65535)).toBe(true);
  });
});

describe('radial profile', () => {
  it('averages rings about the centre', () => {
    const rows = 9;
    const cols = 11;
    const pattern = Float64Array.from({ length: rows * cols }, (_, i) => (i * 7) % 13);
    const p = radialProfile(pattern, rows, cols, 5, 4.5, { binWidth: 1.5 });
    const sum = new Float64Array(p.sum.length);
    const count = new Uint32Array(p.sum.length);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const k = Math.floor(Math.hypot(x - 5, y - 4.5) / 1.5);
        sum[k] += pattern[y * cols + x];
        count[k]++;
      }
    }
    expect(p.count).toEqual(count);
    expect(p.sum).toEqual(sum);
    expect(p.mean[0]).toBe(sum[0] / count[0]);
    expect(p.radius[2]).toBe(3);
    expect(p.count.reduce((a, b) => a + b, 0)).toBe(rows * cols);
  });
});

describe('worker threads', () => {
  // The pool runs the compiled worker script: import it from the build that `npm test` makes first.
  let pool: AnalysisPool;
  beforeAll(async () => {
    const node = await import(join(REPO_ROOT, 'dist', 'node', 'index.js'));
    pool = node.createNodeAnalysisPool(3);
  });
  afterAll(() => pool.close());

  it.each([8, 16] as const)('give bit-identical results to one thread (%i-bit file)', async (bits) => {
    const path = join(dir, `workers-${bits}.blo`);
    writeFileSync(path, await blockfileBytes(bits, 23, 19, 16));
    const bf = await openBlockfile(path);
    const single = await analyze(bf, everything(16), { blockFrames: 7 });
    const progress: number[] = [];
    const parallel = await analyze(bf, everything(16), { pool, blockFrames: 7, onProgress: (p) => progress.push(p.frames) });
    expect(parallel).toEqual(single);
    expect(progress.at(-1)).toBe(23 * 19);
    await checkAgainstReference(bf, pool);
    await bf.close();
  });

  it('run on Blob and HTTP sources too, and fall back to this thread for plain memory', async () => {
    const bytes = await blockfileBytes(8, 23, 19, 16);
    const server = await serveBytes(bytes);
    try {
      const single = await analyze(await Blockfile.open(new MemorySource(bytes)), everything(16));
      for (const source of [new BlobSource(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'b.blo'), await HttpSource.open(server.url)]) {
        expect(await analyze(await Blockfile.open(source), everything(16), { pool, blockFrames: 11 })).toEqual(single);
      }
      const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
      shared.set(bytes);
      expect(await analyze(await Blockfile.open(new MemorySource(shared)), everything(16), { pool, blockFrames: 11 })).toEqual(single);
    } finally {
      await server.close();
    }
  });

  it('are cancelled, pass errors on with their code, and stay usable', async () => {
    const bytes = await blockfileBytes(8, 40, 40, 16);
    const path = join(dir, 'cancel.blo');
    writeFileSync(path, bytes);
    const bf = await openBlockfile(path);
    const abort = new AbortController();
    abort.abort(new Error('user cancelled'));
    await expect(analyze(bf, { frameSums: true }, { pool, signal: abort.signal })).rejects.toThrow('user cancelled');
    const later = new AbortController();
    const run = analyze(bf, { frameSums: true }, { pool, blockFrames: 10, signal: later.signal, onProgress: () => later.abort(new Error('stop now')) });
    await expect(run).rejects.toThrow('stop now');
    // Broken frame records: read as HyperSpy does, and the workers' findings reach the caller's warning;
    // in strict mode the worker's BlockfileError arrives whole.
    const broken = bytes.slice();
    for (const frame of [1000, 17]) broken[bf.header.Data_offset_2 + frame * (6 + 256)] = 0;
    const brokenPath = join(dir, 'broken.blo');
    writeFileSync(brokenPath, broken);
    const lenient = await openBlockfile(brokenPath);
    const sums = (await analyze(lenient, { frameSums: true }, { pool, blockFrames: 10 })).frameSums!;
    expect(sums).toEqual((await analyze(bf, { frameSums: true }, { pool })).frameSums);
    expect(lenient.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/2 frame records read so far have a wrong AA 55 marker or frame index \(frames 17, 1000\)/)]);
    await lenient.close();
    const bad = await openBlockfile(brokenPath, { strict: true });
    await expect(analyze(bad, { frameSums: true }, { pool, blockFrames: 10 })).rejects.toMatchObject({ code: 'BAD_FRAME', file: brokenPath });
    expect((await analyze(bf, { frameSums: true }, { pool })).frameSums!.length).toBe(1600);
    await bf.close();
    await bad.close();
  });
});

describe('byteTotal', () => {
  it('sums any run of bytes four at a time as byte by byte, whatever the alignment (all 255 too)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 9 }), fc.boolean(), (offset, length, base, full) => {
        const buffer = new ArrayBuffer(offset + base + length + 8);
        const data = new Uint8Array(buffer, offset, base + length);
        for (let i = 0; i < data.length; i++) data[i] = full ? 255 : (i * 2654435761) >>> 24;
        let want = 0;
        for (let i = base; i < base + length; i++) want += data[i];
        expect(byteTotal(data, new Uint32Array(buffer, 0, Math.floor(buffer.byteLength / 4)), base, length)).toBe(want);
      }),
      { numRuns: 500 },
    );
  });
});
