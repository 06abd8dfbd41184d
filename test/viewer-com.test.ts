/**
 * The viewer's centre of mass in real browsers, through `blo view` (the
 * passes run in the server, /api/analyze): threshold and mask, rotation and
 * flip, magnitude, direction as a colour wheel with its key, divergence and
 * curl, the least-curl rotation, all kept in the link.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourWheel, comFields, toScanAxes } from '../src/analysis/com-fields.js';
import { analyze } from '../src/analysis/engine.js';
import type { CenterOfMassOptions } from '../src/analysis/request.js';
import { renderRgba } from '../src/display/render.js';
import { openBlockfile } from '../src/node/open.js';
import { describeInBrowsers } from './helpers/browsers.js';
import { servedViewer } from './helpers/served-viewer.js';
import { tempDir } from './helpers/cli.js';
import { comFieldFile } from './helpers/com-field.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { formatHash, parseHash } from '../viewer/src/hash.js';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const { dir, cleanup } = tempDir();
const file = join(dir, 'swirl.blo');
const ROWS = 12;
const COLS = 16;
const K = 0.1;
const STEP = 5;
const PASS: CenterOfMassOptions = { threshold: 4, mask: { kind: 'disk', cx: 15.5, cy: 15.5, r: 14 } };
/** The centre of mass the library finds with PASS. */
let maps: { x: Float64Array; y: Float64Array };

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // A swirl in scan axes (curl 2K per 5 nm step), seen through pattern axes turned by −30°.
  const { bytes } = await comFieldFile(ROWS, COLS, 32, (x, y) => {
    const t = toScanAxes([-K * (y - 5.5)], [K * (x - 7.5)], -30);
    return [t.x[0], t.y[0]];
  }, STEP);
  writeFileSync(file, bytes);
  const bf = await openBlockfile(file);
  maps = (await analyze(bf, { centerOfMass: PASS })).centerOfMass!;
  await bf.close();
});
afterAll(() => cleanup());

describe('the centre of mass in the link', () => {
  it('reads and writes rotation, flip, threshold, mask and the new views; names what it cannot read', () => {
    const { state, ignored } = parseHash('#show=com-curl&comrot=-12.5&comflip=1&comthreshold=4&commask=annulus:15.5,15.5,3,14');
    expect(ignored).toEqual([]);
    expect(state).toEqual({ show: 'com-curl', com: { rotation: -12.5, flip: true, threshold: 4, mask: { kind: 'annulus', cx: 15.5, cy: 15.5, r1: 3, r2: 14 } } });
    expect(formatHash(state)).toBe('#show=com-curl&comrot=-12.5&comflip=1&comthreshold=4&commask=annulus:15.5,15.5,3,14');
    // Defaults are left out.
    expect(formatHash({ com: { rotation: 0, flip: false } })).toBe('');
    const bad = parseHash('#comrot=ten&comflip=yes&comthreshold=&commask=disk:1,2&show=com-speed');
    expect(bad.ignored).toEqual(['comrot=ten', 'comflip=yes', 'comthreshold=', 'commask=disk:1,2', 'show=com-speed']);
    expect(bad.state).toEqual({});
  });
});

describeInBrowsers('viewer centre of mass', (entry) => {
  const viewer = servedViewer(entry, file, { workers: 2 });

  const label = () => viewer.page.getByTestId('navigator-label').textContent();
  const pixels = () =>
    viewer.page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="navigator-canvas"]') as HTMLCanvasElement;
      return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
    });
  /** The navigator's readout of the value at scan position (x, y), hovered. */
  async function valueAt(x: number, y: number): Promise<number> {
    const box = (await viewer.page.getByTestId('navigator-overlay').boundingBox())!;
    await viewer.page.mouse.move(box.x + ((x + 0.5) / COLS) * box.width, box.y + ((y + 0.5) / ROWS) * box.height);
    let text = '';
    await expect.poll(async () => (text = (await viewer.page.getByTestId('navigator-value').textContent()) ?? '')).toMatch(new RegExp(`^x ${x} y ${y}\\b.*: `));
    return parseFloat(text.slice(text.lastIndexOf(': ') + 2));
  }
  /** Types into one of the panel's inputs, as a user does (a change event when done). */
  const type = (testId: string, value: string) =>
    viewer.page.evaluate(
      ([id, v]) => {
        const input = document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement;
        input.value = v;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      },
      [testId, value] as [string, string],
    );

  it('opens a link with the shift magnitude at a rotation, with threshold and mask passed to the server', async () => {
    await viewer.page.goto(`${viewer.server.url}#show=com-magnitude&comthreshold=4&commask=disk:15.5,15.5,14&comrot=30`);
    // Generous: the first pass starts the server's workers, on a machine that may be busy.
    await expect.poll(label, { timeout: 90_000 }).toMatch(/^centre-of-mass shift \(pattern pixels\), rotation 30°, from \(.*\); threshold 4, inside disk/);
    const expected = comFields(maps, ROWS, COLS, { rotation: 30, step: [STEP, STEP] });
    expect(await pixels()).toEqual(Array.from(renderRgba(expected.magnitude, {}).rgba));
    expect(await viewer.page.getByTestId('com-threshold').inputValue()).toBe('4');
    expect(await viewer.page.getByTestId('com-rotation').inputValue()).toBe('30');
    // The mask is outlined on the pattern.
    expect(await viewer.page.getByTestId('com-mask-outline').getAttribute('class')).toBe('com-mask');
    // The magnitude is the swirl's: K times the distance from the scan centre (to the 4 digits shown).
    expect(await valueAt(15, 5)).toBeCloseTo(K * Math.hypot(7.5, 0.5), 3);
  }, 120_000);

  it('shows the curl: 2K per 5 nm at the right rotation, cos 30° of it without; the link follows', async () => {
    await viewer.page.getByTestId('navigator-mode').selectOption('com-curl');
    await expect.poll(label).toMatch(/^centre-of-mass curl \(pattern pixels per nm\), rotation 30°/);
    expect(await valueAt(4, 4)).toBeCloseTo((2 * K) / STEP, 4);
    await type('com-rotation', '0');
    await expect.poll(label).toMatch(/rotation 0°/);
    expect(await valueAt(4, 4)).toBeCloseTo(((2 * K) / STEP) * Math.cos(Math.PI / 6), 4);
    const hash = await viewer.page.evaluate(() => location.hash);
    expect(hash).toMatch(/show=com-curl/);
    expect(hash).toMatch(/comthreshold=4/);
    expect(hash).toMatch(/commask=disk:15.5,15.5,14/);
    expect(hash).not.toMatch(/comrot=/);
    await viewer.page.getByTestId('navigator-mode').selectOption('com-divergence');
    await expect.poll(label).toMatch(/^centre-of-mass divergence/);
    expect(await valueAt(4, 4)).toBeCloseTo(((-2 * K) / STEP) * Math.sin(-Math.PI / 6), 4);
  }, 60_000);

  it('finds the rotation with the least curl (the swirl turned into a radial field) and flips', async () => {
    await viewer.page.getByTestId('com-least-curl').click();
    await expect.poll(() => viewer.page.getByTestId('com-rotation').inputValue()).toBe('120');
    expect(await viewer.page.getByTestId('com-note').textContent()).toMatch(/least curl at 120° .* 300° gives the same curl and the opposite divergence/);
    // The divergence, shown now: the swirl turned by 90° points inwards everywhere.
    expect(await valueAt(4, 4)).toBeCloseTo((-2 * K) / STEP, 4);
    await viewer.page.getByTestId('com-flip').click();
    await expect.poll(label).toMatch(/rotation 120°, flipped/);
    expect(await viewer.page.evaluate(() => location.hash)).toMatch(/comrot=120&comflip=1/);
  }, 60_000);

  it('draws the direction as a colour wheel with its key', async () => {
    await type('com-rotation', '30');
    await viewer.page.getByTestId('com-flip').click();
    await viewer.page.getByTestId('navigator-mode').selectOption('com-direction');
    await expect.poll(label).toMatch(/^centre-of-mass direction \(degrees from \+x towards \+y; colours: the key\), rotation 30°/);
    const fields = comFields(maps, ROWS, COLS, { rotation: 30 });
    expect(await pixels()).toEqual(Array.from(colourWheel(fields.x, fields.y).rgba));
    expect(await viewer.page.getByTestId('com-key-box').getAttribute('hidden')).toBeNull();
    expect(await viewer.page.getByTestId('com-key-text').textContent()).toMatch(/hue: direction .* full at [\d.]+ px/);
    // The readout gives the direction in degrees: the swirl at (15, 5) turns towards +y.
    expect(await valueAt(15, 5)).toBeCloseTo((Math.atan2(7.5, 0.5) * 180) / Math.PI, 1);
    // … and the shift, which the wheel's brightness shows.
    const text = await viewer.page.getByTestId('navigator-value').textContent();
    expect(text).toMatch(/: [\d.]+°, shift [\d.]+ px$/);
    expect(Number(/shift ([\d.]+) px/.exec(text!)![1])).toBeCloseTo(fields.magnitude[5 * COLS + 15], 2);
    await viewer.page.screenshot({ path: join(ARTIFACTS, 'viewer-com-wheel.png') });
    // Its PNG figure is the wheel too, without a colour bar (the key says what the colours mean).
    const download = await viewer.page.download(() => viewer.page.getByTestId('navigator-save-png').click());
    const png = decode(download.bytes);
    const factor = png.width / COLS;
    expect(png.height).toBe(ROWS * factor);
    const at = ((5 * factor + factor / 2) * png.width + 15 * factor + factor / 2) * png.channels;
    const wheel = colourWheel(fields.x, fields.y).rgba;
    expect([...png.data.subarray(at, at + 3)]).toEqual([...wheel.subarray((5 * COLS + 15) * 4, (5 * COLS + 15) * 4 + 3)]);
    // Back to a plain map: the key goes.
    await viewer.page.getByTestId('navigator-mode').selectOption('com-x');
    await expect.poll(label).toMatch(/^centre of mass x \(pixels\); threshold 4/);
    expect(await viewer.page.getByTestId('com-key-box').getAttribute('hidden')).not.toBeNull();
  }, 60_000);

  it('computes again when the threshold or the mask changes', async () => {
    await viewer.page.getByTestId('com-mask').selectOption('all');
    await expect.poll(label, { timeout: 30_000 }).toMatch(/^centre of mass x \(pixels\); threshold 4$/);
    await type('com-threshold', '');
    await expect.poll(label, { timeout: 30_000 }).toBe('centre of mass x (pixels)');
    const bf = await openBlockfile(file);
    const plain = (await analyze(bf, { centerOfMass: true })).centerOfMass!;
    await bf.close();
    expect(await pixels()).toEqual(Array.from(renderRgba(plain.x, {}).rgba));
    expect(await viewer.page.evaluate(() => location.hash)).not.toMatch(/comthreshold|commask/);
    expect(await viewer.page.evaluate(() => document.querySelectorAll('[data-testid="com-mask-outline"]').length)).toBe(0);
    // The mask from the detector drawn (here given by the link).
    await viewer.page.evaluate(() => {
      location.hash = '#virtual=disk:15.5,15.5,14&show=com-x';
    });
    await expect.poll(() => viewer.page.getByTestId('detector').textContent()).toMatch(/^disk cx 15.5 cy 15.5 r 14/);
    await viewer.page.getByTestId('com-mask').selectOption('detector');
    await type('com-threshold', '4');
    await expect.poll(label, { timeout: 30_000 }).toMatch(/^centre of mass x \(pixels\); threshold 4, inside disk cx 15.5 cy 15.5 r 14$/);
    await expect.poll(() => viewer.page.getByTestId('navigator-view-root').getAttribute('aria-busy')).toBe('false');
    expect(await pixels()).toEqual(Array.from(renderRgba(maps.x, {}).rgba));
    expect(viewer.page.pageErrors).toEqual([]);
  }, 60_000);
});
