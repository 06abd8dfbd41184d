/**
 * One indexed position looked at closely: the best template's spots where
 * they fall on the pattern, the zone axis along the beam, the Euler angles
 * and the runner-up solution. Pure (no DOM).
 */
import { apply3, directMatrix, gcd, inverse3 } from '../../../src/crystal/lattice.js';
import { matrixToEuler } from '../../../src/crystal/orientation.js';
import type { Phase } from '../../../src/crystal/phase.js';
import { reduceToSector } from '../../../src/indexing/ipf.js';
import { templateSimulator, type TemplateLibrary } from '../../../src/indexing/library.js';
import type { IndexMaps } from '../../../src/indexing/match.js';
import { misorientation, quaternionToMatrix, symmetryQuaternions } from '../../../src/indexing/quaternion.js';
import type { PatternSimulator } from '../../../src/crystal/simulate.js';

export interface Spot {
  /** Pattern column and row, pixels. */
  x: number;
  y: number;
  intensity: number;
  hkl: [number, number, number];
}

export interface Solution {
  phase: number;
  /** Bunge angles, degrees. */
  euler: [number, number, number];
  correlation: number;
  /** Misorientation from the best, degrees (the Laue group's; undefined for another phase). */
  fromBest: number | undefined;
}

export interface Inspection {
  /** 1-based phase; 0: not indexed. */
  phase: number;
  euler: [number, number, number];
  correlation: number;
  reliability: number;
  phaseReliability: number;
  spotsMatched: number;
  center: [number, number];
  /** Direct-lattice indices along the beam, reduced to the Laue group's standard sector, and how far off it the beam is (degrees). */
  zone: { uvw: [number, number, number]; off: number } | undefined;
  /** The best solution that is not the same one: another phase, or more than `distinct` degrees away. */
  runnerUp: Solution | undefined;
  spots: Spot[];
}

/** Simulators per phase for one library (the templates' geometry), made once. */
export class SpotSimulator {
  readonly #library: TemplateLibrary;
  readonly #phases: readonly Phase[];
  readonly #simulators = new Map<number, PatternSimulator>();

  constructor(library: TemplateLibrary, phases: readonly Phase[]) {
    this.#library = library;
    this.#phases = phases;
  }

  /**
   * The template the matcher scores for orientation `g` of 0-based phase `p`
   * (its simulator; spots between the beam mask and the matched radius, of
   * positive intensity, the strongest `maxSpots`), placed about the beam
   * centre found in the pattern.
   */
  spots(p: number, g: readonly number[], center: [number, number]): Spot[] {
    const lib = this.#library;
    let sim = this.#simulators.get(p);
    if (!sim) this.#simulators.set(p, (sim = templateSimulator(this.#phases[p], lib)));
    const pattern = sim.simulate([...g]);
    const half = sim.center[0];
    const kept: number[] = [];
    for (let i = 0; i < pattern.count; i++) {
      const r = Math.hypot(pattern.x[i] - half, pattern.y[i] - half);
      if (r >= lib.innerRadius && r <= lib.radius && pattern.intensity[i] > 0) kept.push(i);
    }
    kept.sort((a, b) => pattern.intensity[b] - pattern.intensity[a] || a - b);
    return kept.slice(0, lib.maxSpots).map((i) => ({
      x: pattern.x[i] - half + center[0],
      y: pattern.y[i] - half + center[1],
      intensity: pattern.intensity[i],
      hkl: [pattern.hkl[3 * i], pattern.hkl[3 * i + 1], pattern.hkl[3 * i + 2]],
    }));
  }
}

/**
 * The smallest integer direction [uvw] (largest index up to 12) within
 * 1.5° of `v` (direct-lattice components), else the closest one with
 * indices up to 12; and the angle between them, degrees.
 */
export function integerDirection(v: readonly number[], metric: readonly number[]): { uvw: [number, number, number]; off: number } {
  // Angles in Cartesian space: metric is the direct matrix A (columns a, b, c).
  const cart = (u: readonly number[]) => apply3([...metric], u);
  const target = cart(v);
  const tn = Math.hypot(...target);
  let best: { uvw: [number, number, number]; off: number } = { uvw: [0, 0, 1], off: 180 };
  for (let n = 1; n <= 12; n++) {
    for (let u = -n; u <= n; u++) {
      for (let w1 = -n; w1 <= n; w1++) {
        for (let w2 = -n; w2 <= n; w2++) {
          if (Math.max(Math.abs(u), Math.abs(w1), Math.abs(w2)) !== n) continue;
          if (gcd(gcd(u, w1), w2) !== 1) continue;
          const c = cart([u, w1, w2]);
          const cos = (c[0] * target[0] + c[1] * target[1] + c[2] * target[2]) / (Math.hypot(...c) * tn);
          const off = (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
          if (off < best.off - 1e-9) best = { uvw: [u, w1, w2], off };
        }
      }
    }
    if (best.off <= 1.5) break;
  }
  return best;
}

const degrees = (e: readonly number[]) => e.map((v) => (v * 180) / Math.PI) as [number, number, number];

/** Everything the inspector shows for position `i` of `maps` (indexed against `library` built from `phases`). */
export function inspect(maps: IndexMaps, i: number, phases: readonly Phase[], simulator: SpotSimulator, distinct = 5): Inspection {
  const phase = maps.phase[i];
  const center: [number, number] = [maps.center[2 * i], maps.center[2 * i + 1]];
  const base = {
    phase,
    euler: [maps.euler[3 * i], maps.euler[3 * i + 1], maps.euler[3 * i + 2]] as [number, number, number],
    correlation: maps.correlation[i],
    reliability: maps.reliability[i],
    phaseReliability: maps.phaseReliability[i],
    spotsMatched: maps.spots[i],
    center,
  };
  if (phase === 0) return { ...base, zone: undefined, runnerUp: undefined, spots: [] };
  const p = phases[phase - 1];
  const q = Array.from(maps.quaternion.subarray(4 * i, 4 * i + 4));
  const g = quaternionToMatrix(q);
  // The beam (sample z) in crystal components, into the standard sector, then as direct-lattice indices.
  const beam = reduceToSector(g, 2, p.laueRotations, p.laueGroup);
  const a = directMatrix(p.cell);
  const zone = integerDirection(apply3(inverse3(a), beam), a);
  const k = maps.solutionsPerPosition;
  const symmetry = symmetryQuaternions(p.laueRotations);
  let runnerUp: Solution | undefined;
  for (let j = 1; j < k; j++) {
    const s = i * k + j;
    const sp = maps.solutions.phase[s];
    if (sp === 0) break;
    const sq = Array.from(maps.solutions.quaternion.subarray(4 * s, 4 * s + 4));
    const fromBest = sp === phase ? misorientation(q, sq, symmetry) : undefined;
    if (fromBest !== undefined && fromBest <= distinct) continue;
    runnerUp = { phase: sp, euler: degrees(matrixToEuler(quaternionToMatrix(sq))), correlation: maps.solutions.correlation[s], fromBest };
    break;
  }
  return { ...base, zone, runnerUp, spots: simulator.spots(phase - 1, g, center) };
}
