/**
 * The viewer's display in a real browser: the value under the cursor,
 * histogram limits that set the display range, exports for a paper (PNG
 * figures at a chosen size, calibrated TIFFs, the radial profile as PNG and
 * CSV) and the layout of a 1024 × 700 laptop window. Screenshots go to
 * test-artifacts/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { radialProfile } from '../src/analysis/profile.js';
import { colormap, renderRgba } from '../src/display/render.js';
import { composeFigure } from '../src/display/figure.js';
import { openBlockfile } from '../src/node/open.js';
import { startViewServer, type ViewServer } from '../src/node/view-server.js';
import { MemorySource } from '../src/sources/memory.js';
import { openTiffStack } from '../src/tiff/read.js';
import type { Blockfile } from '../src/reader/blockfile.js';
import { format } from '../viewer/src/image-view.js';
import { describeInBrowsers, sharedBrowsers, type TestPage } from './helpers/browsers.js';
import { buildBlockfile } from './helpers/build.js';
import { tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const VIEWER = join(REPO_ROOT, 'dist', 'viewer');
const { dir, cleanup } = tempDir();
const small = join(dir, 'small.blo');
const large = join(dir, 'scan256.blo');
const browsers = sharedBrowsers();
let bf: Blockfile;
let stored: Uint8Array;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // A stored VBF that varies (so it is shown, not replaced by the mean), patterns of 64 × 64.
  stored = Uint8Array.from({ length: 24 * 32 }, (_, i) => (i * 37) % 251);
  writeFileSync(small, (await buildBlockfile({ nx: 32, ny: 24, dpSize: 64, navigator: stored, header: { SX: 2.5, SY: 2.5, SDP: 400 } })).bytes);
  writeFileSync(large, (await buildBlockfile({ nx: 256, ny: 256, dpSize: 16, navigator: 'mean', header: { SX: 10, SY: 10, SDP: 400 } })).bytes);
  bf = await openBlockfile(small);
}, 60_000);
afterAll(async () => {
  await browsers.close();
  await bf?.close();
  cleanup();
});

/** Screen point of pixel (x, y) of a view. */
async function screenPoint(page: TestPage, name: string, x: number, y: number, cols: number, rows: number): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId(`${name}-overlay`).boundingBox())!;
  return { x: box.x + ((x + 0.5) / cols) * box.width, y: box.y + ((y + 0.5) / rows) * box.height };
}

async function canvasPixels(page: TestPage, name: string): Promise<number[]> {
  return page.evaluate((testId) => {
    const canvas = document.querySelector(`[data-testid="${testId}"]`) as HTMLCanvasElement;
    return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
  }, `${name}-canvas`);
}

describeInBrowsers('viewer display', (entry) => {
  let server: ViewServer;
  let page: TestPage;

  beforeAll(async () => {
    server = await startViewServer(small, { viewerDir: VIEWER });
    page = await (await browsers.get(entry)).newPage({ viewport: { width: 1400, height: 950 } });
    await page.goto(server.url);
  }, 90_000);
  afterAll(async () => {
    await page?.close();
    await server?.close();
  });

  it('shows the value under the cursor, with its position, on the scan and on the pattern', async () => {
    await expect.poll(() => page.getByTestId('navigator-label').textContent(), { timeout: 30_000 }).toBe('stored virtual bright field (VBF)');
    const step = bf.axes.filter((a) => a.navigate).at(-1)!;
    let p = await screenPoint(page, 'navigator', 5, 7, 32, 24);
    await page.mouse.move(p.x, p.y);
    await expect
      .poll(() => page.getByTestId('navigator-value').textContent())
      .toBe(`x 5 y 7 (${format(5 * step.scale)}, ${format(7 * step.scale)} ${step.units}): ${format(stored[7 * 32 + 5])}`);
    // Pin the position, then read the pattern at a pixel.
    await page.mouse.click(p.x, p.y);
    await expect.poll(() => page.getByTestId('pattern-label').textContent()).toBe('pattern at x 5 y 7');
    const frame = await bf.frameAt(7, 5);
    p = await screenPoint(page, 'pattern', 40, 21, 64, 64);
    await page.mouse.move(p.x, p.y);
    await expect.poll(() => page.getByTestId('pattern-value').textContent()).toBe(`x 40 y 21: ${format(frame[21 * 64 + 40])}`);
    p = await screenPoint(page, 'pattern', 3, 60, 64, 64);
    await page.mouse.move(p.x, p.y);
    await expect.poll(() => page.getByTestId('pattern-value').textContent()).toBe(`x 3 y 60: ${format(frame[60 * 64 + 3])}`);
    expect(page.pageErrors).toEqual([]);
  }, 60_000);

  it('dragging the histogram\'s upper limit sets the display range; auto returns to the percentiles', async () => {
    const before = await page.getByTestId('navigator-range').textContent();
    expect(before).toMatch(/^clip /);
    const box = (await page.getByTestId('navigator-histogram').boundingBox())!;
    const [x0, x1] = (await page.getByTestId('navigator-histogram').getAttribute('data-limits'))!.split(',').map(Number);
    await page.mouse.move(box.x + x1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + (x0 + x1) / 2, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('navigator-range').textContent()).toMatch(/^limits /);
    const range = (await page.getByTestId('navigator-histogram').getAttribute('data-range'))!.split(',').map(Number) as [number, number];
    // The upper limit went to about the middle of the old range, the lower one stayed.
    expect(range[1]).toBeLessThan(200);
    expect(range[1]).toBeGreaterThan(range[0]);
    expect(await canvasPixels(page, 'navigator')).toEqual(Array.from(renderRgba(stored, { range }).rgba));
    expect(await page.getByTestId('navigator-range').textContent()).toBe(`limits ${format(range[0])} – ${format(range[1])}`);
    await page.getByTestId('navigator-auto').click();
    await expect.poll(() => page.getByTestId('navigator-range').textContent()).toBe(before);
    expect(await canvasPixels(page, 'navigator')).toEqual(Array.from(renderRgba(stored, {}).rgba));
  }, 60_000);

  it('log scale and gamma: the colour bar\'s ticks and the pixels follow', async () => {
    await page.getByTestId('navigator-scale').selectOption('gamma');
    await page.evaluate(() => {
      const input = document.querySelector('[data-testid="navigator-gamma"]') as HTMLInputElement;
      input.value = '2';
      input.dispatchEvent(new Event('input'));
    });
    await expect.poll(() => page.getByTestId('navigator-range').textContent()).toMatch(/\(gamma 2\)$/);
    expect(await canvasPixels(page, 'navigator')).toEqual(Array.from(renderRgba(stored, { scale: 'gamma', gamma: 2 }).rgba));
    await page.getByTestId('navigator-scale').selectOption('log');
    await expect.poll(() => page.getByTestId('navigator-range').textContent()).toMatch(/\(log\)$/);
    const ticks = (await page.getByTestId('navigator-colorbar').getAttribute('data-ticks'))!.split(' ').map(Number);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    // Log ticks crowd towards the low end in value: the first gaps are smaller than the last.
    expect(ticks[1] - ticks[0]).toBeLessThan(ticks[ticks.length - 1] - ticks[ticks.length - 2]);
    await page.getByTestId('navigator-scale').selectOption('linear');
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-display.png') });
  }, 60_000);

  it('saves a PNG figure of the requested size with scale bar and colour bar, and TIFFs with the pixel size', async () => {
    await page.getByTestId('navigator-cmap').selectOption('viridis');
    await page.getByTestId('navigator-png-size').selectOption('8x');
    const png = await page.download(() => page.getByTestId('navigator-save-png').click());
    const image = decode(png.bytes);
    const step = bf.axes.filter((a) => a.navigate).at(-1)!;
    const expected = composeFigure({
      rgba: renderRgba(stored, { cmap: 'viridis' }).rgba,
      rows: 24,
      cols: 32,
      width: 256,
      scalebar: { pixelSize: step.scale, units: step.units },
      colorbar: { cmap: 'viridis', range: renderRgba(stored, {}).range },
    });
    expect([image.width, image.height]).toEqual([256, expected.height]);
    writeFileSync(join(ARTIFACTS, 'viewer-figure.png'), png.bytes);
    const at = (x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * image.channels, (y * image.width + x) * image.channels + 3));
    // Image pixels (away from the scale bar's corner), the scale bar and the colour bar's ends are the figure composed here.
    const [sx, sy, sw, sh] = expected.boxes.scalebar!;
    const [cx, cy, cw, ch] = expected.boxes.colorbar!;
    const viridis = colormap('viridis');
    expect(at(200, 20)).toEqual(Array.from(expected.rgba.subarray((20 * 256 + 200) * 4, (20 * 256 + 200) * 4 + 3)));
    expect(at(sx + Math.floor(sw / 2), sy + Math.floor(sh / 2))).toEqual([255, 255, 255]);
    expect(at(cx, cy + 1)).toEqual(Array.from(viridis.subarray(0, 3)));
    expect(at(cx + cw - 1, cy + ch - 1)).toEqual(Array.from(viridis.subarray(765)));
    // A pixel width instead of a factor.
    await page.getByTestId('navigator-png-size').selectOption('1024');
    expect(decode((await page.download(() => page.getByTestId('navigator-save-png').click())).bytes).width).toBe(1024);

    const tiff = await page.download(() => page.getByTestId('navigator-save-tiff').click());
    const stack = await openTiffStack(new MemorySource(new Uint8Array(tiff.bytes), tiff.name));
    expect(Array.from((await stack.readPages(0, 1)) as Float64Array)).toEqual(Array.from(stored));
    expect(JSON.parse(stack.description)).toMatchObject({ pixel_size: step.scale, unit: step.units });
    const patternTiff = await page.download(() => page.getByTestId('pattern-save-tiff').click());
    const dp = bf.axes.filter((a) => !a.navigate).at(-1)!;
    const pattern = await openTiffStack(new MemorySource(new Uint8Array(patternTiff.bytes), patternTiff.name));
    expect(JSON.parse(pattern.description)).toMatchObject({ pixel_size: dp.scale, unit: dp.units });
    expect(pattern.resolution!.unit).toBe(3);
    expect(pattern.resolution!.x).toBeCloseTo(1 / dp.scale, 3);
    await page.getByTestId('navigator-cmap').selectOption('gray');
  }, 90_000);

  it('saves the radial profile as a PNG with axes and as CSV', async () => {
    const csv = await page.download(() => page.getByTestId('profile-save-csv').click());
    const lines = csv.bytes.toString('utf8').trim().split('\n');
    const profile = radialProfile(await bf.frameAt(7, 5), 64, 64, 31.5, 31.5);
    expect(lines[1]).toBe('radius_px,mean,pixels');
    expect(lines.length).toBe(2 + profile.radius.length);
    expect(lines[2].split(',').map(Number)).toEqual([0, profile.mean[0], profile.count[0]]);
    const saved = await page.download(() => page.getByTestId('profile-save-png').click());
    writeFileSync(join(ARTIFACTS, 'viewer-profile.png'), saved.bytes);
    const png = decode(saved.bytes);
    expect([png.width, png.height]).toEqual([1200, 800]);
    // White paper with a dark line and axes on it.
    const dark = (() => {
      let n = 0;
      for (let i = 0; i < png.width * png.height; i++) if (png.data[i * png.channels] < 128) n++;
      return n;
    })();
    expect(dark).toBeGreaterThan(2000);
    expect(dark).toBeLessThan(png.width * png.height * 0.2);
    expect(page.pageErrors).toEqual([]);
  }, 60_000);
});

describeInBrowsers('viewer layout in a 1024 × 700 window', (entry) => {
  let server: ViewServer;
  beforeAll(async () => {
    server = await startViewServer(large, { viewerDir: VIEWER });
  });
  afterAll(() => server?.close());

  it('shows the scan, the pattern and their controls without scrolling; the position marker shows on 256 × 256', async () => {
    const page = await (await browsers.get(entry)).newPage({ viewport: { width: 1024, height: 700 } });
    await page.goto(server.url);
    // A loaded machine (several test runs at once) can take a while to start the page.
    await expect.poll(() => page.getByTestId('navigator-label').textContent(), { timeout: 60_000 }).toMatch(/^(stored virtual bright field|mean intensity of each pattern)/);
    await expect.poll(() => page.getByTestId('pattern-label').textContent()).toBe('pattern at x 128 y 128');
    const ids = [
      'navigator-canvas', 'pattern-canvas', 'navigator-mode', 'pattern-mode', 'region-rect', 'detector-disk',
      'navigator-histogram', 'pattern-histogram', 'navigator-colorbar', 'pattern-colorbar',
      'navigator-cmap', 'navigator-scale', 'navigator-gamma', 'navigator-plo', 'navigator-phi', 'navigator-auto',
      'pattern-cmap', 'pattern-scale', 'pattern-gamma', 'pattern-plo', 'pattern-phi', 'pattern-auto',
      'navigator-save-png', 'navigator-png-size', 'navigator-save-tiff', 'pattern-save-png', 'pattern-png-size', 'pattern-save-tiff', 'position',
    ];
    const outside: string[] = [];
    for (const id of ids) {
      const b = await page.getByTestId(id).boundingBox();
      if (!b || b.width === 0 || b.x < 0 || b.y < 0 || b.x + b.width > 1024 || b.y + b.height > 700) outside.push(`${id} ${JSON.stringify(b)}`);
    }
    expect(outside).toEqual([]);
    // Side by side, images of a useful size.
    const scan = (await page.getByTestId('navigator-canvas').boundingBox())!;
    const pattern = (await page.getByTestId('pattern-canvas').boundingBox())!;
    expect(pattern.x).toBeGreaterThanOrEqual(scan.x + scan.width);
    expect(Math.min(scan.width, pattern.width)).toBeGreaterThan(250);
    expect(await page.getByTestId('info-details').getAttribute('open')).toBeNull();
    // The marker: a ring several screen pixels across around the position, inside the scan image.
    const ring = (await page.locator('[data-testid="navigator-overlay"] circle.marker').boundingBox())!;
    expect(ring.width).toBeGreaterThanOrEqual(8);
    const centre = await screenPoint(page, 'navigator', 128, 128, 256, 256);
    expect(Math.abs(ring.x + ring.width / 2 - centre.x)).toBeLessThan(1.5);
    expect(Math.abs(ring.y + ring.height / 2 - centre.y)).toBeLessThan(1.5);
    expect(ring.x).toBeGreaterThan(scan.x);
    expect(ring.y + ring.height).toBeLessThan(scan.y + scan.height);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-1024x700.png') });
    expect(page.pageErrors).toEqual([]);
    await page.close();
  }, 120_000);
});
