/**
 * The benchmark compares like with like: on a small file, each task of
 * bench/ours.mjs gives the same check value as bench/reference.py. (Speed
 * itself is measured by `npm run bench`, never asserted here.)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blo, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { PYTHON, pythonModule } from './helpers/python.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const file = join(dir, 'bench.blo');
beforeAll(() => {
  expect(blo('demo', file, '--scan', '12x10', '--size', '32').status).toBe(0);
});

function ours(task: string, ...args: string[]): { check: number; seconds: number; rss_mb: number } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bench', 'ours.mjs'), task, file, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

function reference(tool: string, task: string, ...args: string[]): { check: number } {
  const r = spawnSync(PYTHON, [join(REPO_ROOT, 'bench', 'reference.py'), tool, task, file, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const numpy = pythonModule('numpy');
const hyperspy = pythonModule('hyperspy.api');
if (!numpy.ok) console.warn(`skipping the benchmark task checks: ${numpy.why}`);

describe.skipIf(!numpy.ok)('benchmark tasks do the same work on both sides', () => {
  it('load and virtual image: ours equals numpy on the raw bytes', () => {
    expect(ours('load').check).toBe(reference('numpy', 'load').check);
    expect(ours('virtual').check).toBe(reference('numpy', 'virtual').check);
  });

  it.skipIf(!hyperspy.ok)('random frames, first pattern, virtual image: ours equals HyperSpy', () => {
    expect(ours('random-frames', '50').check).toBe(reference('hyperspy', 'random-frames', '50').check);
    expect(ours('first-pattern').check).toBe(reference('hyperspy', 'first-pattern').check);
    expect(ours('virtual').check).toBe(reference('hyperspy', 'virtual').check);
  }, 60_000);

  it('reports time and peak memory as numbers', () => {
    const r = ours('to-npy');
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.rss_mb).toBeGreaterThan(10);
  });
});
