/**
 * Reading .ctf orientation maps back (ours, ASTAR's, Channel 5's) and
 * comparing an indexed map with a ground truth: symmetry-aware
 * misorientation per position, and how alike two orientations' kinematic
 * patterns are (a miss whose pattern is the truth's is no indexer's to
 * avoid). Pure.
 */
import { CTF_LAUE_CLASSES } from '../crystal/ctf.js';
import { exp } from '../crystal/exact-math.js';
import type { Mat3 } from '../crystal/lattice.js';
import { eulerDegreesToMatrix } from '../crystal/orientation.js';
import type { PatternSimulator, SimulatedPattern } from '../crystal/simulate.js';
import { turnAbout } from './profile-fit.js';
import { matrixToQuaternion, misorientation } from './quaternion.js';

export interface CtfData {
  nx: number;
  ny: number;
  phases: { name: string; laueGroup: string; spaceGroup: number }[];
  /** 1-based phase per position, 0 when not indexed. */
  phase: Uint8Array;
  /** Bunge Euler angles, degrees, interleaved. */
  euler: Float64Array;
  bands: Uint16Array;
  bc: Float32Array;
  bs: Float32Array;
}

/** Parses a .ctf file's text (tab-separated, any line ends); throws a RangeError naming the line that is wrong. */
export function parseCtf(text: string, file = 'CTF'): CtfData {
  const lines = text.split(/\r?\n/);
  const value = (key: string) => {
    const line = lines.find((l) => l.startsWith(`${key}\t`));
    if (!line) throw new RangeError(`${file}: no ${key} line`);
    return line.split('\t')[1];
  };
  const nx = Number(value('XCells'));
  const ny = Number(value('YCells'));
  const count = Number(value('Phases'));
  if (!(Number.isInteger(nx) && nx > 0 && Number.isInteger(ny) && ny > 0 && Number.isInteger(count) && count >= 0)) {
    throw new RangeError(`${file}: XCells, YCells and Phases must be whole numbers`);
  }
  const at = lines.findIndex((l) => l.startsWith('Phases\t'));
  const phases = lines.slice(at + 1, at + 1 + count).map((l, i) => {
    const parts = l.split('\t');
    const code = Number(parts[3]);
    if (parts.length < 4 || !(code >= 1 && code <= CTF_LAUE_CLASSES.length)) throw new RangeError(`${file}, line ${at + 2 + i}: not a phase line`);
    return { name: parts[2], laueGroup: CTF_LAUE_CLASSES[code - 1], spaceGroup: Number(parts[4] ?? 0) };
  });
  const head = lines.findIndex((l) => l.startsWith('Phase\tX\tY'));
  if (head < 0) throw new RangeError(`${file}: no column header (Phase X Y Bands …)`);
  const columns = lines[head].split('\t');
  const col = (name: string) => columns.indexOf(name);
  const n = nx * ny;
  const out: CtfData = { nx, ny, phases, phase: new Uint8Array(n), euler: new Float64Array(3 * n), bands: new Uint16Array(n), bc: new Float32Array(n), bs: new Float32Array(n) };
  const rows = lines.slice(head + 1).filter((l) => l.trim() !== '');
  if (rows.length !== n) throw new RangeError(`${file}: ${rows.length} rows for ${nx} × ${ny} positions`);
  const [cp, c1, c2, c3, cb, cbc, cbs] = ['Phase', 'Euler1', 'Euler2', 'Euler3', 'Bands', 'BC', 'BS'].map(col);
  rows.forEach((row, i) => {
    const v = row.split('\t').map(Number);
    out.phase[i] = v[cp];
    out.euler[3 * i] = v[c1];
    out.euler[3 * i + 1] = v[c2];
    out.euler[3 * i + 2] = v[c3];
    if (cb >= 0) out.bands[i] = v[cb];
    if (cbc >= 0) out.bc[i] = v[cbc];
    if (cbs >= 0) out.bs[i] = v[cbs];
  });
  return out;
}

export interface MapComparison {
  /** Positions compared (indexed in the truth). */
  positions: number;
  /** Fraction with the true phase. */
  phaseCorrect: number;
  /** Fraction with the true phase and within `tolerance` degrees (the half turn about the beam allowed). */
  withinTolerance: number;
  /** The same without allowing the half turn about the beam. */
  withinToleranceStrict: number;
  /** Median misorientation of the positions with the right phase, degrees. */
  medianError: number;
  /** Misorientation per position (NaN where the phase is wrong or not indexed), degrees. */
  errors: Float64Array;
}

/**
 * Compares an orientation map with a ground truth of the same scan: phases
 * (1-based in both, the same order) and Bunge Euler angles in degrees;
 * `symmetries` are each phase's Laue rotations as quaternions
 * (`symmetryQuaternions`).
 */
export function compareOrientationMaps(
  found: { phase: ArrayLike<number>; euler: ArrayLike<number> },
  truth: { phase: ArrayLike<number>; euler: ArrayLike<number> },
  symmetries: readonly Float64Array[],
  tolerance = 2,
  only?: (index: number) => boolean,
): MapComparison {
  const n = truth.phase.length;
  const errors = new Float64Array(n).fill(NaN);
  let positions = 0, phaseOk = 0, ok = 0, okStrict = 0;
  const q = (e: ArrayLike<number>, i: number) => matrixToQuaternion(eulerDegreesToMatrix(e[3 * i], e[3 * i + 1], e[3 * i + 2]));
  const right: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = truth.phase[i];
    if (p === 0 || (only && !only(i))) continue;
    positions++;
    if (found.phase[i] !== p) continue;
    phaseOk++;
    const a = q(found.euler, i);
    const b = q(truth.euler, i);
    const e = misorientation(a, b, symmetries[p - 1], true);
    errors[i] = e;
    right.push(e);
    if (e <= tolerance) ok++;
    if (misorientation(a, b, symmetries[p - 1]) <= tolerance) okStrict++;
  }
  right.sort((x, y) => x - y);
  return {
    positions,
    phaseCorrect: positions ? phaseOk / positions : 0,
    withinTolerance: positions ? ok / positions : 0,
    withinToleranceStrict: positions ? okStrict / positions : 0,
    medianError: right.length ? right[right.length >> 1] : NaN,
    errors,
  };
}

/** Σ over spot pairs of I·J·exp(−d²/4σ²): the overlap of two patterns drawn as Gaussian spots of width σ. */
function overlap(a: SimulatedPattern, b: SimulatedPattern, sigma: number): number {
  const k = 1 / (4 * sigma * sigma);
  let sum = 0;
  for (let i = 0; i < a.count; i++) {
    for (let j = 0; j < b.count; j++) {
      const dx = a.x[i] - b.x[j];
      const dy = a.y[i] - b.y[j];
      sum += a.intensity[i] * b.intensity[j] * exp(-(dx * dx + dy * dy) * k);
    }
  }
  return sum;
}

/**
 * How alike the kinematic patterns of orientations g1 and g2 are: the
 * normalised overlap (1 for the same pattern, 0 for no spot in common) of
 * their spots drawn as Gaussians of width `sigma` pixels, g2 or its half
 * turn about the beam, whichever is closer (a kinematic pattern cannot tell
 * them apart); the lowest over `simulators` (say, one per thickness of the
 * range the crystal may have). Patterns without a spot count as unlike.
 */
export function patternSimilarity(simulators: readonly PatternSimulator[], g1: Mat3, g2: Mat3, sigma: number): number {
  if (!(sigma > 0)) throw new RangeError(`sigma must be positive (pixels), got ${sigma}`);
  let lowest = 1;
  for (const sim of simulators) {
    const a = sim.simulate(g1);
    const aa = overlap(a, a, sigma);
    let best = 0;
    for (const g of [g2, turnAbout(g2, 2, Math.PI)]) {
      const b = sim.simulate(g);
      const bb = overlap(b, b, sigma);
      if (aa > 0 && bb > 0) best = Math.max(best, overlap(a, b, sigma) / Math.sqrt(aa * bb));
    }
    lowest = Math.min(lowest, best);
  }
  return lowest;
}
