/**
 * Kinematic electron structure factors: F(hkl) = Σ_atoms occ · f_e(s) ·
 * exp(−B s²) · exp(2πi h·x), with s = 1/(2d), B = 8π²U, f_e from
 * International Tables Vol. C 4.3.2.2, summed over every atom of the cell
 * (each position once, so special positions count once). In Å.
 */
import type { Phase } from './phase.js';
import { electronScatteringFactor, scatteringFactorOf, type ScatteringFactor } from './scattering.js';
import { classifyPointGroup, laueProperRotations, rotationParts } from './symmetry.js';
import { cos, exp, sin } from './exact-math.js';

/** The atoms of a phase grouped for fast structure-factor sums. */
export interface Scatterers {
  factors: ScatteringFactor[];
  /** Per atom: index into `factors`, occupancy, B (Å²), fractional position. */
  kind: Int32Array;
  occupancy: Float64Array;
  b: Float64Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
}

export function scatterersOf(phase: Phase): Scatterers {
  const factors: ScatteringFactor[] = [];
  const n = phase.atoms.length;
  const s: Scatterers = {
    factors,
    kind: new Int32Array(n),
    occupancy: new Float64Array(n),
    b: new Float64Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    z: new Float64Array(n),
  };
  phase.atoms.forEach((atom, i) => {
    const sf = scatteringFactorOf(atom.element);
    if (!sf) throw new Error(`${phase.file}: no electron scattering factor for element ${atom.element}`);
    let k = factors.indexOf(sf);
    if (k < 0) k = factors.push(sf) - 1;
    s.kind[i] = k;
    s.occupancy[i] = atom.occupancy;
    s.b[i] = 8 * Math.PI * Math.PI * atom.uIso;
    [s.x[i], s.y[i], s.z[i]] = atom.position;
  });
  return s;
}

/** F(hkl) as [real, imaginary], Å; `invD2` = 1/d² of the reflection. */
export function structureFactorOf(s: Scatterers, hkl: readonly number[], invD2: number): [number, number] {
  const s2 = invD2 / 4;
  const f = s.factors.map((sf) => electronScatteringFactor(sf, s2));
  let re = 0;
  let im = 0;
  for (let i = 0; i < s.kind.length; i++) {
    const amplitude = s.occupancy[i] * f[s.kind[i]] * exp(-s.b[i] * s2);
    const phase = 2 * Math.PI * (hkl[0] * s.x[i] + hkl[1] * s.y[i] + hkl[2] * s.z[i]);
    re += amplitude * cos(phase);
    im += amplitude * sin(phase);
  }
  return [re, im];
}

/** F(hkl) of a phase, [real, imaginary] in Å. */
export function structureFactor(phase: Phase, hkl: readonly number[]): [number, number] {
  return structureFactorOf(scatterersOf(phase), hkl, phase.lattice.invD2(hkl));
}

export interface Reflection {
  hkl: [number, number, number];
  /** d-spacing, Å. */
  d: number;
  /** |F|², Å². */
  f2: number;
}

export interface ReflectionFamily extends Reflection {
  /** Number of reflections of the family (its orbit under the Laue group). */
  multiplicity: number;
  /** Every member of the family. */
  members: [number, number, number][];
}

/** |F|² below this fraction of the strongest reflection's counts as systematically absent. */
export const ABSENT_FRACTION = 1e-8;

/**
 * Every reflection with d ≥ dMin (|g| ≤ 1/dMin), (000) excluded, with |F|²;
 * systematic absences (|F|² below {@link ABSENT_FRACTION} of the strongest) left out.
 */
export function reflectionsWithin(phase: Phase, dMin: number, scatterers = scatterersOf(phase)): Reflection[] {
  const { a, b, c } = phase.cell;
  const gMax = 1 / dMin;
  // |h| = |a·g| ≤ a·gMax, and so on.
  const [hMax, kMax, lMax] = [a, b, c].map((v) => Math.floor(v * gMax + 1e-9));
  const out: Reflection[] = [];
  const invD2Max = gMax * gMax * (1 + 1e-12);
  for (let h = -hMax; h <= hMax; h++) {
    for (let k = -kMax; k <= kMax; k++) {
      for (let l = -lMax; l <= lMax; l++) {
        if (h === 0 && k === 0 && l === 0) continue;
        const invD2 = phase.lattice.invD2([h, k, l]);
        if (invD2 > invD2Max) continue;
        const [re, im] = structureFactorOf(scatterers, [h, k, l], invD2);
        out.push({ hkl: [h, k, l], d: 1 / Math.sqrt(invD2), f2: re * re + im * im });
      }
    }
  }
  const strongest = out.reduce((m, r) => Math.max(m, r.f2), 0);
  return out.filter((r) => r.f2 > strongest * ABSENT_FRACTION);
}

const key = (h: readonly number[]) => h.join(',');

/**
 * Reflections grouped into families of equivalent reflections under the
 * phase's Laue group, by decreasing d, then decreasing |F|². The
 * representative has the largest indices in lexicographic order (h ≥ k ≥ l ≥ 0 for cubic).
 */
export function reflectionFamilies(phase: Phase, dMin: number): ReflectionFamily[] {
  const reflections = reflectionsWithin(phase, dMin);
  const byKey = new Map(reflections.map((r) => [key(r.hkl), r]));
  const rotations = rotationParts(phase.ops);
  classifyPointGroup(rotations);
  // h' = h·W (Miller indices transform as row vectors); with −1 for Friedel pairs.
  const laue = laueProperRotations(rotations);
  const group = [...laue, ...laue.map((w) => w.map((v) => -v))];
  const done = new Set<string>();
  const families: ReflectionFamily[] = [];
  for (const r of reflections) {
    if (done.has(key(r.hkl))) continue;
    const members = new Map<string, [number, number, number]>();
    for (const w of group) {
      const [h, k, l] = r.hkl;
      const m: [number, number, number] = [h * w[0] + k * w[3] + l * w[6], h * w[1] + k * w[4] + l * w[7], h * w[2] + k * w[5] + l * w[8]];
      members.set(key(m), m);
    }
    const list = [...members.values()].sort((p, q) => q[0] - p[0] || q[1] - p[1] || q[2] - p[2]);
    for (const m of list) done.add(key(m));
    const representative = byKey.get(key(list[0])) ?? r;
    families.push({ ...representative, hkl: list[0], multiplicity: list.length, members: list });
  }
  return families.sort((p, q) => q.d - p.d || q.f2 - p.f2);
}
