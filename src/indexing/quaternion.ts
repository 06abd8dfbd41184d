/**
 * Orientations as unit quaternions (w, x, y, z) and symmetry-aware
 * misorientation. A quaternion here represents the Bunge matrix G of
 * ORIENTATION.md (v_crystal = G · v_sample): `quaternionToMatrix(q)` is G.
 * The matrix of q is the usual one (Rowenhorst et al. 2015, eq. 9 with
 * P = +1), so composing orientations is multiplying quaternions.
 */
import type { Mat3 } from '../crystal/lattice.js';
import { acos } from '../crystal/exact-math.js';

export type Quaternion = [number, number, number, number];

/** The unit quaternion (w ≥ 0) whose rotation matrix is `m` (row-major, proper). */
export function matrixToQuaternion(m: Mat3 | Float64Array | readonly number[]): Quaternion {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = m as readonly number[];
  const tr = m00 + m11 + m22;
  let w: number, x: number, y: number, z: number;
  if (tr > 0) {
    const s = 2 * Math.sqrt(1 + tr);
    w = s / 4;
    x = (m21 - m12) / s;
    y = (m02 - m20) / s;
    z = (m10 - m01) / s;
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    w = (m21 - m12) / s;
    x = s / 4;
    y = (m01 + m10) / s;
    z = (m02 + m20) / s;
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    w = (m02 - m20) / s;
    x = (m01 + m10) / s;
    y = s / 4;
    z = (m12 + m21) / s;
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    w = (m10 - m01) / s;
    x = (m02 + m20) / s;
    y = (m12 + m21) / s;
    z = s / 4;
  }
  // Not Math.hypot: engines round it differently, and quaternions seed the matching (the same bits in every browser).
  const n = Math.sqrt(w * w + x * x + y * y + z * z) * (w < 0 ? -1 : 1);
  return [w / n, x / n, y / n, z / n];
}

/** The rotation matrix (row-major) of a unit quaternion. */
export function quaternionToMatrix(q: readonly number[]): Mat3 {
  const [w, x, y, z] = q;
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}

/** a·b (the rotation b first, then a). */
export function multiplyQuaternions(a: ArrayLike<number>, b: ArrayLike<number>): Quaternion {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

/**
 * The symmetry of a phase for misorientations: its Laue group's proper
 * rotations (`Phase.laueRotations`, crystal frame) as quaternions.
 */
export function symmetryQuaternions(rotations: readonly (Mat3 | readonly number[])[]): Float64Array {
  const out = new Float64Array(4 * rotations.length);
  rotations.forEach((r, i) => out.set(matrixToQuaternion(r as Mat3), 4 * i));
  return out;
}

/**
 * Misorientation angle in degrees between orientations a and b (quaternions
 * of G) of a phase with symmetry `sym` (see {@link symmetryQuaternions}): the
 * smallest rotation angle of S·G_a·G_bᵀ over the proper rotations S
 * (ORIENTATION.md). With `beamFlip`, G_b·Rz(180°) counts as G_b too (the
 * half turn about the beam a kinematic pattern cannot tell).
 */
export function misorientation(a: ArrayLike<number>, b: ArrayLike<number>, sym: Float64Array, beamFlip = false): number {
  // d = a · b⁻¹; S·d has w-component S·d's scalar part.
  const bi = [b[0], -b[1], -b[2], -b[3]];
  let best = misorientationOf(multiplyQuaternions(a, bi), sym);
  if (beamFlip) {
    // G_b·Rz(180°): Rz(180°) is the quaternion (0, 0, 0, 1).
    const bf = multiplyQuaternions(b, [0, 0, 0, 1]);
    best = Math.min(best, misorientationOf(multiplyQuaternions(a, [bf[0], -bf[1], -bf[2], -bf[3]]), sym));
  }
  return best;
}

function misorientationOf(d: ArrayLike<number>, sym: Float64Array): number {
  let w = 0;
  for (let s = 0; s < sym.length; s += 4) {
    const v = Math.abs(sym[s] * d[0] - sym[s + 1] * d[1] - sym[s + 2] * d[2] - sym[s + 3] * d[3]);
    if (v > w) w = v;
  }
  return (2 * acos(Math.min(1, w)) * 180) / Math.PI;
}
