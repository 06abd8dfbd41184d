/** The crystallography core on its own: CIF syntax and errors, symmetry tables, lattices. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CifError, cifNumber, parseCif } from '../src/crystal/cif.js';
import { Lattice, electronWavelength } from '../src/crystal/lattice.js';
import { readCifPhase } from '../src/crystal/phase.js';
import { spaceGroupByNumber, spaceGroupBySymbol, spaceGroupByOps, spaceGroupSettings } from '../src/crystal/space-groups.js';
import { reflectionFamilies } from '../src/crystal/structure-factor.js';
import { closeGroup, compose, opKey, parseTriplet, tripletOf } from '../src/crystal/symmetry.js';
import { parseTypeSymbol } from '../src/crystal/scattering.js';
import { GEMMI_VERSION } from '../src/crystal/data/space-groups.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { pythonModule, PYTHON } from './helpers/python.js';
import { spawnSync } from 'node:child_process';

const example = (name: string) => readCifPhase(readFileSync(join(REPO_ROOT, 'examples', name), 'utf8'), name);
const cif = (name: string) => readFileSync(join(REPO_ROOT, 'test', 'crystal-cifs', name), 'utf8');

describe('CIF syntax', () => {
  it('reads numbers with uncertainties and the ? and . markers', () => {
    const [block] = parseCif("data_x\n_a 3.6150(2)\n_b ?\n_c .\n_d '?'\n_e -1.5e-3\n_f 12(3)\n");
    expect(cifNumber(block.items.get('_a'))).toBe(3.615);
    expect(cifNumber(block.items.get('_b'))).toBeUndefined();
    expect(cifNumber(block.items.get('_c'))).toBeUndefined();
    expect(block.items.get('_d')!.text).toBe('?');
    expect(cifNumber(block.items.get('_e'))).toBe(-0.0015);
    expect(cifNumber(block.items.get('_f'))).toBe(12);
  });

  it('reads quotes that contain quotes, text fields and several blocks', () => {
    const blocks = parseCif("data_one\n_q 'it's here' \n_t\n;\nline 1\n_x not a tag\n;\nloop_\n_l1 _l2\n1 'a b'\n2 \"c d\"\ndata_two\n_z 1\n");
    expect(blocks.map((b) => b.name)).toEqual(['one', 'two']);
    expect(blocks[0].items.get('_q')!.text).toBe("it's here");
    expect(blocks[0].items.get('_t')!.text).toBe('line 1\n_x not a tag');
    expect(blocks[0].loops[0].rows.map((r) => r.map((v) => v.text))).toEqual([
      ['1', 'a b'],
      ['2', 'c d'],
    ]);
  });

  it('names the file and the line of a syntax error', () => {
    expect(() => parseCif('data_x\nloop_\n_a\n_b\n1 2\n3\n', 'bad.cif')).toThrow(/^bad\.cif, line 6: loop of _a, _b has 3 values/);
    expect(() => parseCif("data_x\n_a 'open\n", 'q.cif')).toThrow(/^q\.cif, line 2: quoted value/);
    expect(() => parseCif('data_x\n_a\n;\nnever closed\n', 't.cif')).toThrow(/^t\.cif, line 3: text field/);
    expect(() => parseCif('_a 1\n', 'n.cif')).toThrow(/^n\.cif, line 1: "_a" before any data_ block/);
  });

  it('names what is missing from a structure', () => {
    const text = cif('ZrO2-symbol.cif');
    expect(() => readCifPhase(text.replace('_cell_length_b 5.2116(1)\n', ''), 'z.cif')).toThrow(CifError);
    expect(() => readCifPhase(text.replace('_cell_length_b 5.2116(1)\n', ''), 'z.cif')).toThrow(/^z\.cif, line 4: data_baddeleyite has no _cell_length_b$/);
    expect(() => readCifPhase(text.replace("_symmetry_space_group_name_H-M 'P 1 21/c 1'\n", ''), 'z.cif')).toThrow(/z\.cif, line \d+: data_baddeleyite has no symmetry/);
    expect(() => readCifPhase(text.replace("'P 1 21/c 1'", "'P 9 q'"), 'z.cif')).toThrow(/z\.cif, line 18: space-group symbol "P 9 q" is not in the table/);
    expect(() => readCifPhase(text.replace('Zr1 Zr4+ 0.2754(2)', 'Zr1 Zr4+ abc'), 'z.cif')).toThrow(/z\.cif, line 27: atom site "Zr1": fract_x is "abc", not a number/);
    expect(() => readCifPhase(text.replace('Zr1 Zr4+', 'Zr1 Qq'), 'z.cif')).toThrow(/atom site "Zr1": "Qq" names no element/);
    expect(() => readCifPhase('# nothing\n', 'e.cif')).toThrow(/^e\.cif: no data_ block/);
  });

  it('reads type symbols with and without charges', () => {
    expect(parseTypeSymbol('Fe2+')).toEqual({ element: 'Fe', charge: 2 });
    expect(parseTypeSymbol('O2-')).toEqual({ element: 'O', charge: -2 });
    expect(parseTypeSymbol('O-2')).toEqual({ element: 'O', charge: -2 });
    expect(parseTypeSymbol('Si0+')).toEqual({ element: 'Si', charge: 0 });
    expect(parseTypeSymbol('Cu1')).toEqual({ element: 'Cu', charge: 0 });
    expect(parseTypeSymbol('C12')).toEqual({ element: 'C', charge: 0 });
  });
});

describe('symmetry', () => {
  it('parses triplets exactly and writes them back', () => {
    const op = parseTriplet('-y+1/4, x-y, z+0.5')!;
    expect(op).toEqual({ r: [0, -1, 0, 1, -1, 0, 0, 0, 1], t: [6, 0, 12] });
    expect(tripletOf(op)).toBe('-y+1/4,x-y,z+1/2');
    expect(parseTriplet('x,y')).toBeUndefined();
    expect(parseTriplet('x,y,q')).toBeUndefined();
  });

  it('has all 230 space groups; every tabulated setting is a closed group with its point group', () => {
    const settings = spaceGroupSettings();
    expect(new Set(settings.map((s) => s.number)).size).toBe(230);
    for (const s of settings) expect(closeGroup(s.ops)!.length, s.hm).toBe(s.ops.length);
    // Looked up by its operations in any order, a setting is found again.
    for (const n of [1, 2, 14, 62, 139, 166, 186, 194, 225, 227, 230]) {
      const s = spaceGroupByNumber(n)!;
      expect(spaceGroupByOps([...s.ops].reverse())).toBe(s);
    }
    const a = parseTriplet('-y,x-y,z')!;
    expect(opKey(compose(a, compose(a, a)))).toBe(opKey(parseTriplet('x,y,z')!));
  });

  it('finds settings by symbol in the usual spellings', () => {
    expect(spaceGroupBySymbol('Fm-3m')!.number).toBe(225);
    expect(spaceGroupBySymbol('P6_3/mmc')!.number).toBe(194);
    expect(spaceGroupBySymbol('P 63/m m c')!.number).toBe(194);
    expect(spaceGroupBySymbol('P21/c')!.hm).toBe('P 1 21/c 1');
    expect(spaceGroupBySymbol('F d -3 m :2')!.ext).toBe('2');
    expect(spaceGroupBySymbol('F d -3 m S')!.ext).toBe('2');
    expect(spaceGroupBySymbol('Fd-3m')!.ext).toBe('1');
    expect(spaceGroupBySymbol('R -3 m')!.ext).toBe('H');
    expect(spaceGroupBySymbol('-F 4 2 3')!.number).toBe(225);
    expect(spaceGroupByNumber(14)!.hm).toBe('P 1 21/c 1');
  });

  it('gives point groups, Laue classes and Laue rotations in the Cartesian frame', () => {
    const cu = example('Cu.cif');
    expect([cu.pointGroup, cu.laueGroup, cu.laueRotations.length, cu.centrosymmetric]).toEqual(['m-3m', 'm-3m', 24, true]);
    const ti = example('Ti-alpha.cif');
    expect([ti.pointGroup, ti.laueGroup, ti.laueRotations.length]).toEqual(['6/mmm', '6/mmm', 12]);
    // Cartesian rotations are orthogonal with determinant 1, the 6-fold about z.
    for (const r of ti.laueRotations) {
      const rrt = [0, 1, 2].map((i) => [0, 1, 2].map((j) => r[i * 3] * r[j * 3] + r[i * 3 + 1] * r[j * 3 + 1] + r[i * 3 + 2] * r[j * 3 + 2]));
      rrt.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 12)));
    }
    expect(ti.laueRotations.some((r) => Math.abs(r[0] - 0.5) < 1e-12 && Math.abs(r[8] - 1) < 1e-12)).toBe(true);
    const zno = readCifPhase(cif('ZnO-cod.cif'), 'ZnO');
    expect([zno.pointGroup, zno.laueGroup, zno.centrosymmetric, zno.spaceGroup.number]).toEqual(['6mm', '6/mmm', false, 186]);
    const quartz = readCifPhase(cif('quartz-amcsd.cif'), 'q');
    expect([quartz.pointGroup, quartz.laueGroup, quartz.centrosymmetric, quartz.formula]).toEqual(['32', '-3m', false, 'Si O2']);
    const zro2 = readCifPhase(cif('ZrO2-symbol.cif'), 'z');
    expect([zro2.pointGroup, zro2.laueGroup, zro2.atoms.length, zro2.formula]).toEqual(['2/m', '2/m', 12, 'O2 Zr']);
  });
});

describe('lattice', () => {
  it('puts a along x and c* along z; |g| = 1/d', () => {
    const l = new Lattice({ a: 5.1505, b: 5.2116, c: 5.3173, alpha: 90, beta: 99.23, gamma: 90 });
    expect(l.direct[3]).toBe(0);
    expect(l.direct[6]).toBe(0);
    const cStar = l.g([0, 0, 1]);
    expect(Math.abs(cStar[0])).toBeLessThan(1e-15);
    expect(Math.abs(cStar[1])).toBeLessThan(1e-15);
    for (const hkl of [[1, 0, 0], [1, 2, -3], [0, 1, 1]]) expect(Math.hypot(...l.g(hkl)) * l.d(hkl)).toBeCloseTo(1, 12);
    // Monoclinic: d(100) = a sin β.
    expect(l.d([1, 0, 0])).toBeCloseTo(5.1505 * Math.sin((99.23 * Math.PI) / 180), 12);
  });

  it('angles and zone axes of a cubic cell', () => {
    const l = new Lattice({ a: 3.615, b: 3.615, c: 3.615, alpha: 90, beta: 90, gamma: 90 });
    expect(l.planeAngle([1, 1, 1], [1, 0, 0])).toBeCloseTo(54.7356, 4);
    expect(l.directionAngle([1, 1, 0], [1, 1, 1])).toBeCloseTo(35.2644, 4);
    expect(l.zoneAxis([1, 1, 1], [2, 0, 0])).toEqual([0, 1, -1]);
    expect(l.d([2, 2, 0])).toBeCloseTo(3.615 / Math.sqrt(8), 14);
  });

  it('electron wavelength at 200 kV', () => {
    expect(electronWavelength(200e3)).toBeCloseTo(0.02508, 5);
  });
});

describe('reflection families', () => {
  it('fcc Cu: 111, 200, 220, 311, 222 with multiplicities 8, 6, 12, 24, 8', () => {
    const families = reflectionFamilies(example('Cu.cif'), 1.0);
    expect(families.map((f) => [f.hkl.join(''), f.multiplicity])).toEqual([
      ['111', 8],
      ['200', 6],
      ['220', 12],
      ['311', 24],
      ['222', 8],
    ]);
    expect(families[0].d).toBeCloseTo(3.615 / Math.sqrt(3), 12);
  });

  it('hcp Ti: 100 (6), 002 (2), 101 (12)', () => {
    const families = reflectionFamilies(example('Ti-alpha.cif'), 2.0);
    expect(families.map((f) => [f.hkl.join(','), f.multiplicity])).toEqual([
      ['1,0,0', 6],
      ['0,0,2', 2],
      ['1,0,1', 12],
    ]);
  });

  it('diamond Si: 200 is absent, 222 is absent kinematically', () => {
    const families = reflectionFamilies(example('Si.cif'), 1.2);
    expect(families.map((f) => f.hkl.join(''))).toEqual(['111', '220', '311', '400', '331']);
  });
});

const gemmi = pythonModule('gemmi');
const installedGemmi = gemmi.ok ? spawnSync(PYTHON, ['-c', 'import gemmi; print(gemmi.__version__)'], { encoding: 'utf8' }).stdout.trim() : '';
const sameGemmi = installedGemmi === GEMMI_VERSION;
describe.skipIf(!sameGemmi)('generated tables', () => {
  it('are what scripts/crystal-tables.py writes from the installed gemmi', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crystal-tables-'));
    try {
      const result = spawnSync(PYTHON, [join(REPO_ROOT, 'scripts', 'crystal-tables.py'), dir], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      for (const name of ['space-groups.ts', 'scattering-factors.ts']) {
        expect(readFileSync(join(dir, name), 'utf8')).toBe(readFileSync(join(REPO_ROOT, 'src', 'crystal', 'data', name), 'utf8'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
if (!sameGemmi) console.warn(`skipping the regeneration of the gemmi tables: ${gemmi.ok ? `gemmi ${installedGemmi} is installed, the tables come from ${GEMMI_VERSION}` : gemmi.why}`);
