/**
 * `--part I/N -o results.zarr`: independent tasks, in any order and at the
 * same time, fill one Zarr store; `blo convert` turns it into what one
 * process writes, bit for bit, and names the parts an incomplete store lacks.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import { analyze } from '../src/analysis/engine.js';
import { runPartTask } from '../src/cli/commands/parts.js';
import { openBlockfile } from '../src/node/open.js';
import { analyzePart } from '../src/node/part-analysis.js';
import { partChunkFiles, partRows, readPartStore } from '../src/node/part-store.js';
import { blo, oneLineError, tempDir, type CliResult } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { pythonModule, PYTHON } from './helpers/python.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const file = join(dir, 'scan.blo');
const other = join(dir, 'other.blo');
beforeAll(() => {
  for (const [path, seed] of [[file, '1'], [other, '2']]) {
    const made = blo('demo', path, '--scan', '11x7', '--size', '32', '--bits', '16', '--seed', seed);
    if (made.status !== 0) throw new Error(made.stderr);
  }
});

/** `blo ARGS` without waiting, so that several run at once. */
function bloAsync(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'blo.js'), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function ok(result: CliResult): CliResult {
  expect(result.status, result.stderr).toBe(0);
  return result;
}

const DETECTORS = ['--disk', '15.5,15.5,3', '--annulus', '15.5,15.5,4,12', '--rect', '0,0,8,32'];

describe('blo virtual --part', () => {
  it('four tasks at once equal one process bit for bit, and Dask and zarr-python open the store', async () => {
    const single = join(dir, 'single.npy');
    ok(blo('virtual', file, ...DETECTORS, '-o', single));
    const store = join(dir, 'virtual.zarr');
    const tasks = await Promise.all([3, 1, 0, 2].map((i) => bloAsync('virtual', file, ...DETECTORS, '-o', store, '--part', `${i}/4`, '--workers', i % 2 ? '2' : '1')));
    for (const t of tasks) ok(t);
    expect(tasks[0].stdout).toMatch(new RegExp(`^${store.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}: part 3 of 4 written \\(scan rows 9–10\\); (\\d of 4 done|all 4 done: blo convert .* OUT\\.npy)\\n$`));
    expect(tasks.filter((t) => t.stdout.includes('all 4 done')).length).toBeGreaterThanOrEqual(1);
    const out = join(dir, 'parts.npy');
    ok(blo('convert', store, out));
    expect(readFileSync(out).equals(readFileSync(single))).toBe(true);
    // .tiff and .png go through the same writer as the single-process command.
    for (const ext of ['tiff', 'png']) {
      ok(blo('virtual', file, ...DETECTORS, '-o', join(dir, `single.${ext}`)));
      ok(blo('convert', store, join(dir, `parts.${ext}`)));
    }
    expect(readFileSync(join(dir, 'parts.tiff')).equals(readFileSync(join(dir, 'single.tiff')))).toBe(true);
    for (const n of [1, 2, 3]) expect(readFileSync(join(dir, `parts-${n}.png`)).equals(readFileSync(join(dir, `single-${n}.png`)))).toBe(true);

    const zarr = pythonModule('zarr');
    const dask = pythonModule('dask.array');
    if (!zarr.ok || !dask.ok) {
      console.log(`skipping the zarr-python and Dask check: ${zarr.why || dask.why}`);
      return;
    }
    const script = [
      'import sys, zarr, numpy as np, dask.array as da',
      'g = zarr.open_group(sys.argv[1], mode="r")',
      'spec = g.attrs["blockfile_parts"]',
      'stack = np.stack([da.from_zarr(sys.argv[1], component="images/" + n).compute() for n in spec["images"]])',
      'print(spec["parts"], g["done"][:].tolist(), g["images/1"].chunks, np.array_equal(stack, np.load(sys.argv[2])))',
    ].join('\n');
    const py = spawnSync(PYTHON, ['-c', script, store, single], { encoding: 'utf8', timeout: 120_000 });
    expect(py.stderr).toBe('');
    expect(py.stdout.trim()).toBe('4 [1, 1, 1, 1] (3, 7) True');
  });

  it('a rerun writes the same bytes; a task whose chunks are gone is named, and rerun alone completes the store', () => {
    const store = join(dir, 'rerun.zarr');
    for (let i = 0; i < 3; i++) ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', `${i}/3`));
    const spec = JSON.parse(readFileSync(join(store, '.zattrs'), 'utf8')).blockfile_parts;
    const files = (part: number) => partChunkFiles(store, spec, part);
    return (async () => {
      const before = await Promise.all((await files(1)).map(async (f) => [f, readFileSync(f)] as const));
      expect(before.length).toBe(2); // its image chunk and its done flag
      ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', '1/3'));
      for (const [f, bytes] of before) expect(readFileSync(f).equals(bytes)).toBe(true);

      const whole = join(dir, 'rerun-before.npy');
      ok(blo('convert', store, whole));
      for (const f of await files(1)) rmSync(f);
      const out = join(dir, 'incomplete.npy');
      const refused = blo('convert', store, out);
      expect(refused.status).toBe(1);
      expect(oneLineError(refused)).toBe(`blo: ${store}: incomplete: part 1 of 3 is missing; run blo virtual again with --part 1/3`);
      expect(existsSync(out)).toBe(false);
      // Only the image chunk gone (the flag still there): still incomplete.
      ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', '1/3'));
      rmSync(join(store, 'images', '1', '2', '0'));
      expect(oneLineError(blo('convert', store, out))).toContain('part 2 of 3 is missing');
      ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', '2/3'));
      ok(blo('convert', store, out));
      expect(readFileSync(out).equals(readFileSync(whole))).toBe(true);
    })();
  });

  it('what no task has written reads as NaN (never a plausible zero) in any Zarr reader', async () => {
    const store = join(dir, 'partial.zarr');
    ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', '1/3'));
    const root = zarr.root(new FileSystemStore(store));
    const image = (await zarr.get(await zarr.open.v2(root.resolve('images/1'), { kind: 'array' }))).data as Float64Array;
    const done = (await zarr.get(await zarr.open.v2(root.resolve('done'), { kind: 'array' }))).data as Uint8Array;
    expect(Array.from(done)).toEqual([0, 1, 0]);
    for (let row = 0; row < 11; row++) {
      const values = Array.from(image.subarray(row * 7, (row + 1) * 7));
      if (row >= 4 && row < 8) expect(values.every(Number.isFinite), `row ${row}`).toBe(true);
      else expect(values.every(Number.isNaN), `row ${row}`).toBe(true);
    }
  });

  it('parts follow the chunks: whole rows, ⌈NY/N⌉ per task, none left over or read twice', () => {
    expect([0, 1, 2, 3].map((i) => partRows(11, 4, i))).toEqual([
      { first: 0, end: 3, chunkRows: 3 },
      { first: 3, end: 6, chunkRows: 3 },
      { first: 6, end: 9, chunkRows: 3 },
      { first: 9, end: 11, chunkRows: 3 },
    ]);
    // More tasks than chunks: the last ones have no rows and only say so (done).
    expect(partRows(11, 8, 6)).toEqual({ first: 11, end: 11, chunkRows: 2 });
    expect(partRows(11, 6, 5)).toEqual({ first: 10, end: 11, chunkRows: 2 });
  });

  it('more tasks than rows: the empty tasks complete the store too', async () => {
    const store = join(dir, 'many.zarr');
    const single = join(dir, 'many-single.npy');
    ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', single));
    for (let i = 0; i < 12; i++) ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', `${i}/12`, '--workers', '1'));
    const out = join(dir, 'many.npy');
    ok(blo('convert', store, out));
    expect(readFileSync(out).equals(readFileSync(single))).toBe(true);
    expect((await readPartStore(store)).spec.chunk_rows).toBe(1);
  });

  it('reads only its own frames, also from an http(s) URL with Range requests', async () => {
    const bytes = readFileSync(file);
    const ranges: [number, number][] = [];
    const server = createServer((req, res) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!m) return void res.writeHead(416).end();
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), bytes.length - 1);
      ranges.push([start, end + 1]);
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': end - start + 1 }).end(bytes.subarray(start, end + 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scan.blo`;
      const store = join(dir, 'url.zarr');
      const frameBytes = 32 * 32 * 2 + 6;
      const dataStart = bytes.length - 77 * frameBytes; // the frames are the file's end
      for (let i = 0; i < 4; i++) {
        ranges.length = 0;
        ok(await bloAsync('virtual', url, '--disk', '15.5,15.5,3', '-o', store, '--part', `${i}/4`, '--workers', '1'));
        const frames = ranges.filter(([a]) => a >= dataStart);
        const rows = partRows(11, 4, i);
        const lo = Math.min(...frames.map(([a]) => a));
        const hi = Math.max(...frames.map(([, b]) => b));
        expect(lo).toBe(dataStart + rows.first * 7 * frameBytes);
        expect(hi).toBe(dataStart + rows.end * 7 * frameBytes);
      }
      // The store made from the URL is the one the path makes: the same input (size and header).
      ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', '2/4'));
      const single = join(dir, 'url-single.npy');
      ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', single));
      ok(blo('convert', store, join(dir, 'url.npy')));
      expect(readFileSync(join(dir, 'url.npy')).equals(readFileSync(single))).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('pattern statistics and centre of mass in parts', () => {
  for (const statistic of ['sum', 'mean', 'max', 'std']) {
    it(`blo ${statistic}: per-part partial patterns, reduced by blo convert, equal one process`, () => {
      const region = ['--region', '1,2,6,9'];
      const single = join(dir, `${statistic}-single.npy`);
      ok(blo(statistic, file, ...region, '-o', single));
      const store = join(dir, `${statistic}.zarr`);
      // In reverse order; part 0 holds no position of the region (rows 0–1 only... and 2 of it).
      for (const i of [4, 3, 2, 1, 0]) ok(blo(statistic, file, ...region, '-o', store, '--part', `${i}/5`, '--workers', i === 2 ? '2' : '1'));
      const out = join(dir, `${statistic}-parts.npy`);
      ok(blo('convert', store, out));
      expect(readFileSync(out).equals(readFileSync(single))).toBe(true);
    });
  }

  it('blo com: both maps equal one process; a plain -o store is one part', () => {
    const single = join(dir, 'com-single.npy');
    ok(blo('com', file, '--disk', '15.5,15.5,10', '--threshold', '5', '-o', single));
    const store = join(dir, 'com.zarr');
    for (const i of [1, 0]) ok(blo('com', file, '--disk', '15.5,15.5,10', '--threshold', '5', '-o', store, '--part', `${i}/2`));
    ok(blo('convert', store, join(dir, 'com-parts.npy')));
    expect(readFileSync(join(dir, 'com-parts.npy')).equals(readFileSync(single))).toBe(true);
    const one = join(dir, 'com-one.zarr');
    ok(blo('com', file, '--disk', '15.5,15.5,10', '--threshold', '5', '-o', one));
    ok(blo('convert', one, join(dir, 'com-one.npy')));
    expect(readFileSync(join(dir, 'com-one.npy')).equals(readFileSync(single))).toBe(true);
  });
});

describe('any per-position analysis as parts (runPartTask)', () => {
  it('the total intensity of each frame, in three tasks in any order, equals one pass', async () => {
    const store = join(dir, 'totals.zarr');
    const bf = await openBlockfile(file);
    try {
      const job = { command: 'frame-sums', request: { frameSums: true }, images: ['total'], statistics: [] };
      const lines: string[] = [];
      for (const part of [2, 0, 1]) {
        await runPartTask(bf, job, [part, 3], store, { input: file, print: (l) => lines.push(l) }, async (rows) => {
          const partial = await analyzePart(bf, { frameSums: true }, part, 3);
          expect([partial.start, partial.end]).toEqual([rows.first * 7, rows.end * 7]);
          return { images: [partial.frameSums!] };
        });
      }
      expect(lines[2]).toBe(`${store}: part 1 of 3 written (scan rows 4–7); all 3 done: blo convert ${store} OUT.npy`);
      const { images } = await readPartStore(store);
      expect(images[0]).toEqual((await analyze(bf, { frameSums: true })).frameSums);
    } finally {
      await bf.close();
    }
  });
});

describe('the store is checked, never mixed up', () => {
  it('another input, request or number of parts is refused; --overwrite replaces only a store', () => {
    const store = join(dir, 'checked.zarr');
    ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', '0/2'));
    const input = oneLineError(blo('virtual', other, '--disk', '15.5,15.5,3', '-o', store, '--part', '1/2'));
    expect(input).toMatch(/^blo: .*checked\.zarr: holds the results of another input \(.*scan\.blo, \d+ bytes, head SHA-256 /);
    expect(oneLineError(blo('virtual', file, '--disk', '15.5,15.5,4', '-o', store, '--part', '1/2'))).toContain('holds the results of another request');
    expect(oneLineError(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', '1/3'))).toContain('holds the results of 2 parts, not 3');
    expect(oneLineError(blo('sum', file, '-o', store, '--part', '1/2'))).toContain('holds the results of blo virtual, not blo sum');
    // With --overwrite, the first task replaces it; the others find the new one.
    ok(blo('virtual', file, '--disk', '15.5,15.5,4', '-o', store, '--part', '1/2', '--overwrite'));
    ok(blo('virtual', file, '--disk', '15.5,15.5,4', '-o', store, '--part', '0/2', '--overwrite'));
    const spec = JSON.parse(readFileSync(join(store, '.zattrs'), 'utf8')).blockfile_parts;
    expect(spec.request.virtual[0].r).toBe(4);
    expect(readdirSync(dir).filter((n) => n.includes('blo-part'))).toEqual([]); // no temporaries or lock left

    const folder = join(dir, 'not-a-store.zarr');
    mkdirSync(folder);
    writeFileSync(join(folder, 'keep.txt'), 'mine');
    const refused = blo('virtual', file, '--disk', '15.5,15.5,3', '-o', folder, '--part', '0/2', '--overwrite');
    expect(refused.status).toBe(1);
    expect(oneLineError(refused)).toContain('not a Zarr store');
    expect(readFileSync(join(folder, 'keep.txt'), 'utf8')).toBe('mine');
    const plain = join(dir, 'plain.zarr');
    ok(blo('convert', file, plain));
    expect(oneLineError(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', plain, '--part', '0/2'))).toContain('is not a results store');
    expect(statSync(join(plain, '.zarray')).isFile()).toBe(true);
  });

  it('tasks replacing an old store with --overwrite at the same time replace it once, and agree', async () => {
    const store = join(dir, 'replaced.zarr');
    for (let i = 0; i < 2; i++) ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--part', `${i}/2`));
    const tasks = await Promise.all([0, 1, 2].map((i) => bloAsync('virtual', file, '--rect', '0,0,16,16', '-o', store, '--part', `${i}/3`, '--overwrite', '--workers', '1')));
    for (const t of tasks) ok(t);
    const single = join(dir, 'replaced-single.npy');
    ok(blo('virtual', file, '--rect', '0,0,16,16', '-o', single));
    ok(blo('convert', store, join(dir, 'replaced.npy')));
    expect(readFileSync(join(dir, 'replaced.npy')).equals(readFileSync(single))).toBe(true);
    expect(readdirSync(dir).filter((n) => n.includes('blo-part'))).toEqual([]);
  });

  it('usage errors exit 2 in one line', () => {
    const cases: [string[], string][] = [
      [['--part', '4/4', '-o', 'x.zarr'], '--part 4/4: the task must be 0 to 3'],
      [['--part', '1', '-o', 'x.zarr'], '--part must be I/N'],
      [['--part', '0/2', '-o', 'x.npy'], 'give -o RESULTS.zarr'],
      [['--submit', '-o', 'x.zarr'], 'give --slurm N'],
      [['--slurm', '2', '--part', '0/2', '-o', 'x.zarr'], 'not both'],
      [['--slurm', '0', '-o', 'x.zarr'], '--slurm'],
      [['--part', '0/2', '-o', 'x.zarr', '--cmap', 'inferno'], 'give them to blo convert'],
    ];
    for (const [args, message] of cases) {
      const result = blo('virtual', file, '--disk', '15.5,15.5,3', ...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(oneLineError(result)).toContain(message);
    }
    const store = join(dir, 'usage.zarr');
    ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store));
    const convert = blo('convert', store, join(dir, 'x.blo'));
    expect(convert.status).toBe(2);
    expect(oneLineError(convert)).toContain('write .npy, .tiff or .png');
  });
});

describe('blo … --slurm N', () => {
  it('writes the array job script; its command, run for every task index, fills the store', () => {
    const store = join(dir, 'slurm.zarr');
    const written = ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--slurm', '3', '--workers', '2'));
    const script = join(dir, 'slurm.sbatch');
    expect(written.stdout).toContain(`wrote ${script}`);
    const text = readFileSync(script, 'utf8');
    expect(text).toMatch(/^#!\/bin\/bash\n/);
    expect(text).toContain('#SBATCH --array=0-2\n');
    expect(text).toContain('#SBATCH --cpus-per-task=2\n');
    expect(text).toContain('--part "${SLURM_ARRAY_TASK_ID}/3"');
    expect(text).not.toContain('--slurm');
    expect(existsSync(store)).toBe(false); // nothing computed yet
    // What each array task runs, without Slurm: the script with its task id.
    for (const id of ['2', '0', '1']) {
      const run = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: id } });
      expect(run.status, run.stderr).toBe(0);
    }
    const single = join(dir, 'slurm-single.npy');
    ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', single));
    ok(blo('convert', store, join(dir, 'slurm.npy')));
    expect(readFileSync(join(dir, 'slurm.npy')).equals(readFileSync(single))).toBe(true);
    // An existing script is kept unless --overwrite.
    expect(oneLineError(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--slurm', '3'))).toContain('exists');
    ok(blo('virtual', file, '--disk', '15.5,15.5,3', '-o', store, '--slurm', '4', '--overwrite'));
    expect(readFileSync(script, 'utf8')).toContain('#SBATCH --array=0-3\n');
  });
});

describe('blo index --part', () => {
  const cu = join(REPO_ROOT, 'examples', 'Cu.cif');
  const sped = join(dir, 'sped.blo');
  const index = (...args: string[]) => ['index', sped, '--phase', cu, '--pixel-size', '0.025', ...args];
  beforeAll(() => ok(blo('demo', sped, '--phase', cu, '--scan', '7x9', '--size', '64', '--pixel-size', '0.025', '--grains', '4')));

  it('three tasks at once, over a region, equal one process: .ctf, .ang, .npy and the PNGs bit for bit', async () => {
    const region = ['--region', '1,1,8,6'];
    const single = ['ctf', 'ang', 'npy', 'png'].flatMap((ext) => ['-o', join(dir, `map-single.${ext}`)]);
    ok(blo(...index(...region, ...single)));
    const store = join(dir, 'map.zarr');
    const tasks = await Promise.all([2, 0, 1].map((i) => bloAsync(...index(...region, '-o', store, '--part', `${i}/3`, '--workers', i === 1 ? '2' : '1'))));
    for (const t of tasks) ok(t);
    expect(tasks.some((t) => /all 3 done: blo convert .*map\.zarr OUT\.ctf\n$/.test(t.stdout))).toBe(true);
    for (const ext of ['ctf', 'ang', 'npy', 'png']) ok(blo('convert', store, join(dir, `map-parts.${ext}`)));
    for (const name of ['map-%.ctf', 'map-%.ang', 'map-%.npy', 'map-%.png', 'map-%-phase.png', 'map-%-reliability.png']) {
      const [a, b] = ['single', 'parts'].map((k) => readFileSync(join(dir, name.replace('%', k))));
      expect(a.equals(b), name).toBe(true);
    }
    // The phases travel with the store: the .ctf's phase table names copper.
    expect(readFileSync(join(dir, 'map-parts.ctf'), 'utf8')).toMatch(/3\.6150;3\.6150;3\.6150\t90\.000;90\.000;90\.000\tCopper/);
  });

  it('an incomplete store names the missing tasks; another request says what differs, shortly', () => {
    const store = join(dir, 'map-incomplete.zarr');
    ok(blo(...index('-o', store, '--part', '1/2', '--workers', '1')));
    const missing = blo('convert', store, join(dir, 'never.ctf'));
    expect(missing.status).toBe(1);
    expect(oneLineError(missing)).toContain('part 0 of 2 is missing; run blo index again with --part 0/2');
    expect(existsSync(join(dir, 'never.ctf'))).toBe(false);
    const other = oneLineError(blo(...index('--resolution', '2', '-o', store, '--part', '0/2')));
    expect(other).toMatch(/holds the results of another request \(options: resolution: none → 2\); give another output or use --overwrite/);
    expect(other.length).toBeLessThan(400);
  });

  it('usage errors exit 2 in one line', () => {
    const cases: [string[], string][] = [
      [['-o', join(dir, 'u.zarr'), '-o', join(dir, 'u.ctf')], 'give -o RESULTS.zarr alone'],
      [['-o', join(dir, 'u.ctf'), '--part', '0/2'], 'give -o RESULTS.zarr alone'],
      [['-o', join(dir, 'u.zarr'), '--part', '0/2', '--ipf', 'x'], 'give it to blo convert'],
      [['-o', join(dir, 'u.zarr'), '--part', '2/2'], '--part 2/2: the task must be 0 to 1'],
    ];
    for (const [args, message] of cases) {
      const result = blo(...index(...args));
      expect(result.status, args.join(' ')).toBe(2);
      expect(oneLineError(result)).toContain(message);
    }
    const store = join(dir, 'map-usage.zarr');
    ok(blo(...index('--region', '0,0,2,2', '-o', store)));
    const convert = blo('convert', store, join(dir, 'map.tiff'));
    expect(convert.status).toBe(2);
    expect(oneLineError(convert)).toContain('write .ctf, .ang, .npy or .png');
  });

  it('--slurm writes the array job; its tasks fill the store', () => {
    const store = join(dir, 'map-slurm.zarr');
    const written = ok(blo(...index('--region', '0,0,9,4', '-o', store, '--slurm', '2', '--workers', '1')));
    expect(written.stdout).toContain('then blo convert');
    expect(written.stdout).toContain('OUT.ctf');
    const script = join(dir, 'map-slurm.sbatch');
    for (const id of ['1', '0']) {
      const run = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: id } });
      expect(run.status, run.stderr).toBe(0);
    }
    ok(blo(...index('--region', '0,0,9,4', '-o', join(dir, 'map-slurm-single.ang'))));
    ok(blo('convert', store, join(dir, 'map-slurm.ang')));
    expect(readFileSync(join(dir, 'map-slurm.ang')).equals(readFileSync(join(dir, 'map-slurm-single.ang')))).toBe(true);
  });
});
