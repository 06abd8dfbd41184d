/**
 * Orientation indexing in real Chromium: a simulated copper scan from a Blob
 * and over HTTP, in the page and on a pool of Web Workers (the analysis
 * workers serve "index" jobs), with maps equal to each other and to Node's,
 * to the bit (src/crystal/exact-math.ts: no Math.sin etc. on the way).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifPhase } from '../src/crystal/phase.js';
import { indexOrientations } from '../src/indexing/engine.js';
import { openBlockfile } from '../src/node/open.js';
import { writeSpedDemoFile } from '../src/node/sped-demo-file.js';
import { CHROMIUM, CHROMIUM_ARGS, serveForBrowser } from './helpers/browser.js';
import { tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

if (!CHROMIUM) console.warn('skipping the browser indexing test: no chromium found (apt-get install chromium, or set CHROMIUM_PATH)');

const OPTIONS = { pixelSize: 0.04, resolution: 3 };

const PAGE_CODE = `async (options) => {
  const m = await import('/dist/index.js');
  const cu = m.readCifPhase(await (await fetch('/examples/Cu.cif')).text(), 'Cu.cif');
  const blob = await (await fetch('/scan.blo')).blob();
  const flat = (r) => JSON.stringify([r.phase, r.euler, r.quaternion, r.correlation, r.reliability, r.phaseReliability, r.spots, r.center, r.solutions.quaternion].map((a) => Array.from(a)));
  const fromBlob = await m.openBlockfile(blob);
  const single = await m.indexOrientations(fromBlob, [cu], options);
  const pool = m.createWebWorkerPool(() => new Worker('/dist/browser/analysis-worker.js', { type: 'module' }), 2);
  let progress = 0;
  const inWorkers = await m.indexOrientations(fromBlob, [cu], options, { pool, blockFrames: 3, onProgress: (p) => (progress = p.frames) });
  const overHttp = await m.indexOrientations(await m.openBlockfile(location.origin + '/scan.blo'), [cu], options, { pool });
  const started = pool.started;
  await pool.close();
  return { single: flat(single), inWorkers: flat(inWorkers), overHttp: flat(overHttp), started, progress };
}`;

describe.skipIf(!CHROMIUM)('orientation indexing in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveForBrowser>>;
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'scan.blo');

  beforeAll(async () => {
    const cu = readCifPhase(readFileSync(join(REPO_ROOT, 'examples', 'Cu.cif'), 'utf8'), 'Cu.cif');
    await writeSpedDemoFile(path, { phases: [cu], nx: 6, ny: 4, dpSize: 96, bits: 8, seed: 2, grains: 3, pixelSize: 0.04 });
    server = await serveForBrowser(REPO_ROOT, { '/scan.blo': readFileSync(path) });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    cleanup();
  });

  it('Blob and HTTP sources, in the page and on Web Workers, give the same maps, and those Node gives', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.origin}/`);
    const results = (await page.evaluate(`(${PAGE_CODE})(${JSON.stringify(OPTIONS)})`)) as { single: string; inWorkers: string; overHttp: string; started: number; progress: number };
    expect(errors).toEqual([]);
    expect(results.started).toBe(2);
    // Every frame, twice: the second pass tries the neighbours' solutions.
    expect(results.progress).toBe(2 * 24);
    expect(results.inWorkers).toBe(results.single);
    expect(results.overHttp).toBe(results.single);
    const cu = readCifPhase(readFileSync(join(REPO_ROOT, 'examples', 'Cu.cif'), 'utf8'), 'Cu.cif');
    const bf = await openBlockfile(path);
    const node = await indexOrientations(bf, [cu], OPTIONS);
    await bf.close();
    // Every array to the bit (JSON's shortest round-trip form of a double is exact).
    const flat = [node.phase, node.euler, node.quaternion, node.correlation, node.reliability, node.phaseReliability, node.spots, node.center, node.solutions.quaternion].map((a) => Array.from(a));
    expect(JSON.parse(results.single)).toEqual(flat);
    expect(node.phase.every((p) => p === 1)).toBe(true);
    await page.close();
  }, 120_000);
});
