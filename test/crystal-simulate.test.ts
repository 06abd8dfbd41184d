/**
 * Kinematic SPED patterns against ORIENTATION.md: spot positions on zone axes
 * whose patterns are known (fcc [001], [011], [111]; hcp [0001]), Laue-group
 * invariance, the precession average against brute force, the local
 * reflection subsets of a refinement, and rendering.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { electronWavelength, multiply3, type Mat3 } from '../src/crystal/lattice.js';
import { eulerDegreesToMatrix, eulerToMatrix, matrixToEuler, zoneAxisOrientation } from '../src/crystal/orientation.js';
import { readCifPhase } from '../src/crystal/phase.js';
import { PatternSimulator, renderPattern, type SimulatedPattern } from '../src/crystal/simulate.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const example = (name: string) => readCifPhase(readFileSync(join(REPO_ROOT, 'examples', name), 'utf8'), name);
const cu = example('Cu.cif');
const ti = example('Ti-alpha.cif');
const a = cu.cell.a;
const PX = 0.01; // Å⁻¹ per pixel
const N = 256;
const C = (N - 1) / 2;

function spots(p: SimulatedPattern): Map<string, { x: number; y: number; intensity: number }> {
  const m = new Map<string, { x: number; y: number; intensity: number }>();
  for (let i = 0; i < p.count; i++) m.set([...p.hkl.subarray(3 * i, 3 * i + 3)].join(','), { x: p.x[i], y: p.y[i], intensity: p.intensity[i] });
  return m;
}

describe('orientations', () => {
  it('Euler angles round-trip through the Bunge matrix, which is a rotation', () => {
    for (const [p1, P, p2] of [[10, 20, 30], [300, 170, 5], [0, 90, 45], [123, 1, 250]]) {
      const g = eulerDegreesToMatrix(p1, P, p2);
      const back = matrixToEuler(g).map((v) => (v * 180) / Math.PI);
      back.forEach((v, i) => expect(v).toBeCloseTo([p1, P, p2][i], 9));
      const ggt = multiply3(g, [g[0], g[3], g[6], g[1], g[4], g[7], g[2], g[5], g[8]]);
      ggt.forEach((v, i) => expect(v).toBeCloseTo(i % 4 === 0 ? 1 : 0, 12));
    }
  });

  it('a zone axis is along the beam: G·z_sample ∥ the direction in the crystal', () => {
    for (const uvw of [[0, 0, 1], [0, 1, 1], [1, 1, 1], [1, 2, 3], [-1, 0, 2]]) {
      const { matrix, euler } = zoneAxisOrientation(cu.lattice, uvw, 17);
      const n = Math.hypot(...uvw);
      [0, 1, 2].forEach((i) => expect(matrix[i * 3 + 2]).toBeCloseTo(uvw[i] / n, 12));
      expect(euler[0]).toBe(17);
    }
  });
});

describe('kinematic patterns on zone axes (ORIENTATION.md frames)', () => {
  const sim = new PatternSimulator(cu, { size: N, pixelSize: PX, precession: 1, thickness: 50 });

  it('fcc [001]: h, k even, l = 0, at centre + (h, k)/(a·px): a* along the columns, b* along the rows', () => {
    const p = spots(sim.simulate(zoneAxisOrientation(cu.lattice, [0, 0, 1]).matrix));
    expect(p.size).toBeGreaterThan(8);
    for (const [key, s] of p) {
      const [h, k, l] = key.split(',').map(Number);
      expect(l).toBe(0);
      expect(h % 2 === 0 && k % 2 === 0).toBe(true);
      expect(s.x).toBeCloseTo(C + h / a / PX, 9);
      expect(s.y).toBeCloseTo(C + k / a / PX, 9);
    }
    for (const key of ['2,0,0', '-2,0,0', '0,2,0', '0,-2,0', '2,2,0']) expect(p.has(key), key).toBe(true);
    // 4-fold: the four 200 spots are equally strong.
    const i200 = ['2,0,0', '0,2,0', '-2,0,0', '0,-2,0'].map((k) => p.get(k)!.intensity);
    for (const v of i200) expect(v).toBeCloseTo(i200[0], 9);
  });

  it('fcc [011]: 111 and 200 at 54.74°, |g111|/|g200| = √3/2, 200 along +x and [01-1] along +y', () => {
    const p = spots(sim.simulate(zoneAxisOrientation(cu.lattice, [0, 1, 1]).matrix));
    for (const key of p.keys()) {
      const [, k, l] = key.split(',').map(Number);
      expect(k + l).toBe(0);
    }
    const g200 = p.get('2,0,0')!;
    const g111 = p.get('1,1,-1')!;
    expect(g200.y).toBeCloseTo(C, 9);
    expect(g200.x).toBeCloseTo(C + 2 / a / PX, 9);
    const v200 = [g200.x - C, g200.y - C];
    const v111 = [g111.x - C, g111.y - C];
    expect(v111[1]).toBeGreaterThan(0);
    expect(Math.hypot(...v111) / Math.hypot(...v200)).toBeCloseTo(Math.sqrt(3) / 2, 9);
    const angle = (Math.acos((v200[0] * v111[0] + v200[1] * v111[1]) / (Math.hypot(...v200) * Math.hypot(...v111))) * 180) / Math.PI;
    expect(angle).toBeCloseTo(54.7356, 3);
    for (const key of ['1,1,-1', '-1,1,-1', '1,-1,1', '-1,-1,1', '0,2,-2', '2,0,0', '-2,0,0']) expect(p.has(key), key).toBe(true);
  });

  it('fcc [111]: six 220 spots at 60° on a circle of radius 2√2/(a·px)', () => {
    const p = spots(sim.simulate(zoneAxisOrientation(cu.lattice, [1, 1, 1]).matrix));
    const family = [...p.entries()].filter(([k]) => k.split(',').map((v) => Math.abs(Number(v))).sort().join(',') === '0,2,2');
    expect(family.length).toBe(6);
    const angles = family.map(([, s]) => (Math.atan2(s.y - C, s.x - C) * 180) / Math.PI).sort((u, v) => u - v);
    for (const [, s] of family) expect(Math.hypot(s.x - C, s.y - C)).toBeCloseTo((2 * Math.SQRT2) / a / PX, 9);
    for (let i = 1; i < 6; i++) expect(angles[i] - angles[i - 1]).toBeCloseTo(60, 9);
    for (const key of p.keys()) expect(key.split(',').map(Number).reduce((s, v) => s + v, 0)).toBe(0);
  });

  it('hcp [0001]: six {10-10} spots, (100) at +30° from x (a along x), radius 2/(√3·a·px)', () => {
    const simTi = new PatternSimulator(ti, { size: N, pixelSize: PX, precession: 1, thickness: 50 });
    const p = spots(simTi.simulate(zoneAxisOrientation(ti.lattice, [0, 0, 1]).matrix));
    const r = 2 / (Math.sqrt(3) * ti.cell.a) / PX;
    const g100 = p.get('1,0,0')!;
    expect(g100.x).toBeCloseTo(C + r * Math.cos(Math.PI / 6), 9);
    expect(g100.y).toBeCloseTo(C + r * Math.sin(Math.PI / 6), 9);
    const family = ['1,0,0', '0,1,0', '-1,1,0', '-1,0,0', '0,-1,0', '1,-1,0'].map((k) => p.get(k)!);
    for (const s of family) {
      expect(Math.hypot(s.x - C, s.y - C)).toBeCloseTo(r, 9);
      // Equal up to the CIF's 0.33333 for 1/3.
      expect(Math.abs(s.intensity / family[0].intensity - 1)).toBeLessThan(1e-3);
    }
    expect(p.has('0,0,1')).toBe(false);
  });

  it('the in-plane angle turns the pattern about the centre by that angle (clockwise on screen: y is down)', () => {
    const p0 = spots(sim.simulate(zoneAxisOrientation(cu.lattice, [0, 0, 1], 0).matrix));
    const p30 = spots(sim.simulate(zoneAxisOrientation(cu.lattice, [0, 0, 1], 30).matrix));
    const s0 = p0.get('2,0,0')!;
    const s30 = p30.get('2,0,0')!;
    const turn = (Math.atan2(s30.y - C, s30.x - C) - Math.atan2(s0.y - C, s0.x - C)) * (180 / Math.PI);
    // g_sample = Gᵀ·g_crystal; with Φ = φ2 = 0 that is a turn by +φ1 from x towards y.
    expect(turn).toBeCloseTo(30, 9);
  });

  it('orientations related by a Laue-group rotation give the same pattern (cubic, hexagonal, monoclinic)', () => {
    const zro2 = readCifPhase(readFileSync(join(REPO_ROOT, 'test', 'crystal-cifs', 'ZrO2-symbol.cif'), 'utf8'), 'ZrO2');
    for (const phase of [cu, ti, zro2]) {
      const s = new PatternSimulator(phase, { size: N, pixelSize: PX, precession: 1, thickness: 50 });
      for (const euler of [[10, 20, 30], [200, 80, 5], [45, 54.7356, 45]]) {
        const g = eulerDegreesToMatrix(euler[0], euler[1], euler[2]);
        const spotsOf = (p: SimulatedPattern) =>
          new Map(Array.from({ length: p.count }, (_, i) => [`${p.x[i].toFixed(6)},${p.y[i].toFixed(6)}`, p.intensity[i]]));
        const reference = spotsOf(s.simulate(g));
        expect(reference.size).toBeGreaterThan(0);
        for (const r of phase.laueRotations) {
          const turned = spotsOf(s.simulate(multiply3(r, g)));
          expect([...turned.keys()].sort(), phase.name).toEqual([...reference.keys()].sort());
          // Intensities equal up to the CIF's 0.33333 for 1/3 (α-Ti).
          for (const [at, v] of turned) expect(Math.abs(v / reference.get(at)! - 1), phase.name).toBeLessThan(1e-3);
        }
      }
    }
  });
});

describe('the precession average', () => {
  it('equals a brute-force average over 20,000 beam azimuths', () => {
    const sim = new PatternSimulator(cu, { size: N, pixelSize: PX, precession: 1.5, thickness: 40, voltage: 300 });
    const g = eulerDegreesToMatrix(12, 33, 71);
    const p = sim.simulate(g);
    expect(p.count).toBeGreaterThan(0);
    const k = 1 / electronWavelength(300e3);
    const phi = (1.5 * Math.PI) / 180;
    const t = 400;
    for (let i = 0; i < p.count; i++) {
      const gc = cu.lattice.g([...p.hkl.subarray(3 * i, 3 * i + 3)]);
      const gs = [0, 1, 2].map((j) => g[j] * gc[0] + g[3 + j] * gc[1] + g[6 + j] * gc[2]);
      expect(p.x[i]).toBeCloseTo(C + gs[0] / PX, 9);
      let sum = 0;
      const M = 20000;
      for (let m = 0; m < M; m++) {
        const th = (2 * Math.PI * m) / M;
        const kv = [k * Math.sin(phi) * Math.cos(th), k * Math.sin(phi) * Math.sin(th), k * Math.cos(phi)];
        const kg = Math.hypot(kv[0] + gs[0], kv[1] + gs[1], kv[2] + gs[2]);
        const s = (k * k - kg * kg) / (2 * k);
        sum += Math.exp(-Math.PI * (t * s) ** 2);
      }
      expect(p.intensity[i] / p.f2[i]).toBeCloseTo(sum / M, 4);
    }
  });

  it('without precession only reflections near the Ewald sphere show, strongest where s = 0', () => {
    const sim = new PatternSimulator(cu, { size: N, pixelSize: PX, precession: 0, thickness: 50 });
    const p = sim.simulate(zoneAxisOrientation(cu.lattice, [0, 0, 1]).matrix);
    for (let i = 0; i < p.count; i++) expect(p.intensity[i] / p.f2[i]).toBeCloseTo(Math.exp(-Math.PI * (500 * p.excitation[i]) ** 2), 12);
  });
});

describe('reflection subsets for a local search (nearby)', () => {
  /** G·R, R the rotation by `degrees` about the unit axis along (x, y, z). */
  function turned(g: Mat3, [x, y, z]: number[], degrees: number): Mat3 {
    const n = Math.hypot(x, y, z);
    const [u, v, w] = [x / n, y / n, z / n];
    const t = (degrees * Math.PI) / 180;
    const c = Math.cos(t), s = Math.sin(t), k = 1 - c;
    const r: Mat3 = [c + u * u * k, u * v * k - w * s, u * w * k + v * s, v * u * k + w * s, c + v * v * k, v * w * k - u * s, w * u * k - v * s, w * v * k + u * s, c + w * w * k];
    return multiply3(g, r);
  }
  const euler = fc.tuple(fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), fc.double({ min: 0, max: Math.PI, noNaN: true }), fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }));
  const axis = fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 1, noNaN: true }));

  for (const [name, phase] of [['Cu', cu], ['Ti', ti]] as const) {
    it(`${name}: any orientation within the reach gets the same pattern from the subset as from every reflection`, () => {
      const sim = new PatternSimulator(phase, { size: 144, pixelSize: 0.025, precession: 1, thickness: 40 });
      fc.assert(
        fc.property(euler, axis, fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0.5, 1.5, 3), ([p1, P, p2], direction, fraction, reach) => {
          const g = eulerToMatrix(p1, P, p2);
          const near = sim.nearby(g, reach);
          expect(near.length).toBeLessThan(sim.candidates / 3);
          const g2 = turned(g, direction, fraction * reach);
          expect(sim.simulate(g2, near)).toEqual(sim.simulate(g2));
        }),
        { numRuns: 150, seed: 16 },
      );
    });
  }

  it('the subset is not everything: 3° away from its centre, a 0.5° subset misses reflections', () => {
    const sim = new PatternSimulator(cu, { size: 144, pixelSize: 0.025, precession: 1, thickness: 40 });
    const g = eulerDegreesToMatrix(20, 35, 10);
    const g2 = turned(g, [1, 0.5, 0.2], 3);
    expect(sim.simulate(g2, sim.nearby(g, 0.5)).count).toBeLessThan(sim.simulate(g2).count);
  });
});

describe('results and rendering', () => {
  it('hands out its own arrays: a pattern stays as it was after later orientations are simulated', () => {
    // The simulator reuses scratch buffers between calls; each result must be copied out of them.
    const sim = new PatternSimulator(cu, { size: N, pixelSize: PX, precession: 1, thickness: 50 });
    const matrices = Array.from({ length: 200 }, (_, i) => eulerToMatrix(i * 0.37, Math.acos(1 - ((i * 0.618) % 2)), i * 1.3));
    const first = sim.simulate(matrices[0]);
    const copy = structuredClone(first);
    for (const g of matrices.slice(1)) sim.simulate(g);
    expect(first).toEqual(copy);
    expect(sim.simulate(matrices[0])).toEqual(copy);
  });

  it('renders spots whose integrals are the intensities', () => {
    const sim = new PatternSimulator(cu, { size: 128, pixelSize: 0.02, precession: 1, thickness: 50 });
    const p = sim.simulate(zoneAxisOrientation(cu.lattice, [0, 0, 1]).matrix);
    const image = renderPattern(p, 128, sim.center, { spotSigma: 1.5 });
    const inside = Array.from({ length: p.count }, (_, i) => i).filter((i) => p.x[i] > 8 && p.x[i] < 119 && p.y[i] > 8 && p.y[i] < 119);
    const total = image.reduce((s, v) => s + v, 0);
    const expected = inside.reduce((s, i) => s + p.intensity[i], 0);
    expect(total).toBeGreaterThanOrEqual(expected * 0.999);
    const i200 = inside.find((i) => p.hkl[3 * i] === 2 && p.hkl[3 * i + 1] === 0)!;
    const [x, y] = [Math.round(p.x[i200]), Math.round(p.y[i200])];
    let spot = 0;
    for (let r = y - 6; r <= y + 6; r++) for (let c = x - 6; c <= x + 6; c++) spot += image[r * 128 + c];
    expect(spot).toBeCloseTo(p.intensity[i200], 3);
    const noisy = renderPattern(p, 128, sim.center, { directBeam: 3, counts: 200, background: 2, seed: 7 });
    expect(noisy.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
    expect(noisy[64 * 128 + 64]).toBeGreaterThan(100);
  });
});
