/**
 * The viewer end to end in real headless Chromium, and the `blo view`
 * server. Screenshots go to test-artifacts/ for people to look at.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { encodeFrameRecord } from '../src/format/frame.js';
import { encodeHeader, HEADER_SIZE } from '../src/format/header.js';
import { planBlockfile } from '../src/writer/stream-writer.js';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/engine.js';
import { renderRgba } from '../src/display/render.js';
import { openBlockfile } from '../src/node/open.js';
import { startViewServer, MAX_RANGE_BYTES, type ViewServer } from '../src/node/view-server.js';
import { decodeNpy } from '../src/npy/npy.js';
import type { Blockfile } from '../src/reader/blockfile.js';
import { describeInBrowsers } from './helpers/browsers.js';
import { servedViewer, VIEWER_DIR } from './helpers/served-viewer.js';
import { blo, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const { dir, cleanup } = tempDir();
const file = join(dir, 'grains.blo');
let bf: Blockfile;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const made = blo('demo', file, '--scan', '24x32', '--size', '64', '--seed', '2');
  if (made.status !== 0) throw new Error(made.stderr);
  bf = await openBlockfile(file);
});
afterAll(async () => {
  await bf?.close();
  cleanup();
});

/** A raw HTTP GET (fetch would fix the Host header for us). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('blo view server', () => {
  let server: ViewServer;
  beforeAll(async () => {
    server = await startViewServer(file, { viewerDir: VIEWER_DIR });
  });
  afterAll(() => server.close());
  const base = () => `http://127.0.0.1:${server.port}`;

  it('listens on the loopback interface only and wants the token', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}&file=grains\.blo$/);
    expect((await get(`${base()}/`)).status).toBe(401);
    expect((await get(`${base()}/files/grains.blo`)).status).toBe(401);
    expect((await get(`${base()}/?token=nope`)).status).toBe(403);
    expect((await get(`${base()}/files/grains.blo`, { Cookie: 'blo_token=nope' })).status).toBe(403);
    const ok = await get(server.url);
    expect(ok.status).toBe(200);
    expect(String(ok.headers['set-cookie'])).toMatch(/blo_token=.*HttpOnly; SameSite=Strict/);
    // A page elsewhere that rebinds a DNS name onto 127.0.0.1 is refused by the Host check.
    expect((await get(server.url, { Host: `evil.example:${server.port}` })).status).toBe(403);
  });

  it('serves the one file by Range, bounded, and nothing else', async () => {
    const auth = { Cookie: `blo_token=${server.token}` };
    const bytes = readFileSync(file);
    const part = await get(`${base()}/files/grains.blo`, { ...auth, Range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${bytes.length}`);
    expect(part.body).toEqual(bytes.subarray(100, 200));
    // A range past the end is clamped to the file before the cap applies (test/view-server.test.ts tests the cap).
    const clamped = await get(`${base()}/files/grains.blo`, { ...auth, Range: `bytes=0-${MAX_RANGE_BYTES}` });
    expect(clamped.status).toBe(206);
    expect(clamped.headers['content-range']).toBe(`bytes 0-${bytes.length - 1}/${bytes.length}`);
    expect(clamped.body.equals(bytes)).toBe(true);
    expect((await get(`${base()}/files/grains.blo`, { ...auth, Range: 'bytes=0-1,5-6' })).status).toBe(416);
    for (const path of ['/files/other.blo', '/files/../package.json', '/assets/../../package.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets/', '/etc/passwd', '/files/']) {
      expect((await get(`${base()}${path}`, auth)).status, path).toBe(404);
    }
    expect((await get(`${base()}/files/grains.blo`, { ...auth, Range: 'bytes=0-0' })).body.length).toBe(1);
  });
});

describe('blo view command', () => {
  let child: ChildProcess;
  afterAll(() => child?.kill('SIGTERM'));

  it('prints a URL with the token and serves until stopped', async () => {
    child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'blo.js'), 'view', file, '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (c: Buffer) => {
        text += c;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(text);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`blo view exited: ${text}`)));
    });
    expect((await get(url)).status).toBe(200);
    expect((await get(url.replace(/token=[^&]+/, 'token=wrong'))).status).toBe(403);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('fails with one line for a missing file', () => {
    const result = blo('view', join(dir, 'absent.blo'), '--no-open');
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`blo: ${join(dir, 'absent.blo')}: no such file`);
  });
});

describeInBrowsers('viewer', (entry) => {
  const viewer = servedViewer(entry, file);

  /** The canvas pixels of a view, as RGBA. */
  async function canvasPixels(name: string): Promise<number[]> {
    return viewer.page.evaluate((testId) => {
      const canvas = document.querySelector(`[data-testid="${testId}"]`) as HTMLCanvasElement;
      return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
    }, `${name}-canvas`);
  }

  /** Screen point of pixel (x, y) of a view. */
  async function screenPoint(name: string, x: number, y: number, cols: number, rows: number): Promise<{ x: number; y: number }> {
    const box = (await viewer.page.getByTestId(`${name}-overlay`).boundingBox())!;
    return { x: box.x + ((x + 0.5) / cols) * box.width, y: box.y + ((y + 0.5) / rows) * box.height };
  }

  async function expectPatternShown(x: number, y: number): Promise<void> {
    await expect.poll(() => viewer.page.getByTestId('pattern-label').textContent()).toBe(`pattern at x ${x} y ${y}`);
    const { rgba } = renderRgba(await bf.frameAt(y, x), { cmap: 'gray', scale: 'linear', percentiles: [0.5, 99.5] });
    expect(await canvasPixels('pattern')).toEqual(Array.from(rgba));
  }

  it('opens a local file lazily, shows header and navigator, and the pattern under a click', async () => {
    // The viewer page alone, without a served file: the user picks one.
    await viewer.page.goto(viewer.server.url.replace(/&file=.*/, ''));
    await viewer.page.getByTestId('file-input').setInputFiles(file);
    await expect.poll(() => viewer.page.getByTestId('file-name').textContent()).toBe('grains.blo');
    await expect.poll(() => viewer.page.getByTestId('navigator-label').textContent()).toBe('stored virtual bright field (VBF)');
    expect(await viewer.page.getByTestId('info').textContent()).toMatch(/24 × 32 positions/);
    const stored = await bf.navigator();
    expect(await canvasPixels('navigator')).toEqual(Array.from(renderRgba(stored.data, {}).rgba));

    const p = await screenPoint('navigator', 5, 7, 32, 24);
    await viewer.page.mouse.click(p.x, p.y);
    await expect.poll(() => viewer.page.getByTestId('position').textContent()).toMatch(/^x 5 y 7 \(pinned\)/);
    await expectPatternShown(5, 7);
    await viewer.page.keyboard.press('ArrowRight');
    await viewer.page.keyboard.press('ArrowDown');
    await expectPatternShown(6, 8);
    await viewer.page.screenshot({ path: join(ARTIFACTS, 'viewer-pattern.png') });
  }, 60_000);

  it('computes the virtual image of a disk drawn on the pattern, in Web Workers, equal to the library', async () => {
    await viewer.page.getByTestId('detector-disk').click();
    const from = await screenPoint('pattern', 32, 30, 64, 64);
    const to = await screenPoint('pattern', 32 + 9, 30, 64, 64);
    await viewer.page.mouse.move(from.x, from.y);
    await viewer.page.mouse.down();
    await viewer.page.mouse.move((from.x + to.x) / 2, from.y, { steps: 3 });
    await viewer.page.mouse.move(to.x, to.y, { steps: 3 });
    await viewer.page.mouse.up();
    await expect.poll(() => viewer.page.getByTestId('detector').textContent()).toBe('disk cx 32 cy 30 r 9');
    await expect.poll(() => viewer.page.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toBe('virtual image: disk cx 32 cy 30 r 9');
    const expected = (await analyze(bf, { virtual: [{ kind: 'disk', cx: 32, cy: 30, r: 9 }] })).virtual[0];
    expect(await canvasPixels('navigator')).toEqual(Array.from(renderRgba(expected, {}).rgba));

    const download = await viewer.page.download(() => viewer.page.getByTestId('navigator-save-npy').click());
    const { header, data } = decodeNpy(download.bytes);
    expect(header.shape).toEqual([24, 32]);
    expect(data).toEqual(expected);
    await viewer.page.screenshot({ path: join(ARTIFACTS, 'viewer-virtual-disk.png') });
  }, 60_000);

  it('keeps the full image when a drag preview frame comes due after the drag ended', async () => {
    await expect.poll(() => viewer.page.evaluate(() => document.getElementById('navigator-panel')!.dataset.preview)).toMatch(/^every \d+$/);
    // Animation frames two seconds late, as a busy or hidden browser may give them.
    await viewer.page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      w.__raf = window.requestAnimationFrame;
      w.__caf = window.cancelAnimationFrame;
      window.requestAnimationFrame = (cb) => setTimeout(() => cb(performance.now()), 2000) as unknown as number;
      window.cancelAnimationFrame = (id) => clearTimeout(id);
    });
    try {
      await viewer.page.getByTestId('detector-disk').click();
      const from = await screenPoint('pattern', 12, 14, 64, 64);
      const to = await screenPoint('pattern', 12 + 6, 14, 64, 64);
      await viewer.page.mouse.move(from.x, from.y);
      await viewer.page.mouse.down();
      await viewer.page.mouse.move(to.x, to.y, { steps: 3 });
      await viewer.page.mouse.up();
      const label = 'virtual image: disk cx 12 cy 14 r 6';
      await expect.poll(() => viewer.page.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toBe(label);
      await viewer.page.waitForTimeout(2500);
      expect(await viewer.page.getByTestId('navigator-label').textContent()).toBe(label);
    } finally {
      await viewer.page.evaluate(() => {
        const w = window as unknown as Record<string, unknown>;
        window.requestAnimationFrame = w.__raf as typeof window.requestAnimationFrame;
        window.cancelAnimationFrame = w.__caf as typeof window.cancelAnimationFrame;
      });
    }
  }, 60_000);

  it('gives the sum pattern of a scan region, colour maps and the current pattern as .npy', async () => {
    await viewer.page.getByTestId('region-rect').click();
    const a = await screenPoint('navigator', 2, 3, 32, 24);
    const b = await screenPoint('navigator', 9, 8, 32, 24);
    await viewer.page.mouse.move(a.x, a.y);
    await viewer.page.mouse.down();
    await viewer.page.mouse.move(b.x, b.y, { steps: 4 });
    await viewer.page.mouse.up();
    await expect.poll(() => viewer.page.getByTestId('pattern-label').textContent(), { timeout: 20_000 }).toBe('sum of the region (48 patterns)');
    const region = { kind: 'rect', x0: 2, y0: 3, x1: 10, y1: 9 } as const;
    const expected = (await analyze(bf, { patterns: { sum: true, region } })).sum!;
    await viewer.page.getByTestId('pattern-cmap').selectOption('inferno');
    await viewer.page.getByTestId('pattern-scale').selectOption('log');
    expect(await canvasPixels('pattern')).toEqual(Array.from(renderRgba(expected, { cmap: 'inferno', scale: 'log', percentiles: [0.5, 99.5] }).rgba));
    const download = await viewer.page.download(() => viewer.page.getByTestId('pattern-save-npy').click());
    expect(decodeNpy(download.bytes).data).toEqual(expected);
    await viewer.page.getByTestId('navigator-cmap').selectOption('viridis');
    await viewer.page.screenshot({ path: join(ARTIFACTS, 'viewer-region-sum.png') });
    const errors = [...viewer.page.pageErrors, ...viewer.page.consoleErrors];
    expect(errors, errors.join('\n')).toEqual([]);
  }, 60_000);

  // Decoding is the library's, the same in every browser: run once.
  it.skipIf(entry.name !== 'Chromium')('opens 16-bit files and line scans, and says why a file cannot be opened', async () => {
    const wide = join(dir, 'wide.blo');
    expect(blo('demo', wide, '--scan', '6x5', '--size', '32', '--bits', '16').status).toBe(0);
    const npy = join(dir, 'wide.npy');
    expect(blo('convert', wide, npy).status).toBe(0);
    const line = join(dir, 'line.blo');
    const { decodeNpy: decode, encodeNpyHeader } = await import('../src/npy/npy.js');
    const { data } = decode(readFileSync(npy));
    writeFileSync(join(dir, 'line.npy'), Buffer.concat([encodeNpyHeader('uint16', [5, 32, 32]), new Uint8Array((data as Uint16Array).buffer, 0, 5 * 32 * 32 * 2)]));
    expect(blo('convert', join(dir, 'line.npy'), line, '--bits', '16').status).toBe(0);
    const bad = join(dir, 'bad.blo');
    writeFileSync(bad, Buffer.from('IMGBLX'.padEnd(300, '\0')));
    const other = await viewer.browser.newPage({ viewport: { width: 1500, height: 950 } });
    try {
      await other.goto(viewer.server.url.replace(/&file=.*/, ''));
      for (const [path, position] of [[wide, 'pattern at x 2 y 3'], [line, 'pattern at x 2 y 0']] as const) {
        await other.getByTestId('file-input').setInputFiles(path);
        await expect.poll(() => other.getByTestId('pattern-label').textContent()).toBe(position);
        const f = await openBlockfile(path);
        const [y, x] = position === 'pattern at x 2 y 3' ? [3, 2] : [0, 2];
        const { rgba } = renderRgba(await f.frameAt(y, x), {});
        expect(await other.evaluate(() => {
          const c = document.querySelector('[data-testid="pattern-canvas"]') as HTMLCanvasElement;
          return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
        })).toEqual(Array.from(rgba));
        await f.close();
        await other.getByTestId('detector-disk').click();
        const box = (await other.getByTestId('pattern-overlay').boundingBox())!;
        await other.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await other.mouse.down();
        await other.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 3 });
        await other.mouse.up();
        await expect.poll(() => other.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toMatch(/^virtual image: disk/);
      }
      await other.screenshot({ path: join(ARTIFACTS, 'viewer-line-16bit.png') });
      await other.getByTestId('file-input').setInputFiles(bad);
      await expect.poll(() => other.getByTestId('status').textContent()).toMatch(/not a blockfile: ID is "IMGBLX"/);
    } finally {
      await other.close();
    }
  }, 60_000);

  it('opens a 21 GB file at once: header, stored VBF and the frames shown only', async () => {
    // A sparse file: a 1024 × 1024 scan of 144² patterns, with the VBF and the frames around the centre written.
    const huge = join(dir, 'huge.blo');
    const plan = planBlockfile({ nx: 1024, ny: 1024, dpSize: 144, note: 'sparse test file' }, huge);
    const fd = openSync(huge, 'w');
    try {
      writeSync(fd, encodeHeader(plan.header), 0, HEADER_SIZE, 0);
      writeSync(fd, plan.noteBytes, 0, plan.noteBytes.length, HEADER_SIZE);
      const vbf = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => ((i % 1024) ^ (i >> 10)) & 0xff);
      writeSync(fd, vbf, 0, vbf.length, plan.header.Data_offset_1);
      const pixels = Uint8Array.from({ length: 144 * 144 }, (_, i) => (i * 3) & 0xff);
      const record = new Uint8Array(plan.recordSize);
      for (let y = 510; y <= 514; y++) {
        for (let x = 510; x <= 514; x++) {
          const index = y * 1024 + x;
          encodeFrameRecord(record, 0, index, pixels);
          writeSync(fd, record, 0, record.length, plan.header.Data_offset_2 + index * plan.recordSize);
        }
      }
      ftruncateSync(fd, plan.fileSize);
    } finally {
      closeSync(fd);
    }
    expect(plan.fileSize).toBeGreaterThan(20 * 2 ** 30);
    const big = await viewer.browser.newPage({ viewport: { width: 1500, height: 950 } });
    try {
      await big.goto(viewer.server.url.replace(/&file=.*/, ''));
      await big.getByTestId('file-input').setInputFiles(huge);
      await expect.poll(() => big.getByTestId('pattern-label').textContent(), { timeout: 20_000 }).toBe('pattern at x 512 y 512');
      expect(await big.getByTestId('navigator-label').textContent()).toBe('stored virtual bright field (VBF)');
      expect(await big.getByTestId('info').textContent()).toMatch(/1024 × 1024 positions/);
      await big.keyboard.press('ArrowUp');
      await expect.poll(() => big.getByTestId('pattern-label').textContent()).toBe('pattern at x 512 y 511');
      await big.screenshot({ path: join(ARTIFACTS, 'viewer-21GB.png') });
    } finally {
      await big.close();
    }
  }, 60_000);

  it('says where the browser does not report the device memory that a 1 GiB scan is not held in memory', async () => {
    // The 1 GB scan (256 × 256 of 128²), sparse: just over the 1 GiB kept when the memory is not known.
    const gib = join(dir, 'gib.blo');
    const plan = planBlockfile({ nx: 256, ny: 256, dpSize: 128, note: 'sparse test file' }, gib);
    const fd = openSync(gib, 'w');
    try {
      writeSync(fd, encodeHeader(plan.header), 0, HEADER_SIZE, 0);
      writeSync(fd, plan.noteBytes, 0, plan.noteBytes.length, HEADER_SIZE);
      ftruncateSync(fd, plan.fileSize);
    } finally {
      closeSync(fd);
    }
    const other = await viewer.browser.newPage({ viewport: { width: 1500, height: 950 } });
    try {
      await other.goto(viewer.server.url.replace(/&file=.*/, ''));
      await other.getByTestId('file-input').setInputFiles(gib);
      await expect.poll(() => other.getByTestId('file-name').textContent()).toBe('gib.blo');
      const reported = await other.evaluate(() => 'deviceMemory' in navigator);
      // Chromium reports navigator.deviceMemory, Firefox does not.
      expect(reported).toBe(entry.name === 'Chromium');
      const note = await other.evaluate(() => document.querySelector('[data-testid="memory-note"]')?.textContent ?? null);
      if (reported) expect(note).toBeNull();
      else expect(note).toBe('This browser does not tell pages how much memory the device has, so the viewer assumes 4 GiB and keeps at most 1 GiB of a file in memory, less than this file: each pass reads it again (in Chrome or Edge, or through blo view, passes over it can be faster).');
      await other.screenshot({ path: join(ARTIFACTS, 'viewer-memory-note.png') });
    } finally {
      await other.close();
    }
  }, 60_000);

  it('opens the demo dataset that `blo view` serves, read by HTTP Range with the token', async () => {
    // The dataset `npm start` shows: blo demo's defaults.
    const demo = join(dir, 'demo.blo');
    // Made once for both browsers.
    if (!existsSync(demo)) expect(blo('demo', demo).status).toBe(0);
    const demoServer = await startViewServer(demo, { viewerDir: VIEWER_DIR });
    const served = await viewer.browser.newPage({ viewport: { width: 1500, height: 950 } });
    try {
      await served.goto(demoServer.url);
      await expect.poll(() => served.getByTestId('file-name').textContent()).toBe('demo.blo');
      await expect.poll(() => served.getByTestId('pattern-label').textContent()).toBe('pattern at x 32 y 32');
      await served.getByTestId('compute-com').click();
      await expect.poll(() => served.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toBe('centre of mass x (pixels)');
      await served.screenshot({ path: join(ARTIFACTS, 'viewer-demo-com.png') });
      await served.getByTestId('detector-annulus').click();
      const box = (await served.getByTestId('pattern-overlay').boundingBox())!;
      const c = { x: box.x + (64 / 128) * box.width, y: box.y + (64 / 128) * box.height };
      await served.mouse.move(c.x, c.y);
      await served.mouse.down();
      await served.mouse.move(c.x + (40 / 128) * box.width, c.y, { steps: 4 });
      await served.mouse.up();
      await expect.poll(() => served.getByTestId('navigator-label').textContent(), { timeout: 20_000 }).toMatch(/^virtual image: annulus/);
      await served.getByTestId('navigator-cmap').selectOption('magma');
      await served.screenshot({ path: join(ARTIFACTS, 'viewer-demo-annulus.png') });
    } finally {
      await served.close();
      await demoServer.close();
    }
  }, 60_000);
});
