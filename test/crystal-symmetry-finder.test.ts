/**
 * Structures listed in P 1 (pymatgen, Materials Project) recognised as their
 * true space group with moyo, compared with spglib (Debian's python3-spglib).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withSymmetryFromAtoms } from '../src/crystal/find-symmetry.js';
import { readCifPhase } from '../src/crystal/phase.js';
import { reflectionsWithin } from '../src/crystal/structure-factor.js';
import { initNodeSymmetryFinder, loadPhase } from '../src/node/crystal.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { pythonModule, runPython } from './helpers/python.js';

const P1_FILES = ['Cu-pymatgen-P1.cif', 'Cu-mp-primitive.cif', 'ZnO-pymatgen-P1.cif'].map((f) => join(REPO_ROOT, 'test', 'crystal-cifs', f));

beforeAll(() => initNodeSymmetryFinder());

describe('space group from the atoms', () => {
  it('Cu listed in P 1: F m -3 m, with a note; the structure factors do not change', async () => {
    const listed = readCifPhase(readFileSync(P1_FILES[0], 'utf8'), 'Cu');
    expect(listed.spaceGroup.number).toBe(1);
    expect(listed.laueGroup).toBe('-1');
    const found = await loadPhase(P1_FILES[0]);
    expect(found.spaceGroup).toEqual({ number: 225, symbol: 'F m -3 m', hall: '-F 4 2 3', source: 'atoms' });
    expect([found.pointGroup, found.laueGroup, found.laueRotations.length, found.sites.length, found.atoms.length]).toEqual(['m-3m', 'm-3m', 24, 1, 4]);
    expect(found.notes.join()).toMatch(/listed in P 1; its atoms have the symmetry of F m -3 m \(No\. 225\)/);
    const before = reflectionsWithin(listed, 0.9);
    const after = new Map(reflectionsWithin(found, 0.9).map((r) => [r.hkl.join(), r.f2]));
    for (const r of before) expect(after.get(r.hkl.join())).toBeCloseTo(r.f2, 9);
  });

  it('the primitive cell of Cu: No. 225 in the cell as given (48 rotations, 1 atom)', async () => {
    const found = await loadPhase(P1_FILES[1]);
    expect([found.spaceGroup.number, found.laueGroup, found.ops.length, found.atoms.length]).toEqual([225, 'm-3m', 48, 1]);
    expect(found.notes.join()).toMatch(/not the standard one/);
  });

  it('phases with symmetry already, or none to find, are left alone', async () => {
    const cu = await loadPhase(join(REPO_ROOT, 'examples', 'Cu.cif'));
    expect(cu.spaceGroup.source).toBe('symbol');
    const unrefined = await loadPhase(P1_FILES[0], { findSymmetry: false });
    expect(unrefined.spaceGroup.number).toBe(1);
    // Two different atoms at arbitrary positions in a triclinic cell: really P 1.
    const p1 = readCifPhase(
      `data_x\n_cell_length_a 3.1\n_cell_length_b 4.3\n_cell_length_c 5.7\n_cell_angle_alpha 81\n_cell_angle_beta 97\n_cell_angle_gamma 103\n_symmetry_space_group_name_H-M 'P 1'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nFe1 0.1 0.2 0.3\nO1 0.45 0.13 0.77\n`,
      'p1.cif',
    );
    expect(withSymmetryFromAtoms(p1)).toBe(p1);
  });
});

const spglib = pythonModule('spglib');
const gemmi = pythonModule('gemmi');
describe.skipIf(!(spglib.ok && gemmi.ok))('against spglib', () => {
  it('finds the number spglib finds for each P 1 listing', async () => {
    const references = JSON.parse(runPython(join(REPO_ROOT, 'test', 'interop', 'crystal_reference.py'), P1_FILES)) as { spglib: { number: number } }[];
    for (const [i, file] of P1_FILES.entries()) expect((await loadPhase(file)).spaceGroup.number, file).toBe(references[i].spglib.number);
  });
});
if (!(spglib.ok && gemmi.ok)) console.warn(`skipping the spglib comparison: ${spglib.why || gemmi.why}`);
