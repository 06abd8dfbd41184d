/**
 * Calibrated reciprocal space in the viewer, in real headless Chromium and Firefox:
 * typing Å⁻¹ per pixel turns the cursor readout, detector readout and
 * numbers, scale bar and radial profile into Å⁻¹ (and mrad at the file's
 * 200 kV); measuring on a ring of a simulated copper scan gives the
 * calibration it was simulated with; the calibration survives a reload
 * (per file) and comes with a link (cal=); the arrow keys nudge the
 * detector while the pattern has focus, and move the scan position otherwise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reciprocalToMrad } from '../src/crystal/calibration.js';
import { describeInBrowsers, type TestPage } from './helpers/browsers.js';
import { servedViewer } from './helpers/served-viewer.js';
import { blo, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const { dir, cleanup } = tempDir();
const file = join(dir, 'copper.blo');
/** What the scan is simulated with: Å⁻¹ per pixel, and copper's 111 spacing (a = 3.615 Å). */
const PER_PIXEL = 0.025;
const D111 = 3.615 / Math.sqrt(3);
const N = 128;

beforeAll(() => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Many small grains, so that the sum pattern shows rings.
  const made = blo('demo', file, '--phase', join(REPO_ROOT, 'examples', 'Cu.cif'), '--scan', '24x24', '--size', String(N), '--pixel-size', String(PER_PIXEL), '--grains', '200', '--seed', '3');
  if (made.status !== 0) throw new Error(made.stderr);
}, 120_000);
afterAll(() => cleanup());

describeInBrowsers('viewer calibration', (entry) => {
  const viewer = servedViewer(entry, file);

  /** Screen point of pattern pixel (x, y). */
  async function onPattern(p: TestPage, x: number, y: number): Promise<{ x: number; y: number }> {
    const box = (await p.getByTestId('pattern-overlay').boundingBox())!;
    return { x: box.x + ((x + 0.5) / N) * box.width, y: box.y + ((y + 0.5) / N) * box.height };
  }

  async function drag(p: TestPage, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
    await p.mouse.move(from.x, from.y);
    await p.mouse.down();
    await p.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 3 });
    await p.mouse.move(to.x, to.y, { steps: 3 });
    await p.mouse.up();
  }

  async function open(p: TestPage, hash = ''): Promise<void> {
    await p.goto(`${viewer.server.url}${hash}`);
    await expect.poll(() => p.getByTestId('pattern-label').textContent(), { timeout: 30_000 }).toBe('pattern at x 12 y 12');
  }

  const text = (p: TestPage, id: string) => p.getByTestId(id).textContent();

  /** The pattern's q-axis labels along an edge ('top' or 'right'): text and position. */
  const axesLabels = (p: TestPage, edge: string) =>
    p.evaluate(
      (e) => Array.from(document.querySelectorAll(`[data-testid="pattern-axes"] .tick-label.${e}`), (el) => [el.textContent ?? '', Number(parseFloat((el as HTMLElement).style[e === 'top' ? 'left' : 'top']).toFixed(2))]),
      edge,
    );

  it('uncalibrated: pixels, with the header estimate offered as an estimate', async () => {
    await open(viewer.page);
    expect(await text(viewer.page, 'calibration-status')).toMatch(/^uncalibrated: pattern distances in pixels \(the header suggests ≈ 0\.025 Å⁻¹ per pixel, an estimate\)$/);
    expect(await viewer.page.getByTestId('calibration-estimate').getAttribute('title')).toMatch(/^0\.025 Å⁻¹ per pixel, estimated from the header: .*SDP .*camera length 200\.0 mm and 200 kV$/);
    const at = await onPattern(viewer.page, 73, 63);
    await viewer.page.mouse.move(at.x, at.y);
    await expect.poll(() => text(viewer.page, 'pattern-cursor')).toBe('x 73 y 63 · 9.513 px from the pattern centre');
    await expect.poll(() => viewer.page.getByTestId('profile').getAttribute('aria-label')).toMatch(/^radial profile about the pattern centre, radius 0 to [\d.]+ px$/);
    // No calibration, no q axes.
    expect(await axesLabels(viewer.page, 'top')).toEqual([]);
  }, 90_000);

  it('typed in: Å⁻¹ and mrad in the cursor, detector, its numbers, scale bar, profile and link', async () => {
    await viewer.page.getByTestId('calibration-value').fill('0.025');
    await viewer.page.getByTestId('calibration-value').press('Enter');
    await expect.poll(() => text(viewer.page, 'calibration-status')).toBe('0.025 Å⁻¹ per pixel, typed in');
    const at = await onPattern(viewer.page, 73, 63);
    await viewer.page.mouse.move(at.x, at.y - 1);
    await viewer.page.mouse.move(at.x, at.y);
    const k = Math.hypot(9.5, 0.5) * PER_PIXEL;
    const mrad = Number(reciprocalToMrad(k, 200_000).toPrecision(4));
    await expect.poll(() => text(viewer.page, 'pattern-cursor')).toBe(`x 73 y 63 · ${Number(k.toPrecision(4))} Å⁻¹ (${mrad} mrad) from the pattern centre · qx 0.2375 qy -0.0125 Å⁻¹`);
    expect(await text(viewer.page, 'pattern-scalebar')).toMatch(/Å⁻¹$/);
    await expect.poll(() => viewer.page.getByTestId('profile').getAttribute('aria-label')).toMatch(/^radial profile about the pattern centre, radius 0 to [\d.]+ Å⁻¹ \([\d.]+ mrad\)$/);
    expect(await viewer.page.getByTestId('profile').getAttribute('data-units')).toBe('Å⁻¹, mrad');
    // q axes along the pattern's edges: ticks at whole Å⁻¹ about the pattern centre (63.5 of 0…127, ±1.6 Å⁻¹ across).
    // (percent of the width, to 0.01)
    const tickAt = (q: number) => Number((((63.5 + q / PER_PIXEL + 0.5) / N) * 100).toFixed(2));
    await expect.poll(() => axesLabels(viewer.page, 'top')).toEqual([['-1', tickAt(-1)], ['0', 50], ['1', tickAt(1)]]);
    expect((await axesLabels(viewer.page, 'right')).map(([t]) => t)).toEqual(['-1', '0', '1']);
    expect(await text(viewer.page, 'pattern-axes')).toMatch(/qx → · qy ↓ \(Å⁻¹\)$/);
    // The profile as drawn (radius in Å⁻¹ below, mrad along the top), to look at.
    const profilePng = await viewer.page.evaluate(() => (document.querySelector('[data-testid="profile"]') as HTMLCanvasElement).toDataURL('image/png'));
    writeFileSync(join(ARTIFACTS, `viewer-profile-calibrated${viewer.page.browser === 'Firefox' ? '-firefox' : ''}.png`), Buffer.from(profilePng.split(',')[1], 'base64'));

    // A disk detector: its radius in Å⁻¹ beside the pixels, its numbers typed in Å⁻¹.
    await viewer.page.getByTestId('detector-disk').click();
    await drag(viewer.page, await onPattern(viewer.page, 63.5, 63.5), await onPattern(viewer.page, 63.5 + 6, 63.5));
    await expect.poll(() => text(viewer.page, 'detector')).toBe(`disk cx 63.5 cy 63.5 r 6 · r 0.15 Å⁻¹ (${Number(reciprocalToMrad(0.15, 200_000).toPrecision(4))} mrad)`);
    expect(await viewer.page.getByTestId('detector-input-r').inputValue()).toBe('0.15');
    expect(await viewer.page.getByTestId('detector-input-cx').inputValue()).toBe('63.5');
    await viewer.page.getByTestId('detector-input-r').fill('0.2');
    await viewer.page.getByTestId('detector-input-r').press('Enter');
    await expect.poll(() => text(viewer.page, 'detector')).toMatch(/^disk cx 63\.5 cy 63\.5 r 8 · r 0\.2 Å⁻¹ \(/);
    await expect.poll(() => text(viewer.page, 'navigator-label'), { timeout: 30_000 }).toBe('virtual image: disk cx 63.5 cy 63.5 r 8');
    await viewer.page.getByTestId('detector-input-cx').fill('60');
    await viewer.page.getByTestId('detector-input-cx').press('Enter');
    await expect.poll(() => text(viewer.page, 'navigator-label'), { timeout: 30_000 }).toBe('virtual image: disk cx 60 cy 63.5 r 8');
    // A typed value that cannot be: refused, saying why, nothing changed.
    await viewer.page.getByTestId('detector-input-r').fill('-1');
    await viewer.page.getByTestId('detector-input-r').press('Enter');
    await expect.poll(() => text(viewer.page, 'detector-input-note')).toBe('r -1 Å⁻¹ not applied: the radius must be ≥ 0');
    expect(await text(viewer.page, 'detector')).toMatch(/^disk cx 60 cy 63\.5 r 8 /);
    expect(new URL(viewer.page.url()).hash).toMatch(/virtual=disk:60,63\.5,8/);
    expect(new URL(viewer.page.url()).hash).toMatch(/cal=0\.025/);
    await viewer.page.screenshot({ path: join(ARTIFACTS, 'viewer-calibration-typed.png') });
  }, 120_000);

  it('arrow keys nudge the detector while the pattern has focus (Shift: 10 px), the scan position otherwise', async () => {
    const position = await text(viewer.page, 'position');
    // Clicking the detector (no drag) gives the pattern focus.
    const centre = await onPattern(viewer.page, 60, 63.5);
    await viewer.page.mouse.click(centre.x, centre.y);
    expect(await viewer.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('pattern-overlay');
    await viewer.page.keyboard.press('ArrowRight');
    await viewer.page.keyboard.press('ArrowRight');
    await viewer.page.keyboard.press('Shift+ArrowUp');
    await expect.poll(() => text(viewer.page, 'detector')).toMatch(/^disk cx 62 cy 53\.5 r 8 /);
    await expect.poll(() => text(viewer.page, 'navigator-label'), { timeout: 30_000 }).toBe('virtual image: disk cx 62 cy 53.5 r 8');
    expect(await viewer.page.getByTestId('detector-input-cx').inputValue()).toBe('62');
    expect(await text(viewer.page, 'position')).toBe(position);
    // On the scan, the arrows move the position again, and not the detector.
    const box = (await viewer.page.getByTestId('navigator-overlay').boundingBox())!;
    await viewer.page.mouse.click(box.x + (5.5 / 24) * box.width, box.y + (7.5 / 24) * box.height);
    await expect.poll(() => text(viewer.page, 'position')).toMatch(/^x 5 y 7 \(pinned\)/);
    await viewer.page.keyboard.press('ArrowRight');
    await expect.poll(() => text(viewer.page, 'position')).toMatch(/^x 6 y 7 \(pinned\)/);
    expect(await text(viewer.page, 'detector')).toMatch(/^disk cx 62 cy 53\.5 r 8 /);
  }, 90_000);

  it('is remembered for the file after a reload, with or without the link', async () => {
    await viewer.page.reload();
    await expect.poll(() => text(viewer.page, 'calibration-status'), { timeout: 30_000 }).toBe('0.025 Å⁻¹ per pixel, typed in');
    await expect.poll(() => text(viewer.page, 'detector')).toMatch(/^disk cx 62 cy 53\.5 r 8 · r 0\.2 Å⁻¹/);
    await open(viewer.page);
    expect(new URL(viewer.page.url()).hash).toBe('#cal=0.025');
    expect(await text(viewer.page, 'calibration-status')).toBe('0.025 Å⁻¹ per pixel, typed in');
    // Cleared: pixels again, and forgotten.
    await viewer.page.getByTestId('calibration-clear').click();
    await expect.poll(() => text(viewer.page, 'calibration-status')).toMatch(/^uncalibrated/);
    await open(viewer.page);
    expect(await text(viewer.page, 'calibration-status')).toMatch(/^uncalibrated/);
  }, 90_000);

  it('comes with a link (cal=) in a browser that has never seen the file, without being remembered there', async () => {
    const other = await viewer.browser.newPage({ viewport: { width: 1500, height: 950 } });
    try {
      await open(other, '#cal=0.02&virtual=annulus:63.5,63.5,10,20');
      await expect.poll(() => text(other, 'calibration-status')).toBe('0.02 Å⁻¹ per pixel, from the link');
      await expect.poll(() => text(other, 'detector')).toMatch(/^annulus cx 63\.5 cy 63\.5 r1 10 r2 20 · r1 0\.2 Å⁻¹ \([\d.]+ mrad\) · r2 0\.4 Å⁻¹ \([\d.]+ mrad\)$/);
      expect(await other.getByTestId('detector-input-r2').inputValue()).toBe('0.4');
      await open(other);
      expect(await text(other, 'calibration-status')).toMatch(/^uncalibrated/);
    } finally {
      await other.close();
    }
  }, 90_000);

  it('measures on a ring of the sum pattern: copper 111 gives the simulated 0.025 Å⁻¹ per pixel within 1 %', async () => {
    const other = await viewer.browser.newPage({ viewport: { width: 1500, height: 950 } });
    try {
      await open(other);
      await other.getByTestId('calibration-measure').click();
      await expect.poll(() => text(other, 'pattern-label'), { timeout: 30_000 }).toMatch(/^sum of the whole scan \(576 patterns\)$/);
      // A circle drawn by hand, a little inside the 111 ring (19.2 px).
      await drag(other, await onPattern(other, 63.5, 63.5), await onPattern(other, 63.5 + 18.5, 63.5));
      await expect.poll(() => text(other, 'calibration-ring')).toMatch(/^ring about \(63\.5, 63\.5\): r [\d.]+ px \(drawn 18\.5, refined to the profile's peak\)$/);
      await other.screenshot({ path: join(ARTIFACTS, 'viewer-calibration-measure.png') });
      await other.getByTestId('calibration-d').fill(String(D111));
      await other.getByTestId('calibration-apply').click();
      await expect.poll(() => text(other, 'calibration-status')).toMatch(/ Å⁻¹ per pixel, measured on a ring of radius [\d.]+ px \(refined from the drawn 18\.5 px\) about \(63\.5, 63\.5\) of the sum of the whole scan \(576 patterns\), d = 2\.087/);
      const perPixel = Number(await other.getByTestId('calibration-value').inputValue());
      expect(Math.abs(perPixel / PER_PIXEL - 1), `measured ${perPixel}`).toBeLessThan(0.01);
      // The detector tool works again after measuring (no ring left behind).
      expect(await other.getByTestId('calibration-measuring').isHidden()).toBe(true);
      // And the header's estimate, labelled as one.
      await other.getByTestId('calibration-estimate').click();
      await expect.poll(() => text(other, 'calibration-status')).toMatch(/^0\.025 Å⁻¹ per pixel, estimate from header: 0\.01254 cm per pixel \(SDP 7975\) at camera length 200\.0 mm and 200 kV$/);
      await other.screenshot({ path: join(ARTIFACTS, 'viewer-calibration-estimate.png') });
    } finally {
      await other.close();
    }
    const errors = [...viewer.page.pageErrors, ...viewer.page.consoleErrors, ...other.pageErrors];
    expect(errors, errors.join('\n')).toEqual([]);
  }, 120_000);

  it("measures on a reflection of a phase: the shipped copper, loaded from the control into the orientation panel's list, {111} picked", async () => {
    const other = await viewer.browser.newPage({ viewport: { width: 1500, height: 950 } });
    const options = () => other.evaluate(() => Array.from(document.querySelectorAll<HTMLOptionElement>('[data-testid="calibration-reflection"] option'), (o) => `${o.value} = ${o.text}`));
    try {
      await open(other);
      await other.getByTestId('calibration-measure').click();
      await expect.poll(() => text(other, 'pattern-label'), { timeout: 30_000 }).toMatch(/^sum of the whole scan \(576 patterns\)$/);
      // No phase yet: the shipped examples are offered.
      expect(await options()).toContain('example|Cu = load example Cu');
      await other.getByTestId('calibration-reflection').selectOption('example|Cu');
      // Loaded into the orientation panel's list, and its reflections listed (strongest families, largest d first).
      await expect.poll(() => other.getByTestId('phase-Cu').isHidden(), { timeout: 15_000 }).toBe(false);
      await expect.poll(async () => (await options()).some((o) => o.endsWith(' = Copper {111} d = 2.087 Å')), { timeout: 15_000 }).toBe(true);
      const listed = (await options()).filter((o) => o.startsWith('Cu|'));
      const d111 = Number(listed.find((o) => o.includes('{111}'))!.split(' = ')[0].split('|')[2]);
      expect(Math.abs(d111 / D111 - 1)).toBeLessThan(1e-4);
      expect(listed.map((o) => o.replace(/^.* = Copper /, '').replace(/ d = .*/, '')).slice(0, 3)).toEqual(['{111}', '{200}', '{220}']);
      expect(listed.find((o) => o.includes('{200}'))).toMatch(/ d = 1\.80[78] Å$/);
      // A circle drawn by hand a little outside the 111 ring (19.2 px), then {111} picked: applied at once.
      await drag(other, await onPattern(other, 63.5, 63.5), await onPattern(other, 63.5 + 20, 63.5));
      await expect.poll(() => text(other, 'calibration-ring')).toMatch(/^ring about \(63\.5, 63\.5\): r [\d.]+ px \(drawn 20, refined to the profile's peak\)$/);
      await other.getByTestId('calibration').scrollIntoViewIfNeeded();
      await other.screenshot({ path: join(ARTIFACTS, 'viewer-calibration-reflection.png') });
      await other.getByTestId('calibration-reflection').selectOption(`Cu|{111}|${d111}`);
      await expect
        .poll(() => text(other, 'calibration-status'))
        .toMatch(/ Å⁻¹ per pixel, measured on Copper \{111\} \(d = 2\.087 Å\), ring radius [\d.]+ px \(refined from the drawn 20 px\) about \(63\.5, 63\.5\) of the sum of the whole scan \(576 patterns\)$/);
      const perPixel = Number(await other.getByTestId('calibration-value').inputValue());
      expect(Math.abs(perPixel / PER_PIXEL - 1), `measured ${perPixel}`).toBeLessThan(0.01);
      expect(await other.getByTestId('calibration-measuring').isHidden()).toBe(true);
      expect(await other.getByTestId('calibration-d').inputValue()).toBe(String(Number(d111.toPrecision(6))));
      await other.screenshot({ path: join(ARTIFACTS, 'viewer-calibration-reflection-applied.png') });
      const errors = [...other.pageErrors, ...other.consoleErrors];
      expect(errors, errors.join('\n')).toEqual([]);
    } finally {
      await other.close();
    }
  }, 120_000);
});
