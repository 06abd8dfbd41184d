/**
 * The crystallography core against Debian's gemmi and spglib: CIF reading
 * (cell, sites, operators), space groups, d-spacings and electron |F|².
 * Reference: test/interop/crystal_reference.py (gemmi's
 * StructureFactorCalculatorE after change_occupancies_to_crystallographic()).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCifPhase } from '../src/crystal/phase.js';
import { reflectionsWithin } from '../src/crystal/structure-factor.js';
import { parseTriplet, opKey } from '../src/crystal/symmetry.js';
import { spaceGroupBySymbol } from '../src/crystal/space-groups.js';
import { pythonModule, runPython } from './helpers/python.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const gemmi = pythonModule('gemmi');
const spglib = pythonModule('spglib');
const available = gemmi.ok && spglib.ok;
if (!available) console.warn(`skipping gemmi/spglib comparisons: ${gemmi.why || spglib.why} (apt-get install python3-gemmi python3-spglib)`);

const FILES = [
  ...readdirSync(join(REPO_ROOT, 'test', 'crystal-cifs')).map((f) => join('test', 'crystal-cifs', f)),
  ...readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.cif')).map((f) => join('examples', f)),
].sort();

interface Reference {
  file: string;
  cell: number[];
  sites: { label: string; element: string; fract: number[]; occ: number; u_iso: number }[];
  ops: string[];
  spaceGroup: { number: number; hm: string; ops: string[] } | null;
  spglib: { number: number; international: string };
  cellAtoms: number;
  reflections: { hkl: number[]; d: number; f2: number }[];
}

/** |F|² relative to the strongest reflection: agreement within this (a few percent asked; we get far better). */
const RELATIVE_F2_TOLERANCE = 0.01;

describe.skipIf(!available)('crystallography against gemmi and spglib', () => {
  const references: Reference[] = available ? JSON.parse(runPython(join(REPO_ROOT, 'test', 'interop', 'crystal_reference.py'), FILES.map((f) => join(REPO_ROOT, f)))) : [];

  it.each(FILES.map((f, i) => [f, i] as const))('%s: cell, sites, operators and space group as gemmi reads them', (file, i) => {
    const ref = references[i];
    const phase = readCifPhase(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
    const c = phase.cell;
    expect([c.a, c.b, c.c, c.alpha, c.beta, c.gamma]).toEqual(ref.cell);
    expect(phase.sites.map((s) => [s.label, s.element, [s.x, s.y, s.z], s.occupancy])).toEqual(ref.sites.map((s) => [s.label, s.element, s.fract, s.occ]));
    phase.sites.forEach((s, j) => expect(s.uIso).toBeCloseTo(ref.sites[j].u_iso, 4));
    if (ref.ops.length > 0) {
      // Operators as listed, compared as sets after gemmi's own parsing of the same file.
      const ours = new Set(phase.ops.map(opKey));
      expect(ours).toEqual(new Set(ref.ops.map((t) => opKey(parseTriplet(t)!))));
    }
    if (ref.spaceGroup && ref.spaceGroup.number !== 1) {
      expect(phase.spaceGroup.number).toBe(ref.spaceGroup.number);
      expect(phase.spaceGroup.symbol).toBe(ref.spaceGroup.hm);
      // Every operation of the group, however it was found (operators, symbol or number).
      expect(new Set(phase.ops.map(opKey))).toEqual(new Set(ref.spaceGroup.ops.map((t) => opKey(parseTriplet(t)!))));
    }
    expect(phase.atoms.length).toBe(ref.cellAtoms);
  });

  it.each(FILES.map((f, i) => [f, i] as const))('%s: d-spacings exactly and |F|² relative to the strongest within 1%%', (file, i) => {
    const ref = references[i];
    const phase = readCifPhase(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
    const ours = new Map(reflectionsWithin(phase, 0.8).map((r) => [r.hkl.join(','), r]));
    const strongest = Math.max(...ref.reflections.map((r) => r.f2));
    let compared = 0;
    for (const r of ref.reflections) {
      const mine = ours.get(r.hkl.join(','));
      if (r.f2 < strongest * 1e-8) {
        // Absent (or as good as: 0.3333 for 1/3 leaves a trace).
        if (mine) expect(mine.f2 / strongest, `${r.hkl} is absent`).toBeLessThan(1e-6);
        if (mine) compared++;
        continue;
      }
      expect(mine, `${r.hkl}`).toBeDefined();
      expect(Math.abs(mine!.d - r.d) / r.d).toBeLessThan(1e-12);
      expect(Math.abs(mine!.f2 - r.f2) / strongest).toBeLessThan(RELATIVE_F2_TOLERANCE);
      compared++;
    }
    expect(compared).toBe(ours.size);
  });

  it('resolves every space-group symbol of the table as gemmi does', () => {
    // [name, number, Hall symbol] from gemmi.find_spacegroup_by_name, for ~1100 spellings.
    const names = JSON.parse(runPython(join(REPO_ROOT, 'test', 'interop', 'space_group_names.py'), [])) as [string, number, string][];
    expect(names.length).toBeGreaterThan(1000);
    const differ = names.filter(([name, , hall]) => spaceGroupBySymbol(name)?.hall !== hall);
    expect(differ).toEqual([]);
  });

  it('finds the space group that spglib finds for every file', () => {
    // Files listed in P 1 are refined from their atoms (test/crystal-symmetry-finder.test.ts); the others come from their operators or symbol.
    FILES.forEach((file, i) => {
      const phase = readCifPhase(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
      if (phase.spaceGroup.number !== 1) expect(phase.spaceGroup.number, file).toBe(references[i].spglib.number);
    });
  });
});
