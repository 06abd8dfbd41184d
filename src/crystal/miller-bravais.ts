/**
 * Miller–Bravais indices for hexagonal cells (a = b, α = β = 90°, γ = 120°),
 * as microscopists write them: a direction [uvw] as [UVTW] with
 * U = (2u − v)/3, V = (2v − u)/3, T = −(u + v)/3, W = w (scaled to the
 * smallest integers), a plane (hkl) as (hkil) with i = −(h + k).
 */
import { gcd, type Cell } from './lattice.js';

/** Whether the cell is in the hexagonal setting (trigonal and hexagonal lattices). */
export function isHexagonalCell(cell: Cell): boolean {
  const near = (x: number, y: number, tolerance: number) => Math.abs(x - y) <= tolerance;
  return near(cell.a, cell.b, 1e-4 * cell.a) && near(cell.alpha, 90, 0.01) && near(cell.beta, 90, 0.01) && near(cell.gamma, 120, 0.01);
}

/** The four-index direction [UVTW] of the three-index direction [uvw], in the smallest integers. */
export function fourIndexDirection(uvw: readonly number[]): [number, number, number, number] {
  const [u, v, w] = uvw;
  const four = [2 * u - v, 2 * v - u, -(u + v), 3 * w];
  const g = four.reduce(gcd, 0) || 1;
  return four.map((x) => x / g + 0) as [number, number, number, number];
}

/** The four-index plane (hkil) of the plane (hkl). */
export function fourIndexPlane(hkl: readonly number[]): [number, number, number, number] {
  const [h, k, l] = hkl;
  return [h, k, -(h + k) + 0, l];
}

/** Indices in brackets, separated by spaces, minus signs for bars: `[2 -1 -1 0]`. */
function bracketed(v: readonly number[]): string {
  return `[${v.join(' ')}]`;
}

/** A direction as a microscopist writes it: four indices [UVTW] for a hexagonal cell, with [uvw] after them. */
export function directionLabel(uvw: readonly number[], cell: Cell): string {
  return isHexagonalCell(cell) ? `${bracketed(fourIndexDirection(uvw))} (${bracketed(uvw)})` : bracketed(uvw);
}

/** Plane indices run together with overbars for negatives (1̄11), four of them (hkil) for a hexagonal cell. */
export function planeLabel(hkl: readonly number[], cell: Cell): string {
  const indices = isHexagonalCell(cell) ? fourIndexPlane(hkl) : hkl;
  return indices.map((v) => (v < 0 ? `${-v}\u0305` : String(v))).join('');
}
