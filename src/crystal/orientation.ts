/**
 * Orientations as ORIENTATION.md defines them: the Bunge matrix G takes
 * sample components to crystal components, v_crystal = G · v_sample, from
 * Bunge Euler angles (φ1, Φ, φ2). Matrices are row-major arrays of 9.
 */
import type { Lattice, Mat3 } from './lattice.js';
import { acos, atan2, cos, sin } from './exact-math.js';

const RAD = Math.PI / 180;

/** G from Bunge Euler angles in radians (ORIENTATION.md's matrix). */
export function eulerToMatrix(phi1: number, Phi: number, phi2: number): Mat3 {
  const c1 = cos(phi1);
  const s1 = sin(phi1);
  const c2 = cos(phi2);
  const s2 = sin(phi2);
  const C = cos(Phi);
  const S = sin(Phi);
  return [c1 * c2 - s1 * s2 * C, s1 * c2 + c1 * s2 * C, s2 * S, -c1 * s2 - s1 * c2 * C, -s1 * s2 + c1 * c2 * C, c2 * S, s1 * S, -c1 * S, C];
}

/** Bunge Euler angles (radians, φ1 and φ2 in [0, 2π), Φ in [0, π]) of an orientation matrix G. */
export function matrixToEuler(g: Mat3): [number, number, number] {
  const wrap = (a: number) => (a < 0 ? a + 2 * Math.PI : a);
  const Phi = acos(Math.max(-1, Math.min(1, g[8])));
  if (Math.abs(sin(Phi)) < 1e-9) {
    // Φ = 0 (or π): only φ1 ± φ2 is defined; put it all in φ1.
    return [wrap(atan2(g[1], g[0])), Phi, 0];
  }
  return [wrap(atan2(g[6], -g[7])), Phi, wrap(atan2(g[2], g[5]))];
}

/** G from Bunge Euler angles in degrees. */
export function eulerDegreesToMatrix(phi1: number, Phi: number, phi2: number): Mat3 {
  return eulerToMatrix(phi1 * RAD, Phi * RAD, phi2 * RAD);
}

/**
 * The orientation that puts crystal direction [uvw] along the beam (sample
 * z) and turns the crystal by `angle` degrees about it: Φ and φ2 from the
 * direction (G's third column is its unit vector), φ1 = `angle`. With angle
 * 0 and [001] of a cubic phase, G is the identity (a along x, b along y).
 * Returns G and its Bunge Euler angles in degrees.
 */
export function zoneAxisOrientation(lattice: Lattice, uvw: readonly number[], angle = 0): { matrix: Mat3; euler: [number, number, number] } {
  const d = lattice.direction(uvw);
  const n = Math.hypot(d[0], d[1], d[2]);
  if (!(n > 0)) throw new RangeError(`zone axis [${uvw.join(',')}] is not a direction`);
  const [x, y, z] = [d[0] / n, d[1] / n, d[2] / n];
  const Phi = acos(Math.max(-1, Math.min(1, z)));
  const phi2 = Math.hypot(x, y) < 1e-12 ? 0 : atan2(x, y);
  const euler: [number, number, number] = [angle, Phi / RAD, ((phi2 / RAD) % 360 + 360) % 360];
  return { matrix: eulerDegreesToMatrix(...euler), euler };
}

/** Rotation angle of a rotation matrix, degrees. */
export function rotationAngle(r: Mat3): number {
  return acos(Math.max(-1, Math.min(1, (r[0] + r[4] + r[8] - 1) / 2))) / RAD;
}
