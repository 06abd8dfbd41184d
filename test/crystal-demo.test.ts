/** The physically simulated demo: a polycrystal of CIF phases, its frames and its ground truth (.ctf). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ctfLaueCode } from '../src/crystal/ctf.js';
import { readCifPhase } from '../src/crystal/phase.js';
import { createSpedDemo } from '../src/crystal/sped-demo.js';
import { openBlockfile } from '../src/node/open.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const example = (name: string) => join(REPO_ROOT, 'examples', name);
const phase = (name: string) => readCifPhase(readFileSync(example(name), 'utf8'), name);

describe('createSpedDemo', () => {
  const options = { phases: [phase('Cu.cif'), phase('ferrite.cif')], nx: 12, ny: 10, dpSize: 64, bits: 8 as const, seed: 3, grains: 4, pixelSize: 0.04, precession: 1 };
  const demo = createSpedDemo(options);

  it('is deterministic and has both phases', () => {
    const again = createSpedDemo(options);
    const a = new Uint8Array(64 * 64);
    const b = new Uint8Array(64 * 64);
    for (const i of [0, 37, 119]) {
      demo.renderFrame(i, a);
      again.renderFrame(i, b);
      expect(a).toEqual(b);
    }
    expect([...demo.grainPhase].sort()).toEqual(expect.arrayContaining([0, 1]));
    expect(new Set(demo.grainMap).size).toBeGreaterThan(1);
  });

  it('each frame is its grain’s kinematic pattern about a drifting, saturated direct beam, with noise', () => {
    const frame = new Uint8Array(64 * 64);
    const centres = new Set<string>();
    let checked = 0;
    for (let i = 0; i < 120; i += 7) {
      demo.renderFrame(i, frame);
      const [bx, by] = demo.beamCenter(i);
      centres.add(`${bx.toFixed(3)},${by.toFixed(3)}`);
      expect(Math.hypot(bx - 31.5, by - 31.5)).toBeLessThan(6);
      expect(frame[Math.round(by) * 64 + Math.round(bx)]).toBe(255);
      // Where the strongest reflection of the grain lands, the frame is brighter than the background around it.
      const p = demo.grainPatterns[demo.grainMap[i]];
      if (p.count === 0) continue;
      const s = p.intensity.indexOf(Math.max(...p.intensity));
      const x = Math.round(p.x[s] + bx - 31.5);
      const y = Math.round(p.y[s] + by - 31.5);
      if (x < 4 || y < 4 || x > 59 || y > 59 || Math.hypot(x - bx, y - by) < 8) continue;
      const at = frame[y * 64 + x];
      const around = [frame[(y - 4) * 64 + x], frame[(y + 4) * 64 + x], frame[y * 64 + x - 4], frame[y * 64 + x + 4]];
      expect(at).toBeGreaterThan(Math.max(...around));
      checked++;
    }
    expect(checked).toBeGreaterThan(2);
    expect(centres.size).toBeGreaterThan(5);
  });

  it('writes the ground truth as a .ctf: phases with Laue codes, one row per position, x fastest', () => {
    const lines = demo.truthCtf('demo.blo').split('\r\n');
    expect(lines[0]).toBe('Channel Text File');
    expect(lines).toContain('XCells\t12');
    expect(lines).toContain('YCells\t10');
    const at = lines.indexOf('Phases\t2');
    expect(lines[at + 1]).toBe('3.6150;3.6150;3.6150\t90.000;90.000;90.000\tCopper\t11\t225');
    expect(lines[at + 2]).toBe('2.8664;2.8664;2.8664\t90.000;90.000;90.000\tFerrite (alpha-Fe)\t11\t229');
    expect(lines[at + 3]).toBe('Phase\tX\tY\tBands\tError\tEuler1\tEuler2\tEuler3\tMAD\tBC\tBS');
    const rows = lines.slice(at + 4).filter((l) => l !== '');
    expect(rows.length).toBe(120);
    const row = rows[13].split('\t');
    const g = demo.grainMap[13];
    expect(Number(row[0])).toBe(demo.grainPhase[g] + 1);
    expect([Number(row[1]), Number(row[2])]).toEqual([0.01, 0.01]);
    [5, 6, 7].forEach((c, j) => expect(Number(row[c])).toBeCloseTo(demo.grainEuler[3 * g + j], 4));
    expect(ctfLaueCode('6/mmm')).toBe(9);
    expect(ctfLaueCode('-1')).toBe(1);
  });
});

describe('blo demo --phase', () => {
  it('writes a physically simulated scan and its truth; blockfile readers open it', async () => {
    const out = join(dir, 'demo.blo');
    const truth = join(dir, 'truth.ctf');
    const r = blo('demo', out, '--phase', example('Cu.cif'), '--phase', example('Ti-alpha.cif'), '--grains', '3', '--pixel-size', '0.04', '--precession', '0.8', '--scan', '8x6', '--size', '48', '--truth', truth);
    expect(r.status, r.stderr).toBe(0);
    const bf = await openBlockfile(out);
    try {
      expect(bf.shape).toEqual([8, 6, 48, 48]);
      expect(bf.note).toMatch(/Precession angle : 0\.8/);
      expect(bf.note).toMatch(/Copper, alpha-Titanium; 3 grains/);
      const frame = await bf.frameAt(0, 0);
      expect(Math.max(...frame)).toBe(255);
    } finally {
      await bf.close();
    }
    expect(readFileSync(truth, 'utf8')).toMatch(/\r\nPhases\t2\r\n[^\r]*Copper\t11\t225\r\n[^\r]*alpha-Titanium\t9\t194\r\n/);
    const again = blo('demo', out, '--phase', example('Cu.cif'), '--pixel-size', '0.04', '--scan', '4x4', '--size', '32', '--truth', join(dir, 'other.ctf'));
    expect(again.status).toBe(1);
    expect(oneLineError(again)).toMatch(/demo\.blo: file exists/);
    expect(existsSync(join(dir, 'other.ctf'))).toBe(false);
  });

  it('usage errors exit 2; a broken phase file exits 1 naming it', () => {
    expect(blo('demo', join(dir, 'x.blo'), '--truth', join(dir, 't.ctf')).status).toBe(2);
    expect(blo('demo', join(dir, 'x.blo'), '--phase', example('Cu.cif')).status).toBe(2);
    expect(blo('demo', join(dir, 'x.blo'), '--phase', example('Cu.cif'), '--pixel-size', '0.02', '--truth', join(dir, 't.txt')).status).toBe(2);
    const bad = join(dir, 'bad.cif');
    writeFileSync(bad, 'data_bad\n_cell_length_a 1\n');
    const r = blo('demo', join(dir, 'x.blo'), '--phase', bad, '--pixel-size', '0.02');
    expect(r.status).toBe(1);
    expect(oneLineError(r)).toMatch(/bad\.cif, line 1: data_bad has no _cell_length_b/);
    expect(existsSync(join(dir, 'x.blo'))).toBe(false);
  });
});
