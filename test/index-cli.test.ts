/**
 * `blo index`: a small simulated copper scan indexed against its ground
 * truth (symmetry-aware misorientation), the four outputs and their layouts
 * (.ctf as ORIENTATION.md describes it, .ang read by numpy as TSL columns,
 * .npy, the IPF PNG with its key), and the CLI's refusals.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifPhase } from '../src/crystal/phase.js';
import { compareOrientationMaps, parseCtf } from '../src/indexing/compare.js';
import { symmetryQuaternions } from '../src/indexing/quaternion.js';
import { decodeNpy } from '../src/npy/npy.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { pythonModule, runPython } from './helpers/python.js';

const CU = join(REPO_ROOT, 'examples', 'Cu.cif');
const copper = readCifPhase(readFileSync(CU, 'utf8'), CU);

describe('blo index', () => {
  const { dir, cleanup } = tempDir();
  const scan = join(dir, 'cu.blo');
  const truth = join(dir, 'truth.ctf');
  const out = (name: string) => join(dir, name);
  let run: ReturnType<typeof blo>;
  beforeAll(() => {
    const demo = blo('demo', scan, '--phase', CU, '--scan', '12x10', '--size', '144', '--pixel-size', '0.025', '--grains', '8', '--seed', '4', '--truth', truth);
    expect(demo.status, demo.stderr).toBe(0);
    run = blo('index', scan, '--phase', CU, '--pixel-size', '0.025', '--workers', '2', '-o', out('map.ctf'), '-o', out('map.ang'), '-o', out('map.npy'), '-o', out('map.png'));
  });
  afterAll(cleanup);

  // 8 grains: one grain is 10–20 % of the positions, so this small scan checks the method works, at a bar below the
  // benchmark's larger scans (85–95 % within 2°, see bench/indexing.mjs); random orientations would be ~0 % within 2°.
  it('indexes a simulated copper scan: at least 80 % within 2° of the truth (half turn about the beam allowed), every phase right', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^indexed 120 patterns in .* Copper 100\.0 %; \d+ templates at 0\.5°, precession 1°, 200 kV\n$/);
    const found = parseCtf(readFileSync(out('map.ctf'), 'utf8'));
    const expected = parseCtf(readFileSync(truth, 'utf8'));
    const result = compareOrientationMaps(found, expected, [symmetryQuaternions(copper.laueRotations)]);
    expect(result.positions).toBe(120);
    expect(result.phaseCorrect).toBe(1);
    expect(result.withinTolerance).toBeGreaterThanOrEqual(0.8);
    expect(result.medianError).toBeLessThan(1);
  });

  it('writes the .ctf as ORIENTATION.md lays it out', () => {
    const text = readFileSync(out('map.ctf'), 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('Channel Text File');
    expect(lines[4]).toBe('XCells\t10');
    expect(lines[5]).toBe('YCells\t12');
    expect(lines[6]).toBe('XStep\t0.0100'); // 10 nm from the header, in µm
    expect(lines[12]).toBe('Phases\t1');
    expect(lines[13]).toBe('3.6150;3.6150;3.6150\t90.000;90.000;90.000\tCopper\t11\t225');
    expect(lines[14]).toBe('Phase\tX\tY\tBands\tError\tEuler1\tEuler2\tEuler3\tMAD\tBC\tBS');
    const rows = lines.slice(15).filter((l) => l !== '');
    expect(rows).toHaveLength(120);
    for (const row of rows) {
      const v = row.split('\t').map(Number);
      expect(v).toHaveLength(11);
      expect(v[0]).toBe(1);
      expect(v[4]).toBe(0);
      expect(v[5]).toBeGreaterThanOrEqual(0);
      expect(v[5]).toBeLessThan(360);
      expect(v[6]).toBeLessThanOrEqual(180);
      expect(v[9]).toBeGreaterThanOrEqual(0);
      expect(v[9]).toBeLessThanOrEqual(255);
      expect(v[10]).toBeGreaterThanOrEqual(0);
      expect(v[10]).toBeLessThanOrEqual(100);
    }
    expect(rows[13].split('\t').slice(1, 3)).toEqual(['0.0300', '0.0100']); // x = 3, y = 1 (10 columns)
  });

  it('writes the .ang with TSL columns (radians, µm) and the .npy with the same orientations', () => {
    const ctf = parseCtf(readFileSync(out('map.ctf'), 'utf8'));
    const ang = readFileSync(out('map.ang'), 'utf8');
    expect(ang).toMatch(/^# Phase 1\n# MaterialName  \tCopper\n/m);
    expect(ang).toMatch(/^# Symmetry              43$/m);
    expect(ang).toMatch(/^# LatticeConstants      3\.615 3\.615 3\.615  90\.000  90\.000  90\.000$/m);
    expect(ang).toMatch(/^# NCOLS_ODD: 10$/m);
    const rows = ang.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.trim().split(/\s+/).map(Number));
    expect(rows).toHaveLength(120);
    rows.forEach((v, i) => {
      expect(v).toHaveLength(10);
      for (let k = 0; k < 3; k++) expect(v[k]).toBeCloseTo((ctf.euler[3 * i + k] * Math.PI) / 180, 3);
      expect(v[7]).toBe(1);
    });
    const npy = decodeNpy(readFileSync(out('map.npy')), 'map.npy');
    expect(npy.header.shape).toEqual([12, 10, 10]);
    const data = npy.data as Float64Array;
    for (let i = 0; i < 120; i++) {
      expect(data[10 * i]).toBe(1);
      expect(data[10 * i + 1]).toBeCloseTo(ctf.euler[3 * i], 3);
      expect(data[10 * i + 5]).toBeCloseTo(ctf.bs[i], -0.5);
    }
  });

  it.runIf(pythonModule('numpy').ok)('the .ang loads in numpy as 10 columns, as orix reads TSL files', () => {
    const script = join(dir, 'check_ang.py');
    writeFileSync(
      script,
      [
        'import sys, numpy as np',
        'd = np.loadtxt(sys.argv[1])',
        'assert d.shape == (120, 10), d.shape',
        'assert (d[:, 7] == 1).all() and (d[:, 0] < 2 * np.pi).all() and (d[:, 1] <= np.pi).all()',
        'print("ok")',
      ].join('\n'),
    );
    expect(runPython(script, [out('map.ang')]).trim()).toBe('ok');
  });

  it('draws the IPF-Z map with its key beside it, and the phase and reliability maps', () => {
    const ipf = decode(readFileSync(out('map.png')));
    // 12 rows × 10 columns enlarged 42 times (512 / 12), the key to its right.
    expect(ipf.height).toBeGreaterThanOrEqual(504);
    expect(ipf.width).toBeGreaterThan(420 + 96);
    expect(ipf.channels).toBe(3);
    const px = (x: number, y: number) => Array.from(ipf.data.slice(3 * (y * ipf.width + x), 3 * (y * ipf.width + x) + 3));
    // The key's [001] corner is red, and the map has no black (every pattern indexed).
    const keyLeft = 420 + 8;
    let red = false;
    for (let y = 0; y < ipf.height && !red; y++) {
      for (let x = keyLeft; x < keyLeft + 12; x++) {
        const [r, g, b] = px(x, y);
        if (r > 200 && g < 60 && b < 60) red = true;
      }
    }
    expect(red).toBe(true);
    for (let y = 0; y < 504; y += 21) for (let x = 0; x < 420; x += 21) expect(px(x, y).some((v) => v > 0)).toBe(true);
    expect(existsSync(out('map-phase.png'))).toBe(true);
    const rel = decode(readFileSync(out('map-reliability.png')));
    expect([rel.width, rel.height, rel.channels]).toEqual([420, 504, 1]);
  });

  it('refuses existing outputs without --overwrite, before indexing', () => {
    const again = blo('index', scan, '--phase', CU, '--pixel-size', '0.025', '-o', out('map.ctf'));
    expect(again.status).toBe(1);
    expect(oneLineError(again)).toMatch(/map\.ctf/);
  });

  it('fails in one line: usage errors exit 2, a broken CIF exits 1 naming it', () => {
    const noPixel = blo('index', scan, '--phase', CU, '-o', out('x.ctf'));
    expect(noPixel.status).toBe(2);
    expect(oneLineError(noPixel)).toMatch(/--pixel-size/);
    const badExt = blo('index', scan, '--phase', CU, '--pixel-size', '0.025', '-o', out('x.txt'));
    expect(badExt.status).toBe(2);
    const badRegion = blo('index', scan, '--phase', CU, '--pixel-size', '0.025', '--region', '0,0,20,5', '-o', out('x.ctf'));
    expect(badRegion.status).toBe(2);
    expect(oneLineError(badRegion)).toMatch(/--region/);
    const badSpot = blo('index', scan, '--phase', CU, '--pixel-size', '0.025', '--spot-width', '-1', '-o', out('x.ctf'));
    expect(badSpot.status).toBe(2);
    expect(oneLineError(badSpot)).toMatch(/--spot-width/);
    const spotWithoutFit = blo('index', scan, '--phase', CU, '--pixel-size', '0.025', '--no-fit', '--spot-width', '2', '-o', out('x.ctf'));
    expect(spotWithoutFit.status).toBe(2);
    expect(oneLineError(spotWithoutFit)).toMatch(/--no-fit/);
    expect(blo('index', scan, '--phase', CU, '--pixel-size', '0.025', '--no-fit', '--region', '0,0,4,2', '-o', out('nofit.ctf')).status).toBe(0);
    const cif = join(dir, 'broken.cif');
    writeFileSync(cif, 'data_x\n_cell_length_a 3\n');
    const broken = blo('index', scan, '--phase', cif, '--pixel-size', '0.025', '-o', out('x.ctf'));
    expect(broken.status).toBe(1);
    expect(oneLineError(broken)).toMatch(/broken\.cif/);
    expect(existsSync(out('x.ctf'))).toBe(false);
  });

  it('ends its help with examples on the demo data', () => {
    const help = blo('index', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Examples:\n.*blo demo demo\.blo --phase examples\/Cu\.cif.*\n.*blo index demo\.blo --phase examples\/Cu\.cif --pixel-size 0\.025 -o map\.ctf/);
  });
});
