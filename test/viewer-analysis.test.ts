/**
 * How the viewer gets analysis results fast: `blo view` runs passes next to
 * the file and streams results (wire records); Web Workers read a File
 * through reused buffers and keep what they read for later passes; a
 * cancelled task stops without losing its worker. Everything bit-identical
 * to the single-threaded pass.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, coarseToFine, type AnalysisPool } from '../src/analysis/engine.js';
import { remoteAnalyze } from '../src/analysis/remote.js';
import type { AnalysisRequest, AnalysisResult, PartialResult } from '../src/analysis/request.js';
import { encodeWireMessage, WireDecoder, type WireMessage } from '../src/analysis/wire.js';
import { renderRgba } from '../src/display/render.js';
import { openBlockfile } from '../src/node/open.js';
import { Blockfile } from '../src/reader/blockfile.js';
import { BlobSource } from '../src/sources/blob.js';
import { MemorySource } from '../src/sources/memory.js';
import { describeInBrowsers, sharedBrowsers, type TestBrowser, type TestPage } from './helpers/browsers.js';
import { blo, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
const file = join(dir, 'scan.blo');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

const everything: AnalysisRequest = {
  virtual: [
    { kind: 'disk', cx: 31.5, cy: 31.5, r: 6 },
    { kind: 'annulus', cx: 30, cy: 33, r1: 10, r2: 25 },
  ],
  frameSums: true,
  patterns: { sum: true, mean: true, max: true, std: true, region: { kind: 'rect', x0: 3, y0: 2, x1: 20, y1: 15 } },
  centerOfMass: { mask: { kind: 'disk', cx: 31.5, cy: 31.5, r: 20 }, threshold: 3 },
};

// The compiled library: its pools start the compiled worker scripts.
type Dist = typeof import('../src/node/index.js');
let dist: Dist;
let single: AnalysisResult;

beforeAll(async () => {
  const made = blo('demo', file, '--scan', '40x48', '--size', '64', '--seed', '3');
  if (made.status !== 0) throw new Error(made.stderr);
  dist = (await import(join(REPO_ROOT, 'dist', 'node', 'index.js'))) as Dist;
  const bf = await openBlockfile(file);
  single = await analyze(bf, everything);
  await bf.close();
});
afterAll(() => cleanup());

describe('wire records', () => {
  it('carry progress, partial and whole results, NaN included, however the bytes are cut', () => {
    const partial: PartialResult = { start: 3, end: 5, virtual: [Float64Array.of(1, NaN)], comX: Float64Array.of(-0, Infinity), count: 2 };
    const messages: WireMessage[] = [
      { type: 'progress', frames: 10, totalFrames: 20 },
      { type: 'partial', partial },
      { type: 'result', result: single },
      { type: 'error', error: { message: 'x: no', code: 'BAD_OPTION', file: 'x' } },
    ];
    const bytes = Uint8Array.from(messages.flatMap((m) => [...encodeWireMessage(m)]));
    for (const cut of [1, 7, 4096, bytes.length]) {
      const decoder = new WireDecoder();
      const got: WireMessage[] = [];
      for (let at = 0; at < bytes.length; at += cut) got.push(...decoder.push(bytes.slice(at, at + cut)));
      expect(got).toEqual(messages);
      expect(decoder.pending).toBe(0);
    }
  });

  it('coarse to fine visits every range once, halves first', () => {
    expect(coarseToFine(8)).toEqual([0, 4, 2, 6, 1, 3, 5, 7]);
    for (const n of [1, 2, 5, 13, 32]) expect([...coarseToFine(n)].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
  });
});

describe('blo view runs analysis passes next to the file', () => {
  it('streams progress, partial results covering every frame, and the result, equal to one thread', async () => {
    const server = await dist.startViewServer(file, { viewerDir: join(REPO_ROOT, 'dist', 'viewer'), workers: 2 });
    const url = `http://127.0.0.1:${server.port}/api/analyze`;
    const withToken: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), Cookie: `blo_token=${server.token}` } });
    try {
      const progress: number[] = [];
      const partials: PartialResult[] = [];
      const result = await remoteAnalyze(url, everything, { fetch: withToken, onProgress: (p) => progress.push(p.frames), onPartial: (p) => partials.push(p) });
      expect(result).toEqual(single);
      expect(progress.at(-1)).toBe(40 * 48);
      const covered = new Uint8Array(40 * 48);
      for (const p of partials) {
        covered.fill(1, p.start, p.end);
        expect(p.virtual[0]).toEqual(single.virtual[0].subarray(p.start, p.end));
      }
      expect(covered.every((v) => v === 1)).toBe(true);
      // Bad requests: said why, as the library says it.
      await expect(remoteAnalyze(url, { virtual: [{ kind: 'disk', cx: 1, cy: 1, r: -1 }] }, { fetch: withToken })).rejects.toThrow(/radius ≥ 0/);
      await expect(remoteAnalyze(url, {}, { fetch: withToken })).rejects.toThrow(/nothing to compute/);
      // Only with the token, only JSON, only POST.
      expect((await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(401);
      expect((await withToken(url, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' })).status).toBe(415);
      expect((await withToken(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'nope' })).status).toBe(400);
      expect((await withToken(url, {})).status).toBe(405);
      // A request the viewer abandons stops the pass; the server goes on serving.
      const abort = new AbortController();
      const gone = remoteAnalyze(url, everything, { fetch: withToken, signal: abort.signal, onProgress: () => abort.abort(new Error('gone')) });
      await expect(gone).rejects.toThrow();
      expect(await remoteAnalyze(url, { frameSums: true }, { fetch: withToken })).toEqual(await analyze(await Blockfile.open(new MemorySource(readFileSync(file))), { frameSums: true }));
    } finally {
      await server.close();
    }
  }, 60_000);

  it("answers a newer request first, and still finishes the older one whole (as a drawn detector overtakes the opening's pass)", async () => {
    // Large enough for several tasks of one 8 MiB block each (a task reports progress as its block is done).
    const big = join(dir, 'big.blo');
    const made = blo('demo', big, '--scan', '96x104', '--size', '64', '--seed', '5');
    expect(made.status, made.stderr).toBe(0);
    const server = await dist.startViewServer(big, { viewerDir: join(REPO_ROOT, 'dist', 'viewer'), workers: 2 });
    const url = `http://127.0.0.1:${server.port}/api/analyze`;
    const withToken: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), Cookie: `blo_token=${server.token}` } });
    try {
      // Slow on purpose: many detectors over every pixel.
      const slow: AnalysisRequest = { virtual: Array.from({ length: 60 }, (_, i) => ({ kind: 'annulus' as const, cx: 31.5, cy: 31.5, r1: i % 5, r2: 46 })) };
      let olderAt = 0;
      /** Blocks of the older pass reported done while the newer one ran. */
      let olderMeanwhile: number[] | undefined;
      let running!: () => void;
      const underWay = new Promise<void>((resolve) => (running = resolve));
      const older = remoteAnalyze(url, slow, {
        fetch: withToken,
        onProgress: (p) => {
          olderAt ||= p.frames;
          olderMeanwhile?.push(p.frames);
          running();
        },
      });
      await underWay;
      // The older pass was under way, not done, when the newer one was asked for.
      expect(olderAt).toBeLessThan(96 * 104);
      olderMeanwhile = [];
      const newer = await remoteAnalyze(url, { frameSums: true }, { fetch: withToken });
      const meanwhile = olderMeanwhile;
      olderMeanwhile = undefined;
      const whole = await older;
      // In the order they came, the newer pass would wait for a worker to finish one of the older pass's tasks (each
      // 2 blocks, each block reported), with two more queued ahead of it: 4 blocks or more. Going first, it stops the
      // older tasks at once; at most one block the other worker was finishing as it arrived is reported.
      expect(meanwhile.length).toBeLessThanOrEqual(1);
      // Both whole: the older pass's stopped tasks ran again from their start.
      const bf = await openBlockfile(big);
      const one = await analyze(bf, { virtual: slow.virtual!.slice(0, 3), frameSums: true });
      await bf.close();
      expect(newer.frameSums).toEqual(one.frameSums);
      expect(whole.virtual.slice(0, 3)).toEqual(one.virtual);
      expect(whole.virtual).toHaveLength(60);
    } finally {
      await server.close();
    }
  }, 90_000);
});

describe('worker pools', () => {
  let pool: AnalysisPool & { started: number };
  beforeAll(() => {
    pool = dist.createNodeAnalysisPool(2);
  });
  afterAll(() => pool.close());

  it('read Blobs through reused buffers and cache them per worker, bit-identical, in any order', async () => {
    const blob = new Blob([readFileSync(file)]);
    const bf = await Blockfile.open(new BlobSource(blob, 'scan.blo'));
    // One thread, streamed through the BYOB reader.
    expect(await analyze(bf, everything, { blockFrames: 37 })).toEqual(single);
    for (let pass = 0; pass < 3; pass++) {
      const partials: number[] = [];
      const r = await analyze(bf, everything, { pool, blockFrames: 50, cacheBytes: 2 ** 30, order: 'interleaved', pieces: 8, onPartial: (p) => partials.push(p.start) });
      expect(r).toEqual(single);
      expect(partials.length).toBe(8);
    }
    expect(pool.started).toBe(2);
  }, 60_000);

  it('stop a cancelled task without losing the worker (and its cache)', async () => {
    const bf = await Blockfile.open(new BlobSource(new Blob([readFileSync(file)]), 'scan.blo'));
    const before = pool.started;
    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      const run = analyze(bf, everything, { pool, blockFrames: 10, cacheBytes: 2 ** 30, signal: abort.signal, onProgress: () => abort.abort(new Error('superseded')) });
      await expect(run).rejects.toThrow('superseded');
    }
    // The next pass starts at once on the same workers.
    expect(await analyze(bf, everything, { pool, blockFrames: 10, cacheBytes: 2 ** 30 })).toEqual(single);
    expect(pool.started).toBe(before);
  }, 60_000);
});

const browsers = sharedBrowsers();

/** The scan image's pixels as drawn (RGBA). */
const canvas = (page: TestPage) =>
  page.evaluate(() => {
    const c = document.querySelector('[data-testid="navigator-canvas"]') as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  });
afterAll(() => browsers.close());

describeInBrowsers('the viewer through blo view', (entry) => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await browsers.get(entry);
  }, 60_000);

  // In Firefox the served route's images are compared with the library's by the link test below (and viewer.test.ts): once is enough here.
  it.skipIf(entry.name !== 'Chromium')('shows the virtual image the server computed, equal to the library', async () => {
    const server = await dist.startViewServer(file, { viewerDir: join(REPO_ROOT, 'dist', 'viewer'), workers: 2 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(server.url);
      await expect.poll(() => page.getByTestId('pattern-label').textContent(), { timeout: 20_000 }).toBe('pattern at x 24 y 20');
      await page.getByTestId('detector-disk').click();
      const box = (await page.getByTestId('pattern-overlay').boundingBox())!;
      const at = (x: number, y: number) => ({ x: box.x + ((x + 0.5) / 64) * box.width, y: box.y + ((y + 0.5) / 64) * box.height });
      const from = at(30, 31);
      const to = at(30 + 7, 31);
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 4 });
      await page.mouse.up();
      await expect.poll(() => page.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toBe('virtual image: disk cx 30 cy 31 r 7');
      const bf = await openBlockfile(file);
      const expected = (await analyze(bf, { virtual: [{ kind: 'disk', cx: 30, cy: 31, r: 7 }] })).virtual[0];
      await bf.close();
      const pixels = await page.evaluate(() => {
        const c = document.querySelector('[data-testid="navigator-canvas"]') as HTMLCanvasElement;
        return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
      });
      expect(pixels).toEqual(Array.from(renderRgba(expected, {}).rgba));
      await page.screenshot({ path: join(ARTIFACTS, 'viewer-served-virtual.png') });
      expect(page.pageErrors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  }, 60_000);
});

describeInBrowsers('the viewer live', (entry) => {
  let browser: TestBrowser;
  const medium = join(dir, 'medium.blo');
  beforeAll(async () => {
    // Made for the first browser.
    const made = existsSync(medium) ? undefined : blo('demo', medium, '--scan', '160x192', '--size', '64', '--seed', '4');
    if (made && made.status !== 0) throw new Error(made.stderr);
    browser = await browsers.get(entry);
  }, 60_000);

  it('fills the image in while a pass runs, follows a dragged detector from the preview, and agrees with the overlay after Cancel', async () => {
    const server = await dist.startViewServer(medium, { viewerDir: join(REPO_ROOT, 'dist', 'viewer'), workers: 2 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const bf = await openBlockfile(medium);
    try {
      await page.goto(server.url.replace(/&file=.*/, ''));
      await page.getByTestId('file-input').setInputFiles(medium);
      await expect.poll(() => page.getByTestId('pattern-label').textContent()).toBe('pattern at x 96 y 80');
      // Every label the scan image takes, and the screenshots of partial images.
      await page.evaluate(() => {
        const w = window as unknown as { labels: string[] };
        w.labels = [];
        const el = document.querySelector('[data-testid="navigator-label"]')!;
        new MutationObserver(() => w.labels.push(el.textContent!)).observe(el, { childList: true, characterData: true, subtree: true });
      });
      const labels = () => page.evaluate(() => (window as unknown as { labels: string[] }).labels);
      const box = (await page.getByTestId('pattern-overlay').boundingBox())!;
      const at = (x: number, y: number) => ({ x: box.x + ((x + 0.5) / 64) * box.width, y: box.y + ((y + 0.5) / 64) * box.height });

      // The preview is read in the background (every 2nd row and column here: 64 MiB at most).
      await expect.poll(() => page.evaluate(() => document.getElementById('navigator-panel')!.dataset.preview), { timeout: 30_000 }).toMatch(/^every \d+$/);
      await page.getByTestId('detector-disk').click();
      const c = at(31.5, 31.5);
      await page.mouse.move(c.x, c.y);
      await page.mouse.down();
      for (let r = 1; r <= 12; r++) {
        const p = at(31.5 + r, 31.5);
        await page.mouse.move(p.x, p.y);
        await page.waitForTimeout(40);
      }
      // Before the release: the image followed the detector.
      const updates = Number(await page.getByTestId('navigator-view-root').getAttribute('data-preview-updates'));
      expect(updates).toBeGreaterThanOrEqual(5);
      expect(await page.getByTestId('navigator-label').textContent()).toMatch(/^virtual image \(preview, every \d+(st|nd|rd|th) row and column\): disk cx 31\.5 cy 31\.5 r 12$/);
      await page.screenshot({ path: join(ARTIFACTS, 'viewer-drag-preview.png') });
      await page.mouse.up();
      // Then the whole pass, filling in coarse to fine.
      await expect.poll(() => page.getByTestId('navigator-label').textContent(), { timeout: 30_000 }).toBe('virtual image: disk cx 31.5 cy 31.5 r 12');
      const seen = await labels();
      expect(seen.some((l) => /^virtual image: disk cx 31\.5 cy 31\.5 r 12 \(\d+ % computed\)$/.test(l)), seen.join('\n')).toBe(true);
      const expected = (await analyze(bf, { virtual: [{ kind: 'disk', cx: 31.5, cy: 31.5, r: 12 }] })).virtual[0];
      const pixels = await page.evaluate(() => {
        const cv = document.querySelector('[data-testid="navigator-canvas"]') as HTMLCanvasElement;
        return Array.from(cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data);
      });
      expect(pixels).toEqual(Array.from(renderRgba(expected, {}).rgba));

      // A new detector, cancelled at once: the overlay goes back to the detector of the image shown.
      await page.getByTestId('detector-annulus').click();
      const a0 = at(10.5, 50.5);
      const a1 = at(10.5 + 9, 50.5);
      await page.mouse.move(a0.x, a0.y);
      await page.mouse.down();
      await page.mouse.move(a1.x, a1.y, { steps: 3 });
      await page.mouse.up();
      await page.locator('#cancel').click({ timeout: 2000 }).catch(() => undefined); // it may be done already
      await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 30_000 }).toMatch(/cancelled|virtual image: [\d.]+ s/);
      const shown = (await page.getByTestId('navigator-label').textContent())!;
      expect(shown).toBe(`virtual image: ${await page.getByTestId('detector').textContent()}`);
      await page.screenshot({ path: join(ARTIFACTS, 'viewer-after-cancel.png') });
      // When nothing else runs, the workers read the file into memory; passes then read that, with the same results.
      await expect.poll(() => page.getByTestId('navigator-view-root').getAttribute('data-cache'), { timeout: 60_000 }).toBe('full');
      await page.evaluate(() => (location.hash = '#virtual=rect:5,7,40,30'));
      await expect.poll(() => page.getByTestId('navigator-label').textContent(), { timeout: 30_000 }).toBe('virtual image: rect x0 5 y0 7 x1 40 y1 30');
      const rect = (await analyze(bf, { virtual: [{ kind: 'rect', x0: 5, y0: 7, x1: 40, y1: 30 }] })).virtual[0];
      const held = await page.evaluate(() => {
        const cv = document.querySelector('[data-testid="navigator-canvas"]') as HTMLCanvasElement;
        return Array.from(cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data);
      });
      expect(held).toEqual(Array.from(renderRgba(rect, {}).rgba));
      expect(page.pageErrors).toEqual([]);
    } finally {
      await bf.close();
      await page.close();
      await server.close();
    }
  }, 120_000);
});

describeInBrowsers('the view in the URL, and aria-busy', (entry) => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await browsers.get(entry);
  }, 60_000);

  it('a link reopens the view for whichever file is opened, busy while it is computed', async () => {
    const server = await dist.startViewServer(file, { viewerDir: join(REPO_ROOT, 'dist', 'viewer'), workers: 2 });
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    const bf = await openBlockfile(file);
    try {
      // Before a file is picked.
      await page.goto(`${server.url.replace(/&file=.*/, '')}#virtual=disk:30,31,7&pos=5,6&cmap=viridis&scale=log`);
      await page.evaluate(() => {
        const w = window as unknown as { busy: string[] };
        w.busy = [];
        new MutationObserver((records) => {
          for (const r of records) {
            const el = r.target as Element;
            if (el.getAttribute('data-testid') === 'navigator-view-root') w.busy.push(el.getAttribute('aria-busy')!);
          }
        }).observe(document.body, { attributes: true, attributeFilter: ['aria-busy'], subtree: true });
      });
      await page.getByTestId('file-input').setInputFiles(file);
      await expect.poll(() => page.getByTestId('navigator-view-root').getAttribute('aria-busy'), { timeout: 20_000 }).toBe('false');
      await expect.poll(() => page.getByTestId('navigator-label').textContent()).toBe('virtual image: disk cx 30 cy 31 r 7');
      expect(await page.evaluate(() => (window as unknown as { busy: string[] }).busy)).toContain('true');
      expect(await page.getByTestId('position').textContent()).toMatch(/^x 5 y 6 \(pinned\)/);
      expect(await page.getByTestId('detector').textContent()).toBe('disk cx 30 cy 31 r 7');
      const expected = (await analyze(bf, { virtual: [{ kind: 'disk', cx: 30, cy: 31, r: 7 }] })).virtual[0];
      expect(await canvas(page)).toEqual(Array.from(renderRgba(expected, { cmap: 'viridis', scale: 'log', percentiles: [0.5, 99.5] }).rgba));
      expect(await page.getByTestId('navigator-cmap').inputValue()).toBe('viridis');
      await page.screenshot({ path: join(ARTIFACTS, 'viewer-link-1024x700.png') });
      // The view as it changes goes into the hash.
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => page.evaluate(() => location.hash)).toBe('#virtual=disk:30,31,7&pos=6,6&cmap=viridis&scale=log');
      await page.getByTestId('navigator-scale').selectOption('linear');
      await expect.poll(() => page.evaluate(() => location.hash)).toBe('#virtual=disk:30,31,7&pos=6,6&cmap=viridis');

      // Through blo view, with the view in the link; what cannot be read is said.
      const served = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await served.goto(`${server.url}#virtual=annulus:31.5,31.5,10,20&show=virtual&bogus=1`);
      await expect.poll(() => served.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toBe('virtual image: annulus cx 31.5 cy 31.5 r1 10 r2 20');
      await expect.poll(() => served.getByTestId('navigator-view-root').getAttribute('aria-busy')).toBe('false');
      const annulus = (await analyze(bf, { virtual: [{ kind: 'annulus', cx: 31.5, cy: 31.5, r1: 10, r2: 20 }] })).virtual[0];
      expect(await canvas(served)).toEqual(Array.from(renderRgba(annulus, {}).rgba));
      expect(await served.getByTestId('link-note').textContent()).toBe('link: ignored bogus=1');
      // The hash changed by hand: the view follows.
      await served.evaluate(() => (location.hash = '#show=com-y'));
      await expect.poll(() => served.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toBe('centre of mass y (pixels)');
      await served.close();
      expect([...page.pageErrors, ...served.pageErrors]).toEqual([]);
    } finally {
      await bf.close();
      await page.close();
      await server.close();
    }
  }, 120_000);
});

describeInBrowsers('what the audit found', (entry) => {
  let browser: TestBrowser;
  const flat = join(dir, 'flat.blo');
  beforeAll(async () => {
    // blo demo's defaults store a constant VBF.
    const made = existsSync(flat) ? undefined : blo('demo', flat);
    if (made && made.status !== 0) throw new Error(made.stderr);
    browser = await browsers.get(entry);
  }, 60_000);

  it('opens on the mean intensity when the stored VBF is constant, ignores clicks, removes detectors, keeps them on the pattern', async () => {
    const server = await dist.startViewServer(flat, { viewerDir: join(REPO_ROOT, 'dist', 'viewer'), workers: 2 });
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    try {
      await page.goto(server.url);
      await expect.poll(() => page.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toBe('mean intensity of each pattern');
      expect(await page.getByTestId('navigator-note').textContent()).toBe('The stored VBF is constant (13 everywhere): showing the mean intensity of each pattern instead.');
      await page.screenshot({ path: join(ARTIFACTS, 'viewer-flat-vbf-1024x700.png') });
      const box = (await page.getByTestId('pattern-overlay').boundingBox())!;
      const at = (x: number, y: number) => ({ x: box.x + ((x + 0.5) / 128) * box.width, y: box.y + ((y + 0.5) / 128) * box.height });
      // A click with the disk tool draws nothing and starts nothing.
      await page.getByTestId('detector-disk').click();
      const c = at(63.5, 63.5);
      await page.mouse.click(c.x, c.y);
      await page.waitForTimeout(300);
      expect(await page.getByTestId('detector').textContent()).toBe('');
      expect(await page.getByTestId('navigator-label').textContent()).toBe('mean intensity of each pattern');
      // Drawn, then dragged far off the pattern: its centre stays on it.
      const e = at(63.5 + 10, 63.5);
      await page.mouse.move(c.x, c.y);
      await page.mouse.down();
      await page.mouse.move(e.x, e.y, { steps: 3 });
      await page.mouse.up();
      await expect.poll(() => page.getByTestId('detector').textContent()).toBe('disk cx 63.5 cy 63.5 r 10');
      await page.mouse.move(c.x, c.y);
      await page.mouse.down();
      await page.mouse.move(c.x + box.width * 2, c.y, { steps: 4 });
      await page.mouse.up();
      await expect.poll(() => page.getByTestId('detector').textContent()).toBe('disk cx 127.5 cy 63.5 r 10');
      await expect.poll(() => page.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toBe('virtual image: disk cx 127.5 cy 63.5 r 10');
      expect(await page.evaluate(() => location.hash)).toMatch(/^#virtual=disk:127\.5,63\.5,10/);
      // The note on the stored VBF stays beside the images it concerns, not the virtual image.
      expect(await page.getByTestId('navigator-note').textContent()).toBe('');
      await page.getByTestId('navigator-mode').selectOption('stored');
      await expect.poll(() => page.getByTestId('navigator-note').textContent()).toBe('The stored VBF is constant (13 everywhere).');
      // A constant image is drawn mid-grey and said to be constant, not black beside "clip 13 – 13".
      expect(await page.getByTestId('navigator-range').textContent()).toBe('constant: 13 everywhere');
      expect(new Set(await canvas(page))).toEqual(new Set([128, 255]));
      // Delete removes it; so does "none".
      await page.keyboard.press('Delete');
      expect(await page.getByTestId('detector').textContent()).toBe('');
      expect(await page.evaluate(() => location.hash)).not.toMatch(/virtual=/);
      await page.evaluate(() => (location.hash = '#virtual=disk:40,40,5'));
      await expect.poll(() => page.getByTestId('detector').textContent()).toBe('disk cx 40 cy 40 r 5');
      await page.getByTestId('detector-none').click();
      expect(await page.getByTestId('detector').textContent()).toBe('');
      expect(page.pageErrors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  }, 120_000);
});
