/**
 * The browser-safe core in real Chromium and Firefox: a blockfile opened from a Blob and
 * over HTTP, analysed in the page and in Web Workers, with results
 * bit-identical to each other and to Node's.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyze } from '../src/analysis/engine.js';
import type { AnalysisRequest } from '../src/analysis/request.js';
import { Blockfile } from '../src/reader/blockfile.js';
import { MemorySource } from '../src/sources/memory.js';
import { buildBlockfile } from './helpers/build.js';
import { serveForBrowser } from './helpers/browser.js';
import { describeInBrowsers, launchBrowser, type TestBrowser } from './helpers/browsers.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const request: AnalysisRequest = {
  virtual: [
    { kind: 'disk', cx: 7.5, cy: 7.5, r: 4 },
    { kind: 'mask', weights: Array.from({ length: 256 }, (_, i) => (i % 7) / 3) },
  ],
  frameSums: true,
  patterns: { sum: true, max: true, std: true },
  centerOfMass: true,
};

const PAGE_CODE = `async (request) => {
  const m = await import('/dist/index.js');
  const blob = await (await fetch('/scan.blo')).blob();
  const flat = (r) => JSON.stringify({
    ...r,
    virtual: r.virtual.map((v) => Array.from(v)),
    centerOfMass: [Array.from(r.centerOfMass.x), Array.from(r.centerOfMass.y)],
    sum: Array.from(r.sum), max: Array.from(r.max), std: Array.from(r.std), frameSums: Array.from(r.frameSums),
  });
  const fromBlob = await m.openBlockfile(blob);
  const single = await m.analyze(fromBlob, request);
  const pool = m.createWebWorkerPool(() => new Worker('/dist/browser/analysis-worker.js', { type: 'module' }), 3);
  const inWorkers = await m.analyze(fromBlob, request, { pool, blockFrames: 13 });
  const overHttp = await m.analyze(await m.openBlockfile(location.origin + '/scan.blo'), request, { pool, blockFrames: 29 });
  const started = pool.started;
  await pool.close();
  return { single: flat(single), inWorkers: flat(inWorkers), overHttp: flat(overHttp), started };
}`;

describeInBrowsers('analysis', (entry) => {
  let browser: TestBrowser;
  let server: Awaited<ReturnType<typeof serveForBrowser>>;
  let bytes: Uint8Array;

  beforeAll(async () => {
    bytes = (await buildBlockfile({ nx: 21, ny: 17, dpSize: 16, bits: 16 })).bytes;
    server = await serveForBrowser(REPO_ROOT, { '/scan.blo': bytes });
    browser = await launchBrowser(entry);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('Blob and HTTP sources, in the page and in Web Workers, equal Node', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${server.origin}/`);
    // Page code as text, so that the test runner's transforms do not touch its dynamic import.
    const results = (await page.evaluateExpression(`(${PAGE_CODE})(${JSON.stringify(request)})`)) as { single: string; inWorkers: string; overHttp: string; started: number };
    expect(page.pageErrors).toEqual([]);
    expect(results.started).toBe(3);
    expect(results.inWorkers).toBe(results.single);
    expect(results.overHttp).toBe(results.single);
    const node = await analyze(await Blockfile.open(new MemorySource(bytes)), request);
    const parsed = JSON.parse(results.single);
    expect(parsed.virtual[0]).toEqual(Array.from(node.virtual[0]));
    expect(parsed.virtual[1]).toEqual(Array.from(node.virtual[1]));
    expect(parsed.std).toEqual(Array.from(node.std!));
    expect(parsed.centerOfMass[0]).toEqual(Array.from(node.centerOfMass!.x));
    await page.close();
  }, 60_000);
});
