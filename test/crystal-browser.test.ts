/**
 * The crystallography core in real Chromium: a CIF read, reflection families,
 * a simulated pattern (equal to Node's, to the bit) and moyo's WebAssembly finding the
 * space group of a P 1 listing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoneAxisOrientation } from '../src/crystal/orientation.js';
import { readCifPhase } from '../src/crystal/phase.js';
import { PatternSimulator } from '../src/crystal/simulate.js';
import { reflectionFamilies } from '../src/crystal/structure-factor.js';
import { CHROMIUM, CHROMIUM_ARGS, serveForBrowser } from './helpers/browser.js';
import { REPO_ROOT } from './helpers/fixtures.js';

if (!CHROMIUM) console.warn('skipping the crystallography browser test: no chromium found');

// The page maps moyo's bare module name as a bundler would.
const PAGE = `<!doctype html><meta charset="utf-8"><title>crystal</title>
<script type="importmap">{ "imports": { "@spglib/moyo-wasm": "/node_modules/@spglib/moyo-wasm/moyo_wasm.js" } }</script>`;

const PAGE_CODE = `async () => {
  const m = await import('/dist/index.js');
  const text = async (path) => (await fetch(path)).text();
  const cu = m.readCifPhase(await text('/examples/Cu.cif'), 'Cu.cif');
  const families = m.reflectionFamilies(cu, 1).map((f) => [f.hkl.join(','), f.multiplicity, f.f2]);
  const sim = new m.PatternSimulator(cu, { size: 128, pixelSize: 0.02 });
  const p = sim.simulate(m.zoneAxisOrientation(cu.lattice, [0, 1, 1]).matrix);
  await m.initSymmetryFinder('/node_modules/@spglib/moyo-wasm/moyo_wasm_bg.wasm');
  const p1 = m.withSymmetryFromAtoms(m.readCifPhase(await text('/test/crystal-cifs/ZnO-pymatgen-P1.cif'), 'ZnO'));
  return { families, x: Array.from(p.x), y: Array.from(p.y), intensity: Array.from(p.intensity), spaceGroup: p1.spaceGroup, laue: p1.laueGroup };
}`;

describe.skipIf(!CHROMIUM)('crystallography in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveForBrowser>>;

  beforeAll(async () => {
    server = await serveForBrowser(REPO_ROOT, { '/crystal.html': new TextEncoder().encode(PAGE) });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('reads, simulates and finds symmetry as in Node', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.origin}/crystal.html`);
    const result = (await page.evaluate(`(${PAGE_CODE})()`)) as {
      families: [string, number, number][];
      x: number[];
      y: number[];
      intensity: number[];
      spaceGroup: { number: number; symbol: string; source: string };
      laue: string;
    };
    expect(errors).toEqual([]);
    const cu = readCifPhase(readFileSync(join(REPO_ROOT, 'examples', 'Cu.cif'), 'utf8'), 'Cu.cif');
    // Equal to the bit: the simulation uses exact-math.ts, not Math.exp and Math.cos (whose last bits differ in Chromium).
    const same = (ours: ArrayLike<number>, theirs: number[]) => expect(theirs).toEqual(Array.from(ours));
    const families = reflectionFamilies(cu, 1);
    expect(result.families.map(([hkl, m]) => [hkl, m])).toEqual(families.map((f) => [f.hkl.join(','), f.multiplicity]));
    same(families.map((f) => f.f2), result.families.map(([, , f2]) => f2));
    const p = new PatternSimulator(cu, { size: 128, pixelSize: 0.02 }).simulate(zoneAxisOrientation(cu.lattice, [0, 1, 1]).matrix);
    expect(p.count).toBeGreaterThan(10);
    same(p.x, result.x);
    same(p.y, result.y);
    same(p.intensity, result.intensity);
    expect(result.spaceGroup).toMatchObject({ number: 186, symbol: 'P 63 m c', source: 'atoms' });
    expect(result.laue).toBe('6/mmm');
    await page.close();
  });
});
