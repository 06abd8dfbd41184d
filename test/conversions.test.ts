/**
 * Conversions to and from the formats of the Python ecosystem: round trips
 * through every format, HyperSpy 1.7.3 loading our .hspy and .zspy (eager
 * and lazy), HyperSpy's own files coming back to .blo, tifffile reading our
 * stacks, and Dask on a LocalCluster of worker processes reading our Zarr.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBlockfile } from '../src/node/open.js';
import { decodeNpy, encodeNpyHeader } from '../src/npy/npy.js';
import { blo, bloPeakMemory, oneLineError, tempDir } from './helpers/cli.js';
import { fixturePath, HAVE_FIXTURES, REPO_ROOT, sha256 } from './helpers/fixtures.js';
import { pythonModule, runPython } from './helpers/python.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const FORMATS = ['hspy', 'zspy', 'zarr', 'tiff'] as const;
const inputs: Record<string, string> = {};

function run(...args: string[]): void {
  const result = blo(...args);
  if (result.status !== 0) throw new Error(`blo ${args.join(' ')}: ${result.stderr}`);
}

beforeAll(() => {
  inputs.u8 = join(dir, 'u8.blo');
  run('demo', inputs.u8, '--scan', '9x7', '--size', '24', '--seed', '4');
  inputs.u16 = join(dir, 'u16.blo');
  run('demo', inputs.u16, '--scan', '5x6', '--size', '16', '--bits', '16', '--seed', '5');
  // A line scan: HyperSpy's squeezed shape [x, dy, dx].
  inputs.line = join(dir, 'line.blo');
  run('convert', inputs.u8, join(dir, 'u8.npy'));
  const { data } = decodeNpy(readFileSync(join(dir, 'u8.npy')));
  const line = (data as Uint8Array).subarray(0, 7 * 24 * 24);
  writeFileSync(join(dir, 'line.npy'), Buffer.concat([encodeNpyHeader('uint8', [7, 24, 24]), line]));
  run('convert', join(dir, 'line.npy'), inputs.line, '--scan-step', '3', '--calibration', '0.01');
  if (HAVE_FIXTURES) inputs.astar = fixturePath('astar-test1.blo');
});

async function same(a: string, b: string): Promise<void> {
  const x = await loadBlockfile(a);
  const y = await loadBlockfile(b);
  expect(x.shape).toEqual(y.shape);
  expect(x.dtype).toBe(y.dtype);
  expect(sha256(x.data)).toBe(sha256(y.data));
  expect(x.axes).toEqual(y.axes);
  const { Data_offset_2: _a, ...hx } = x.original_metadata.blockfile_header;
  const { Data_offset_2: _b, ...hy } = y.original_metadata.blockfile_header;
  expect(hx).toEqual(hy);
  expect({ ...x.metadata.General, original_filename: '' }).toEqual({ ...y.metadata.General, original_filename: '' });
}

describe('round trips through every format', () => {
  for (const name of ['u8', 'u16', 'line', 'astar']) {
    it.skipIf(name === 'astar' && !HAVE_FIXTURES)(`${name}: .blo → .hspy, .zspy, .zarr, .tiff, .npy → .blo keeps data, axes, header and metadata`, async () => {
      for (const format of FORMATS) {
        const out = join(dir, `${name}.${format}`);
        run('convert', inputs[name], out);
        const back = join(dir, `${name}-from-${format}.blo`);
        run('convert', out, back);
        await same(back, inputs[name]);
      }
      const npy = join(dir, `${name}-rt.npy`);
      run('convert', join(dir, `${name}.hspy`), npy);
      const original = await loadBlockfile(inputs[name]);
      expect(sha256(readFileSync(npy).subarray(decodeNpy(readFileSync(npy)).header.dataOffset))).toBe(sha256(original.data));
    }, 60_000);
  }

  it('refuses to replace outputs, and names the file and problem for bad inputs', () => {
    const out = join(dir, 'u8.zspy');
    const again = blo('convert', inputs.u8, out);
    expect(again.status).toBe(1);
    expect(oneLineError(again)).toMatch(/u8\.zspy: folder exists/);
    expect(blo('convert', inputs.u8, out, '--overwrite').status).toBe(0);
    const fake = join(dir, 'fake.hspy');
    writeFileSync(fake, 'not hdf5');
    const bad = blo('convert', fake, join(dir, 'fake.blo'));
    expect(bad.status).toBe(1);
    expect(oneLineError(bad)).toBe(`blo: ${fake}: not an HDF5 file`);
    const missing = blo('convert', join(dir, 'none.zarr'), join(dir, 'none.blo'));
    expect(oneLineError(missing)).toMatch(/none\.zarr: no such Zarr directory/);
    const text = join(dir, 'text.tiff');
    writeFileSync(text, 'hello');
    expect(oneLineError(blo('convert', text, join(dir, 't.blo')))).toMatch(/text\.tiff: not a TIFF file/);
    expect(blo('convert', inputs.u8, join(dir, 'x.hspy'), '--bits', '16').status).toBe(2);
  });

  it('PNG: the navigator, one pattern and a montage', async () => {
    const bf = await loadBlockfile(inputs.u8);
    run('convert', inputs.u8, join(dir, 'pattern.png'), '--png', 'pattern', '--frame', '2,3');
    const pattern = decode(readFileSync(join(dir, 'pattern.png')));
    expect([pattern.width, pattern.height]).toEqual([24, 24]);
    run('convert', inputs.u8, join(dir, 'montage.png'), '--png', 'montage', '--every', '2', '--cmap', 'magma');
    const montage = decode(readFileSync(join(dir, 'montage.png')));
    // 4 × 5 tiles of 24 pixels with 1-pixel gaps.
    expect([montage.width, montage.height, montage.channels]).toEqual([4 * 25 - 1, 5 * 25 - 1, 3]);
    run('convert', inputs.u8, join(dir, 'nav.png'));
    expect(decode(readFileSync(join(dir, 'nav.png'))).width).toBe(7);
    expect(bf.shape).toEqual([9, 7, 24, 24]);
    expect(blo('convert', inputs.u8, join(dir, 'x.png'), '--png', 'pattern').status).toBe(2);
  });
});

const hyperspy = pythonModule('hyperspy.api');
if (!hyperspy.ok) console.warn(`skipping HyperSpy conversion interop tests: ${hyperspy.why} (install python3-hyperspy)`);
const SCRIPT = join(REPO_ROOT, 'test/interop/hyperspy_formats.py');

describe.skipIf(!hyperspy.ok)('HyperSpy reads our .hspy and .zspy as its own', () => {
  it('eager and lazy: data, axes, header and general metadata equal HyperSpy reading the .blo', () => {
    const names = ['u8', 'line', ...(HAVE_FIXTURES ? ['astar'] : [])];
    const paths = names.flatMap((n) => [inputs[n], join(dir, `${n}.hspy`), join(dir, `${n}.zspy`)]);
    for (const n of names) for (const f of ['hspy', 'zspy']) run('convert', inputs[n], join(dir, `${n}.${f}`), '--overwrite');
    const read = JSON.parse(runPython(SCRIPT, ['read', ...paths]));
    for (const n of names) {
      const reference = read[inputs[n]].eager;
      for (const f of ['hspy', 'zspy']) {
        for (const mode of ['eager', 'lazy']) {
          const got = read[join(dir, `${n}.${f}`)][mode];
          expect(got.class, `${n}.${f} ${mode}`).toBe(mode === 'lazy' ? 'LazySignal2D' : 'Signal2D');
          expect(got.shape).toEqual(reference.shape);
          expect(got.dtype).toBe(reference.dtype);
          expect(got.data_sha256).toBe(reference.data_sha256);
          expect(got.axes).toEqual(reference.axes);
          // HyperSpy's blockfile reader gives ID as bytes; its own .hspy files give a string, as ours.
          expect(got.header).toEqual(reference.header);
          expect({ ...got.general, original_filename: '' }).toEqual({ ...reference.general, original_filename: '' });
        }
      }
    }
  }, 120_000);

  it('16-bit data too (which HyperSpy 1.7.3 cannot read from a .blo)', async () => {
    const ours = await loadBlockfile(inputs.u16);
    for (const f of ['hspy', 'zspy']) run('convert', inputs.u16, join(dir, `u16.${f}`), '--overwrite');
    const read = JSON.parse(runPython(SCRIPT, ['read', join(dir, 'u16.hspy'), join(dir, 'u16.zspy')]));
    for (const f of ['hspy', 'zspy']) {
      for (const mode of ['eager', 'lazy']) {
        const got = read[join(dir, `u16.${f}`)][mode];
        expect(got.dtype).toBe('uint16');
        expect(got.data_sha256).toBe(sha256(ours.data));
        expect(got.axes).toEqual(ours.axes);
        expect(got.header.MAGIC).toBe(0x0103);
        expect(got.header.Note).toBe(ours.original_metadata.blockfile_header.Note);
      }
    }
  }, 120_000);

  it("HyperSpy's own .hspy and .zspy files convert back to .blo equal", async () => {
    // HyperSpy 1.7.3 reads 8-bit blockfiles only.
    const names = ['u8', 'line', ...(HAVE_FIXTURES ? ['astar'] : [])];
    for (const n of names) {
      const hspy = join(dir, `${n}-hyperspy.hspy`);
      const zspy = join(dir, `${n}-hyperspy.zspy`);
      runPython(SCRIPT, ['save', inputs[n], hspy, zspy]);
      for (const file of [hspy, zspy]) {
        const back = `${file}.blo`;
        run('convert', file, back);
        await same(back, inputs[n]);
      }
    }
  }, 120_000);
});

const tifffile = pythonModule('tifffile');
describe.skipIf(!tifffile.ok)('tifffile reads our TIFF stacks', () => {
  it('one page per pattern, in scan order, the scan shape from the description', async () => {
    const out = join(dir, 'u16.tiff');
    run('convert', inputs.u16, out, '--overwrite');
    const script = 'import sys, tifffile, hashlib, numpy as np\nwith tifffile.TiffFile(sys.argv[1]) as t:\n    a = t.asarray()\n    print(len(t.pages), a.shape, a.dtype, hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest())';
    const [pages, ...rest] = runPython('-c', [script, out]).trim().split(' ');
    expect(Number(pages)).toBe(30);
    expect(rest.join(' ')).toBe(`(5, 6, 16, 16) uint16 ${sha256((await loadBlockfile(inputs.u16)).data)}`);
  });
});
if (!tifffile.ok) console.warn(`skipping the tifffile test: ${tifffile.why}`);

const dask = pythonModule('dask.array, distributed, zarr');
if (!dask.ok) console.warn(`skipping the Dask test: ${dask.why} (install python3-dask python3-distributed python3-zarr)`);
describe.skipIf(!dask.ok)('Dask reads our Zarr on a cluster', () => {
  it('a LocalCluster of worker processes sums each pattern as blo virtual does', () => {
    const zarrPath = join(dir, 'dask.zarr');
    run('convert', inputs.u8, zarrPath, '--overwrite');
    const sums = join(dir, 'sums.npy');
    run('virtual', inputs.u8, '--rect', '0,0,24,24', '-o', sums);
    const result = runPython(join(REPO_ROOT, 'test/interop/dask_sum.py'), [zarrPath, sums]);
    expect(result.trim()).toMatch(/^equal: \d+ patterns summed by 2 worker processes$/);
  }, 120_000);
});

describe('memory while converting', () => {
  it('a 256 MB scan to .zspy and .hspy stays within a few chunks', () => {
    const big = join(dir, 'big.blo');
    run('demo', big, '--scan', '128x128', '--size', '128');
    for (const format of ['zspy', 'hspy']) {
      const out = join(dir, `big.${format}`);
      const mb = bloPeakMemory('convert', big, out).peakMb;
      // Chunks are 16 MiB, a few in flight; h5wasm keeps its own heap of about a chunk.
      expect(mb, format).toBeLessThan(250);
    }
    expect(statSync(join(dir, 'big.hspy')).size).toBeGreaterThan(1 << 20);
  }, 120_000);
});

describe.skipIf(!tifffile.ok)('tifffile reads BigTIFF stacks', () => {
  it('the same pages as classic TIFF', async () => {
    const { encodeTiff } = await import('../src/tiff/tiff.js');
    const pages = [0, 1].map((p) => ({ data: Float32Array.from({ length: 6 }, (_, i) => p + i / 8), rows: 2, cols: 3 }));
    const path = join(dir, 'big.tiff');
    writeFileSync(path, encodeTiff(pages, undefined, 'big'));
    const script = 'import sys, tifffile\nwith tifffile.TiffFile(sys.argv[1]) as t:\n    print(t.is_bigtiff, t.asarray().ravel().tolist())';
    const [bigtiff, ...values] = runPython('-c', [script, path]).trim().split(' ');
    expect(bigtiff).toBe('True');
    expect(JSON.parse(values.join(' '))).toEqual([...pages[0].data, ...pages[1].data]);
  });
});
