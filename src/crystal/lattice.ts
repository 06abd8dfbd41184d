/**
 * The unit cell, its Cartesian frame and the reciprocal lattice, as
 * ORIENTATION.md fixes them: crystal frame x ∥ a, z ∥ c*, y = z × x; direct
 * matrix A with columns a, b, c; g = (A⁻¹)ᵀ·(h, k, l) in Å⁻¹ (|g| = 1/d, no 2π).
 * Matrices are row-major arrays of 9 numbers.
 */

import { acos, cos, sin } from './exact-math.js';

export interface Cell {
  /** Å */
  a: number;
  b: number;
  c: number;
  /** degrees */
  alpha: number;
  beta: number;
  gamma: number;
}

export type Mat3 = number[];
export type Vec3 = [number, number, number];

const RAD = Math.PI / 180;

/** The direct matrix A (columns a, b, c in the crystal frame: a along x, c* along z). */
export function directMatrix(cell: Cell): Mat3 {
  const ca = cos(cell.alpha * RAD);
  const cb = cos(cell.beta * RAD);
  const cg = cos(cell.gamma * RAD);
  const sg = sin(cell.gamma * RAD);
  const cy = (ca - cb * cg) / sg;
  const cz = Math.sqrt(Math.max(0, 1 - cb * cb - cy * cy));
  // Columns: a = a(1,0,0); b = b(cos γ, sin γ, 0); c = c(cos β, cy, cz). b lies in the plane
  // perpendicular to c* (which is perpendicular to a and b), so z ∥ c*.
  return [cell.a, cell.b * cg, cell.c * cb, 0, cell.b * sg, cell.c * cy, 0, 0, cell.c * cz];
}

export function det3(m: Mat3): number {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}

export function inverse3(m: Mat3): Mat3 {
  const d = det3(m);
  return [
    (m[4] * m[8] - m[5] * m[7]) / d,
    (m[2] * m[7] - m[1] * m[8]) / d,
    (m[1] * m[5] - m[2] * m[4]) / d,
    (m[5] * m[6] - m[3] * m[8]) / d,
    (m[0] * m[8] - m[2] * m[6]) / d,
    (m[2] * m[3] - m[0] * m[5]) / d,
    (m[3] * m[7] - m[4] * m[6]) / d,
    (m[1] * m[6] - m[0] * m[7]) / d,
    (m[0] * m[4] - m[1] * m[3]) / d,
  ];
}

export function transpose3(m: Mat3): Mat3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

export function multiply3(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return out;
}

export function apply3(m: Mat3, v: readonly number[]): Vec3 {
  return [m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2], m[6] * v[0] + m[7] * v[1] + m[8] * v[2]];
}

export function norm(v: readonly number[]): number {
  return Math.hypot(v[0], v[1], v[2]);
}

/** The cell and the matrices derived from it, computed once. */
export class Lattice {
  readonly cell: Cell;
  /** Direct matrix A: columns a, b, c (Å) in the crystal frame. */
  readonly direct: Mat3;
  /** Reciprocal matrix B = (A⁻¹)ᵀ: columns a*, b*, c* (Å⁻¹). */
  readonly reciprocal: Mat3;
  /** Cell volume, Å³. */
  readonly volume: number;
  /** Reciprocal metric tensor G* = BᵀB: 1/d² = hᵀ G* h. */
  readonly reciprocalMetric: Mat3;

  constructor(cell: Cell) {
    this.cell = { ...cell };
    this.direct = directMatrix(cell);
    this.volume = det3(this.direct);
    if (!(this.volume > 0) || !Number.isFinite(this.volume)) throw new RangeError(`not a unit cell: ${JSON.stringify(cell)}`);
    this.reciprocal = transpose3(inverse3(this.direct));
    this.reciprocalMetric = multiply3(transpose3(this.reciprocal), this.reciprocal);
  }

  /** g of a reflection in the crystal frame, Å⁻¹. */
  g(hkl: readonly number[]): Vec3 {
    return apply3(this.reciprocal, hkl);
  }

  /** 1/d² of (hkl), from the reciprocal metric. */
  invD2(hkl: readonly number[]): number {
    const [h, k, l] = hkl;
    const m = this.reciprocalMetric;
    return m[0] * h * h + m[4] * k * k + m[8] * l * l + 2 * (m[1] * h * k + m[2] * h * l + m[5] * k * l);
  }

  /** Interplanar spacing d(hkl), Å. */
  d(hkl: readonly number[]): number {
    return 1 / Math.sqrt(this.invD2(hkl));
  }

  /** A direction [uvw] (in units of a, b, c) in the crystal frame, Å. */
  direction(uvw: readonly number[]): Vec3 {
    return apply3(this.direct, uvw);
  }

  /** Angle between the normals of planes (h1k1l1) and (h2k2l2), degrees. */
  planeAngle(h1: readonly number[], h2: readonly number[]): number {
    return angleBetween(this.g(h1), this.g(h2));
  }

  /** Angle between directions [u1v1w1] and [u2v2w2], degrees. */
  directionAngle(u1: readonly number[], u2: readonly number[]): number {
    return angleBetween(this.direction(u1), this.direction(u2));
  }

  /** The zone axis [uvw] common to two planes: h1 × h2, reduced to the smallest integers. */
  zoneAxis(h1: readonly number[], h2: readonly number[]): Vec3 {
    return reduceIntegers([h1[1] * h2[2] - h1[2] * h2[1], h1[2] * h2[0] - h1[0] * h2[2], h1[0] * h2[1] - h1[1] * h2[0]]);
  }
}

export function angleBetween(a: readonly number[], b: readonly number[]): number {
  const c = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (norm(a) * norm(b));
  return acos(Math.max(-1, Math.min(1, c))) / RAD;
}

/** The greatest common divisor of two integers, never negative. */
export function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

/** An integer vector divided by the greatest common divisor of its components. */
export function reduceIntegers(v: readonly number[]): Vec3 {
  const g = gcd(gcd(v[0], v[1]), v[2]) || 1;
  return [v[0] / g + 0, v[1] / g + 0, v[2] / g + 0];
}

/** Electron wavelength in Å at an accelerating voltage in volts (relativistic; ORIENTATION.md). */
export function electronWavelength(volts: number): number {
  return 12.2643 / Math.sqrt(volts * (1 + 0.97845e-6 * volts));
}
