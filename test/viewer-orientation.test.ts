/**
 * Orientation maps in the viewer, in real Chromium (and the map from a link in
 * Firefox): a shipped example phase
 * added with one click, a small simulated copper scan indexed on the Web
 * Workers, and the map equal to `blo index`'s (the .npy of both: phases,
 * Euler angles, correlation, reliability, spots and beam centres to the
 * bit), the .ctf and
 * .ang equal to the CLI's, the overlay's spots where
 * the simulation puts them, the state in the link. Screenshots of the
 * orientation view go to test-artifacts/ for people to look at.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifPhase } from '../src/crystal/phase.js';
import { indexOrientations } from '../src/indexing/engine.js';
import { templateSimulator } from '../src/indexing/library.js';
import { quaternionToMatrix } from '../src/indexing/quaternion.js';
import { NPY_COLUMNS, phaseColour } from '../src/indexing/outputs.js';
import { openBlockfile } from '../src/node/open.js';
import { decodeNpy } from '../src/npy/npy.js';
import { startViewServer, type ViewServer } from '../src/node/view-server.js';
import { CHROMIUM, CHROMIUM_ARGS } from './helpers/browser.js';
import { BROWSERS, describeInBrowsers, sharedBrowsers, type TestBrowser } from './helpers/browsers.js';
import { blo, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const VIEWER = join(REPO_ROOT, 'dist', 'viewer');
const CU = join(REPO_ROOT, 'examples', 'Cu.cif');
// Small enough for a minute: 6 rows × 8 columns of 96-pixel patterns, a 2° library.
const PIXEL = '0.04';
const STEP = '2';

if (!CHROMIUM) console.warn('skipping the viewer orientation test: no chromium found (apt-get install chromium, or set CHROMIUM_PATH)');

describe.skipIf(!CHROMIUM)('orientation maps in the viewer', () => {
  const { dir, cleanup } = tempDir();
  const scan = join(dir, 'cu.blo');
  const out = (name: string) => join(dir, name);
  let browser: Browser;
  let server: ViewServer;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const demo = blo('demo', scan, '--phase', CU, '--scan', '6x8', '--size', '96', '--pixel-size', PIXEL, '--grains', '4', '--seed', '4');
    expect(demo.status, demo.stderr).toBe(0);
    const cli = blo('index', scan, '--phase', CU, '--pixel-size', PIXEL, '--resolution', STEP, '--workers', '2', '-o', out('cli.ctf'), '-o', out('cli.ang'), '-o', out('cli.npy'));
    expect(cli.status, cli.stderr).toBe(0);
    server = await startViewServer(scan, { viewerDir: VIEWER });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    cleanup();
  });

  async function download(testId: string): Promise<Buffer> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    return readFileSync(await file.path());
  }

  it('indexes with a shipped phase to the map blo index makes (every column to the bit) and writes the same .ctf and .ang', async () => {
    // A local File; the calibration from the link (as a typed or measured one would be).
    await page.goto(`${server.url.replace(/&file=.*/, '')}#cal=${PIXEL}`);
    await page.getByTestId('file-input').setInputFiles(scan);
    await page.getByTestId('pattern-label').filter({ hasText: 'pattern at' }).waitFor();
    await expect.poll(() => page.getByTestId('orientation-calibration').textContent()).toContain(`${PIXEL} Å⁻¹ per pixel`);
    await page.getByTestId('phase-example-Cu').click();
    await expect.poll(() => page.getByTestId('phase-summary-Cu').textContent()).toMatch(/^Cu · .* \(225\) · Laue m-3m · a 3\.615 Å$/);
    // The rings of the phase are on the pattern: {111} first, at |g| / calibration pixels.
    const ring = await page.getByTestId('orientation-rings').locator('circle').first().getAttribute('r');
    expect(Number(ring)).toBeCloseTo(Math.sqrt(3) / 3.615 / Number(PIXEL), 9);
    // The saved profile figure has the rings marked, in the phase's colour, as on screen.
    const profilePng = await download('profile-save-png');
    writeFileSync(join(ARTIFACTS, 'viewer-profile-rings.png'), profilePng);
    const profileFigure = decode(profilePng);
    const [r, g, b] = phaseColour(1);
    let marked = 0;
    for (let k = 0; k < profileFigure.data.length; k += profileFigure.channels) {
      const d = profileFigure.data;
      if (Math.abs(d[k] - r) + Math.abs(d[k + 1] - g) + Math.abs(d[k + 2] - b) < 30) marked++;
    }
    expect(marked).toBeGreaterThan(100);
    await page.getByTestId('index-resolution').fill(STEP);
    // Every status the run shows, as it shows it.
    await page.evaluate(() => {
      const status = document.querySelector('[data-testid="index-status"]')!;
      const seen: string[] = ((window as unknown as { statuses: string[] }).statuses = []);
      new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
    });
    await page.getByTestId('index-run').click();
    await expect.poll(() => page.getByTestId('index-status').textContent(), { timeout: 60_000 }).toMatch(/^indexed 48 patterns in .* Copper 100\.0 %/);
    expect(errors).toEqual([]);
    // Each pass counts the scan's 48 patterns, the search first, then the neighbours' pass.
    const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
    const counts = statuses.filter((t) => / of \d+ patterns…$/.test(t));
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((t) => /^(indexing|trying the neighbours' orientations): \d+ of 48 patterns…$/.test(t))).toBe(true);
    expect(counts.at(-1)).toBe("trying the neighbours' orientations: 48 of 48 patterns…");
    expect(counts).toContain('indexing: 48 of 48 patterns…');
    // Every column of the .npy to the bit, the Euler angles too: indexing uses src/crystal/exact-math.ts, not
    // Chromium's Math.sin, cos, atan2, acos, exp, pow (which differ from Node 20's in the last bit for some arguments).
    const viewer = decodeNpy(await download('orientation-save-npy')).data;
    const cli = decodeNpy(readFileSync(out('cli.npy'))).data;
    expect(viewer.length).toBe(48 * NPY_COLUMNS.length);
    NPY_COLUMNS.forEach((name, c) => {
      for (let i = 0; i < 48; i++) {
        const [v, w] = [Number(viewer[i * NPY_COLUMNS.length + c]), Number(cli[i * NPY_COLUMNS.length + c])];
        expect(v, `${name} at ${i}`).toBe(w);
      }
    });
    expect((await download('orientation-save-ctf')).toString('utf8')).toBe(readFileSync(out('cli.ctf'), 'utf8'));
    expect((await download('orientation-save-ang')).toString('utf8')).toBe(readFileSync(out('cli.ang'), 'utf8'));
    // The PNG: the map enlarged with its key to the right, on white.
    const figure = await download('orientation-save-png');
    writeFileSync(join(ARTIFACTS, 'viewer-orientation-map.png'), figure);
    const png = decode(figure);
    expect(png.width).toBeGreaterThan(8 * 64 + 200);
    expect(Array.from(png.data.subarray(0, 3))).toEqual([255, 255, 255]);
    // The link has the phase by name, what was indexed and the step.
    expect(new URL(page.url()).hash).toMatch(/phases=Cu.*index=all.*step=2/);
  }, 120_000);

  it('puts the best template\'s spots where the simulation does, and says what was found there', async () => {
    await page.getByTestId('orientation-overlay').scrollIntoViewIfNeeded();
    const box = (await page.getByTestId('orientation-overlay').boundingBox())!;
    const [x, y] = [5, 3];
    await page.getByTestId('orientation-overlay').click({ position: { x: ((x + 0.5) / 8) * box.width, y: ((y + 0.5) / 6) * box.height } });
    await expect.poll(() => page.getByTestId('position').textContent()).toContain(`x ${x} y ${y}`);
    await expect.poll(() => page.getByTestId('orientation-spots').locator('circle').count()).toBeGreaterThan(3);
    const circles = await page.getByTestId('orientation-spots').locator('circle').evaluateAll((els) =>
      els.map((e) => ({ x: Number(e.getAttribute('cx')), y: Number(e.getAttribute('cy')), hkl: e.getAttribute('data-hkl') })),
    );
    // The same map in Node (equal to the viewer's, as the first test shows), and the template simulated for its orientation.
    const cu = readCifPhase(readFileSync(CU, 'utf8'), CU);
    const bf = await openBlockfile(scan);
    const map = await indexOrientations(bf, [cu], { pixelSize: Number(PIXEL), resolution: Number(STEP) });
    await bf.close();
    const i = y * 8 + x;
    const sim = templateSimulator(cu, map.library);
    const pattern = sim.simulate(quaternionToMatrix(Array.from(map.quaternion.subarray(4 * i, 4 * i + 4))));
    const half = sim.center[0];
    const [cx, cy] = [map.center[2 * i], map.center[2 * i + 1]];
    const simulated = new Map<string, { x: number; y: number; r: number; intensity: number }>();
    for (let k = 0; k < pattern.count; k++) {
      const r = Math.hypot(pattern.x[k] - half, pattern.y[k] - half);
      simulated.set(Array.from(pattern.hkl.subarray(3 * k, 3 * k + 3)).join(' '), { x: pattern.x[k] - half + cx, y: pattern.y[k] - half + cy, r, intensity: pattern.intensity[k] });
    }
    const inTemplate = [...simulated.values()].filter((s) => s.r >= map.library.innerRadius && s.r <= map.library.radius && s.intensity > 0);
    expect(circles).toHaveLength(Math.min(map.library.maxSpots, inTemplate.length));
    for (const c of circles) {
      const s = simulated.get(c.hkl!);
      expect(s, c.hkl!).toBeDefined();
      // To the bit: the same orientation and the same arithmetic as in Node.
      expect(c.x, c.hkl!).toBe(s!.x);
      expect(c.y, c.hkl!).toBe(s!.y);
    }
    const euler = Array.from(map.euler.subarray(3 * i, 3 * i + 3), (v) => `${v.toFixed(2)}°`).join(' ');
    expect(await page.getByTestId('inspect-euler').textContent()).toBe(`Euler φ1 Φ φ2${euler}`);
    expect(await page.getByTestId('inspect-phase').textContent()).toBe('phaseCopper');
    expect(await page.getByTestId('inspect-zone').textContent()).toMatch(/^zone axis\[-?\d+ -?\d+ -?\d+\]/);
    expect(await page.getByTestId('inspect-correlation').textContent()).toBe(`correlation${map.correlation[i].toFixed(3)}`);
    // Arrow keys move the position, and the readout with it.
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('position').textContent()).toContain(`x ${x - 1} y ${y}`);
    await expect.poll(() => page.getByTestId('inspect-euler').textContent()).toBe(`Euler φ1 Φ φ2${Array.from(map.euler.subarray(3 * (i - 1), 3 * i), (v) => `${v.toFixed(2)}°`).join(' ')}`);
  }, 60_000);

  it('adds and removes a CIF of one\'s own, and shows each map with its key (and on the scan), at 1400 × 900 and 1024 × 700', async () => {
    for (const [kind, key] of [['phase', 'Copper'], ['reliability', 'reliability'], ['ipf-z', 'red [001], green [101], blue [111]']] as const) {
      await page.getByTestId('orientation-map-kind').selectOption(kind);
      await expect.poll(() => page.getByTestId('orientation-key').textContent()).toContain(key);
    }
    const pixels = await page.getByTestId('orientation-canvas').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
    // Every position indexed: no black pixel in the IPF map.
    for (let k = 0; k < pixels.length; k += 4) expect(pixels[k] + pixels[k + 1] + pixels[k + 2]).toBeGreaterThan(0);
    // A CIF of one's own (picked), one that is not a CIF (named), and × removing a phase.
    writeFileSync(join(dir, 'my-iron.cif'), readFileSync(join(REPO_ROOT, 'examples', 'ferrite.cif')));
    writeFileSync(join(dir, 'broken.cif'), 'data_x\n_cell_length_a nope\n');
    await page.getByTestId('phase-input').setInputFiles([join(dir, 'my-iron.cif'), join(dir, 'broken.cif')]);
    await expect.poll(() => page.getByTestId('phase-summary-my-iron').textContent()).toMatch(/\(229\) · Laue m-3m · a 2\.8/);
    await expect.poll(() => page.getByTestId('phase-note').textContent()).toContain('broken.cif');
    expect(new URL(page.url()).hash).toContain('phases=Cu,my-iron');
    await page.getByTestId('phase-remove-my-iron').click();
    expect(await page.getByTestId('phase-list').textContent()).not.toContain('my-iron');
    // Copper as pymatgen writes it, four atoms in P 1: the space group found from the atoms, as blo index finds it.
    writeFileSync(join(dir, 'cu-p1.cif'), readFileSync(join(REPO_ROOT, 'test', 'crystal-cifs', 'Cu-pymatgen-P1.cif')));
    await page.getByTestId('phase-input').setInputFiles(join(dir, 'cu-p1.cif'));
    await expect.poll(() => page.getByTestId('phase-summary-cu-p1').textContent(), { timeout: 30_000 }).toMatch(/F m -3 m \(225\), found from the atoms \(listed in P 1\) · Laue m-3m · a 3\.6/);
    await page.getByTestId('phase-remove-cu-p1').click();
    // The scan view shows the same map, with the same label.
    await page.getByTestId('navigator-mode').selectOption('orientation');
    await expect.poll(() => page.getByTestId('navigator-label').textContent()).toBe(await page.getByTestId('orientation-map-label').textContent());
    const onScan = await page.getByTestId('navigator-canvas').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
    expect(onScan).toEqual(pixels);
    // Coloured pixels: no colour bar, histogram, display range or display controls that would not describe them.
    const shown = () => page.evaluate(() => ['colorbar', 'histogram', 'view-controls', 'range'].map((c) => getComputedStyle(document.querySelector(`[data-testid="navigator-view-root"] .${c}`)!).display));
    expect(await shown()).toEqual(['none', 'none', 'none', 'none']);
    // The value under the cursor says what was found there, not the phase's number.
    await page.getByTestId('navigator-canvas').scrollIntoViewIfNeeded();
    const box = (await page.getByTestId('navigator-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.45);
    await expect.poll(() => page.getByTestId('navigator-value').textContent()).toMatch(/^x \d+ y \d+.*: Copper, φ1 Φ φ2 [\d.]+° [\d.]+° [\d.]+°, correlation 0\.\d{3}, reliability \d+ %$/);
    // The rings' labels, in the browser's own font: none overlaps another.
    const labels = await page.getByTestId('orientation-rings').locator('text').evaluateAll((ts) => ts.map((t) => (t as SVGTextElement).getBBox()).map((b) => [b.x, b.y, b.x + b.width, b.y + b.height]));
    expect(labels.length).toBeGreaterThanOrEqual(4);
    for (const [i, a] of labels.entries()) {
      for (const b of labels.slice(i + 1)) expect(a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1], `${a} and ${b}`).toBe(true);
    }
    await page.getByTestId('orientation-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-orientation-1400.png') });
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.getByTestId('orientation-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-orientation-1024.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-orientation-1024-full.png'), fullPage: true });
    // Back on a map of values: its display controls again.
    await page.getByTestId('navigator-mode').selectOption('computed');
    await expect.poll(async () => (await shown()).every((d) => d !== 'none')).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);

  it('reopens from the link: the phase by name, a region indexed', async () => {
    // The link of the whole scan's map, the region 2 ≤ x < 6, 1 ≤ y < 4 asked for instead.
    expect(page.url()).toContain('index=all');
    const link = page.url().replace('index=all', 'index=2,1,6,4');
    const again = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await again.goto(link);
      await again.getByTestId('file-input').setInputFiles(scan);
      await again.getByTestId('pattern-label').filter({ hasText: 'pattern at' }).waitFor();
      // The link's phases and index stay in the URL while the phase loads and the region is indexed.
      expect(new URL(again.url()).hash).toMatch(/phases=Cu.*index=2,1,6,4/);
      await expect.poll(() => again.getByTestId('phase-list').textContent(), { timeout: 30_000 }).toContain('Copper');
      await expect.poll(() => again.getByTestId('index-status').textContent(), { timeout: 60_000 }).toMatch(/^indexed 12 patterns/);
      expect(await again.getByTestId('orientation-map-label').textContent()).toBe('IPF along the beam (z) of x 2–5, y 1–3');
      // Outside the region: not indexed (black), inside: coloured.
      const pixels = await again.getByTestId('orientation-canvas').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 8; x++) {
          const k = 4 * (y * 8 + x);
          const inside = x >= 2 && x < 6 && y >= 1 && y < 4;
          expect(pixels[k] + pixels[k + 1] + pixels[k + 2] > 0, `${x}, ${y}`).toBe(inside);
        }
      }
      // A finer run, cancelled while it runs: the run stops, saying so, and the buttons come back.
      // Cancelled as soon as it shows: on an idle machine 48 patterns are matched faster than a test can click after the first progress.
      await again.getByTestId('index-resolution').fill('0.5');
      await again.getByTestId('index-run').click();
      await again.getByTestId('index-cancel').click({ timeout: 60_000 });
      await expect.poll(() => again.getByTestId('index-status').textContent()).toBe('indexing cancelled');
      expect(await again.getByTestId('index-cancel').isHidden()).toBe(true);
      expect(await again.getByTestId('orientation-panel').getAttribute('aria-busy')).toBe('false');
      expect(await again.getByTestId('link-note').textContent()).toBe('');
    } finally {
      await again.close();
    }
  }, 90_000);
});

// The same indexing in Firefox (through blo view, the phase, calibration and run from a link): its map equal to
// blo index's to the bit, so exact-math.ts holds in Firefox's JavaScript engine too.
const others = sharedBrowsers();
afterAll(() => others.close());

describeInBrowsers('orientation maps in the viewer', (entry) => {
  const { dir, cleanup } = tempDir();
  const scan = join(dir, 'cu.blo');
  let browser: TestBrowser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const demo = blo('demo', scan, '--phase', CU, '--scan', '6x8', '--size', '96', '--pixel-size', PIXEL, '--grains', '4', '--seed', '4');
    expect(demo.status, demo.stderr).toBe(0);
    const cli = blo('index', scan, '--phase', CU, '--pixel-size', PIXEL, '--resolution', STEP, '--workers', '2', '-o', join(dir, 'cli.npy'));
    expect(cli.status, cli.stderr).toBe(0);
    browser = await others.get(entry);
  }, 60_000);
  afterAll(() => cleanup());

  it('indexes from a link to the map blo index makes (every column to the bit)', async () => {
    const server = await startViewServer(scan, { viewerDir: VIEWER });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`${server.url}#cal=${PIXEL}&phases=Cu&step=${STEP}&index=all`);
      await expect.poll(() => page.getByTestId('index-status').textContent(), { timeout: 90_000 }).toMatch(/^indexed 48 patterns in .* Copper 100\.0 %/);
      const viewer = decodeNpy((await page.download(() => page.getByTestId('orientation-save-npy').click())).bytes).data;
      const cli = decodeNpy(readFileSync(join(dir, 'cli.npy'))).data;
      expect(viewer.length).toBe(48 * NPY_COLUMNS.length);
      NPY_COLUMNS.forEach((name, c) => {
        for (let i = 0; i < 48; i++) expect(Number(viewer[i * NPY_COLUMNS.length + c]), `${name} at ${i}`).toBe(Number(cli[i * NPY_COLUMNS.length + c]));
      });
      await page.getByTestId('orientation-panel').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, 'viewer-orientation-link.png') });
      expect(page.pageErrors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  }, 150_000);
}, BROWSERS.filter((b) => b.name === 'Firefox'));
