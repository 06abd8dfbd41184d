/** `blo crystal` and `blo simulate`, run as a user would. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../src/npy/npy.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const cu = join(REPO_ROOT, 'examples', 'Cu.cif');
const ti = join(REPO_ROOT, 'examples', 'Ti-alpha.cif');

describe('blo crystal', () => {
  it('prints the phase, its symmetry and the first reflection families', () => {
    const r = blo('crystal', cu);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Copper \(Cu\)/);
    expect(r.stdout).toMatch(/space group\s+225\s+F m -3 m\s+\(from the symbol\)/);
    expect(r.stdout).toMatch(/point group\s+m-3m\s+Laue group m-3m/);
    expect(r.stdout).toMatch(/\n\s+1\s+1\s+1\s+2\.0871\s+[\d.]+\s+8\n/);
  });

  it('--json: one object with the space group, groups, cell and reflection families', () => {
    const r = blo('crystal', ti, '--json');
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.spaceGroup).toMatchObject({ number: 194, symbol: 'P 63/m m c', fromAtoms: false });
    expect([info.pointGroup, info.laueGroup]).toEqual(['6/mmm', '6/mmm']);
    expect(info.cell).toEqual({ a: 2.9505, b: 2.9505, c: 4.6826, alpha: 90, beta: 90, gamma: 120 });
    expect(info.reflections[0]).toMatchObject({ hkl: [1, 0, 0], hkil: [1, 0, -1, 0], multiplicity: 6 });
    expect(info.reflections[0].d).toBeCloseTo((2.9505 * Math.sqrt(3)) / 2, 12);
  });

  it('lists a hexagonal phase\'s reflections in four indices (h k i l)', () => {
    const r = blo('crystal', ti);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\n\s+h {2}k {2}i {2}l\s+d \(Å\)/);
    expect(r.stdout).toMatch(/\n\s+1\s+0\s+-1\s+0\s+2\.5552\s+[\d.]+\s+6\n/);
  });

  it('says when the space group was found from the atoms', () => {
    const info = JSON.parse(blo('crystal', join(REPO_ROOT, 'test', 'crystal-cifs', 'Cu-pymatgen-P1.cif'), '--json').stdout);
    expect(info.spaceGroup).toMatchObject({ number: 225, symbol: 'F m -3 m', fromAtoms: true });
    expect(info.notes[0]).toMatch(/listed in P 1/);
  });

  it('fails on a broken CIF with one line naming the file and line', () => {
    const path = join(dir, 'broken.cif');
    writeFileSync(path, 'data_x\n_cell_length_a 3.6\n_cell_length_b 3.6\n_cell_length_c 3.6\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\nCu1 0\n');
    const r = blo('crystal', path);
    expect(r.status).toBe(1);
    expect(oneLineError(r)).toBe(`blo: ${path}, line 8: the atom site loop has _atom_site_fract_x but not _y and _z`);
    expect(oneLineError(blo('crystal', join(dir, 'none.cif')))).toMatch(/none\.cif: no such file/);
  });
});

describe('blo simulate', () => {
  it('--json: reflections with hkl, x (column), y (row), intensity, f2; centre at (N−1)/2 unless --center', () => {
    const r = blo('simulate', cu, '--zone', '0,0,1', '--pixel-size', '0.02', '--size', '128', '--json');
    expect(r.status).toBe(0);
    const { reflections } = JSON.parse(r.stdout);
    const g200 = reflections.find((s: { hkl: number[] }) => s.hkl.join() === '2,0,0');
    expect(g200.x).toBeCloseTo(63.5 + 2 / 3.615 / 0.02, 9);
    expect(g200.y).toBeCloseTo(63.5, 9);
    expect(g200.f2).toBeGreaterThan(g200.intensity);
    const shifted = JSON.parse(blo('simulate', cu, '--zone', '0,0,1', '--pixel-size', '0.02', '--size', '128', '--center', '60,70', '--json').stdout);
    const s200 = shifted.reflections.find((s: { hkl: number[] }) => s.hkl.join() === '2,0,0');
    expect([s200.x, s200.y]).toEqual([g200.x - 3.5, g200.y + 6.5]);
    // Euler angles of a zone axis give the same pattern.
    const byEuler = JSON.parse(blo('simulate', cu, '--euler', '0,0,0', '--pixel-size', '0.02', '--size', '128', '--json').stdout);
    expect(byEuler.reflections).toEqual(reflections);
  });

  it('writes a .png and a .npy image; refuses to replace without --overwrite', () => {
    const png = join(dir, 'p.png');
    const r = blo('simulate', cu, '--zone', '0,1,1', '--pixel-size', '0.02', '--size', '96', '--direct-beam', '2', '--noise', '100', '-o', png);
    expect(r.status).toBe(0);
    const image = decode(readFileSync(png));
    expect([image.width, image.height]).toEqual([96, 96]);
    const npy = join(dir, 'p.npy');
    expect(blo('simulate', cu, '--zone', '0,1,1', '--pixel-size', '0.02', '--size', '96', '-o', npy).status).toBe(0);
    const array = decodeNpy(new Uint8Array(readFileSync(npy)));
    expect(array.header.shape).toEqual([96, 96]);
    expect(Math.max(...(array.data as Float64Array))).toBeGreaterThan(0);
    const again = blo('simulate', cu, '--zone', '0,1,1', '--pixel-size', '0.02', '-o', npy);
    expect(again.status).toBe(1);
    expect(oneLineError(again)).toMatch(/p\.npy: file exists/);
  });

  it('usage errors exit 2 with one line', () => {
    for (const args of [
      ['--pixel-size', '0.02', '--json'],
      ['--zone', '0,0,1', '--euler', '1,2,3', '--pixel-size', '0.02', '--json'],
      ['--zone', '0,0,1', '--json'],
      ['--zone', '0,0', '--pixel-size', '0.02', '--json'],
      ['--zone', '0,0,1', '--pixel-size', '-1', '--json'],
      ['--zone', '0,0,1', '--pixel-size', '0.02'],
      ['--zone', '0,0,1', '--pixel-size', '0.02', '-o', join(dir, 'x.jpg')],
    ]) {
      const r = blo('simulate', cu, ...args);
      expect(r.status, args.join(' ')).toBe(2);
      oneLineError(r);
      expect(existsSync(join(dir, 'x.jpg'))).toBe(false);
    }
  });
});
