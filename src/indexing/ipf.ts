/**
 * Inverse pole figure (IPF) colours: the crystal direction along a sample
 * direction, reduced by the Laue group to its standard sector (the upper
 * hemisphere, azimuth η from the a axis between η₀ and η₁, polar angle χ
 * from c up to the sector's edge), coloured red at c ([001]), green at the
 * sector's corner at η₀ and blue at η₁ (for m-3m: red [001], green [101],
 * blue [111]), as the TSL key does. Pure: runs in browsers.
 */
import type { Mat3 } from '../crystal/lattice.js';
import { acos, atan, atan2, cos, sin, tan } from '../crystal/exact-math.js';

interface Sector {
  /** Azimuth range, radians. */
  eta0: number;
  eta1: number;
  /** The largest polar angle at azimuth η, radians. */
  chiMax: (eta: number) => number;
}

const DEG = Math.PI / 180;
const HALF = (_eta: number) => Math.PI / 2;

/** Standard sectors of the 11 Laue classes (crystal frame: x ∥ a, z ∥ c*). */
const SECTORS: Record<string, Sector> = {
  '-1': { eta0: 0, eta1: 2 * Math.PI, chiMax: HALF },
  '2/m': { eta0: 0, eta1: Math.PI, chiMax: HALF },
  mmm: { eta0: 0, eta1: 90 * DEG, chiMax: HALF },
  '4/m': { eta0: 0, eta1: 90 * DEG, chiMax: HALF },
  '4/mmm': { eta0: 0, eta1: 45 * DEG, chiMax: HALF },
  '-3': { eta0: 0, eta1: 120 * DEG, chiMax: HALF },
  '-3m': { eta0: 0, eta1: 60 * DEG, chiMax: HALF },
  '6/m': { eta0: 0, eta1: 60 * DEG, chiMax: HALF },
  '6/mmm': { eta0: 0, eta1: 30 * DEG, chiMax: HALF },
  // z ≥ x, z ≥ y: the edge toward [101] or [011].
  'm-3': { eta0: 0, eta1: 90 * DEG, chiMax: (eta) => atan(1 / Math.max(cos(eta), sin(eta))) },
  // z ≥ x ≥ y ≥ 0: [001]–[101]–[111].
  'm-3m': { eta0: 0, eta1: 45 * DEG, chiMax: (eta) => atan(1 / cos(eta)) },
};

export const IPF_LAUE_GROUPS = Object.keys(SECTORS);

function sectorOf(laueGroup: string): Sector {
  const s = SECTORS[laueGroup];
  if (!s) throw new RangeError(`no IPF key for Laue group "${laueGroup}"`);
  return s;
}

/** η and χ of a unit vector, η in [0, 2π). */
function polar(x: number, y: number, z: number): [number, number] {
  let eta = atan2(y, x);
  if (eta < 0) eta += 2 * Math.PI;
  return [eta, acos(Math.max(-1, Math.min(1, z)))];
}

/** How far (radians) a direction lies outside a sector (0 inside). */
function outside(s: Sector, x: number, y: number, z: number): number {
  const [eta, chi] = polar(x, y, z);
  const tol = 1e-9;
  let d = 0;
  if (eta > s.eta1 + tol) d += Math.min(eta - s.eta1, 2 * Math.PI - eta);
  if (eta < s.eta0 - tol) d += s.eta0 - eta;
  const m = s.chiMax(Math.min(Math.max(eta, s.eta0), s.eta1));
  if (chi > m + tol) d += chi - m;
  return d;
}

/** The TSL key's colour (0–1) of a direction inside a sector. */
function keyColour(s: Sector, x: number, y: number, z: number): [number, number, number] {
  const [eta, chi] = polar(x, y, z);
  const e = Math.min(Math.max(eta, s.eta0), s.eta1);
  const t = Math.min(1, chi / s.chiMax(e));
  const u = (e - s.eta0) / (s.eta1 - s.eta0);
  const rgb: [number, number, number] = [1 - t, t * (1 - u), t * u];
  const max = Math.max(...rgb);
  // Full brightness, gamma ½ for a more even key (as DREAM.3D draws it).
  return rgb.map((v) => Math.sqrt(v / max)) as [number, number, number];
}

/**
 * The crystal direction along sample direction `axis` (0 x, 1 y, 2 z) of
 * orientation G (v_crystal = G·v_sample: G's column `axis`), reduced into
 * the standard sector of the Laue group with `rotations` (its proper
 * rotations, crystal frame) and the inversion.
 */
export function reduceToSector(g: ArrayLike<number>, axis: number, rotations: readonly (Mat3 | readonly number[])[], laueGroup: string): [number, number, number] {
  const s = sectorOf(laueGroup);
  const v = [g[axis], g[3 + axis], g[6 + axis]];
  let best: [number, number, number] = [0, 0, 1];
  let bestOut = Infinity;
  for (const r of rotations) {
    const w = [0, 1, 2].map((i) => r[3 * i] * v[0] + r[3 * i + 1] * v[1] + r[3 * i + 2] * v[2]);
    const sign = w[2] < 0 ? -1 : 1;
    const d = outside(s, sign * w[0], sign * w[1], sign * w[2]);
    if (d < bestOut) {
      bestOut = d;
      best = [sign * w[0], sign * w[1], sign * w[2]];
      if (d === 0) break;
    }
  }
  return best;
}

/**
 * IPF colours of an orientation map: RGB bytes per position (black where
 * `phase` is 0), the direction along sample `axis` (0 x, 1 y, 2 z).
 * `quaternionToMatrix` gives G from the map's quaternions.
 */
export function ipfColours(
  orientations: { phase: ArrayLike<number>; quaternion: ArrayLike<number> },
  phases: readonly { laueGroup: string; laueRotations: readonly (Mat3 | readonly number[])[] }[],
  axis: 0 | 1 | 2,
): Uint8Array {
  const n = orientations.phase.length;
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const p = orientations.phase[i];
    if (p === 0) continue;
    const { laueGroup, laueRotations } = phases[p - 1];
    const q = [0, 1, 2, 3].map((k) => orientations.quaternion[4 * i + k]);
    const g = matrixOf(q);
    const [x, y, z] = reduceToSector(g, axis, laueRotations, laueGroup);
    const rgb = keyColour(sectorOf(laueGroup), x, y, z);
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(255 * rgb[c]);
  }
  return out;
}

function matrixOf([w, x, y, z]: number[]): number[] {
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}

/**
 * The colour key of a Laue group: its standard sector in stereographic
 * projection (c at the left corner, η₀ along the bottom edge), coloured
 * as {@link ipfColours} colours, on `background`; RGB bytes, side × side.
 */
export function ipfKey(laueGroup: string, side = 128, background: [number, number, number] = [255, 255, 255]): { rgb: Uint8Array; width: number; height: number } {
  const s = sectorOf(laueGroup);
  // Extent of the sector in the projection plane (X, Y) = tan(χ/2)(cos η, sin η).
  let xMin = 0, xMax = 0, yMin = 0, yMax = 0;
  for (let k = 0; k <= 256; k++) {
    const eta = s.eta0 + ((s.eta1 - s.eta0) * k) / 256;
    const rho = tan(s.chiMax(eta) / 2);
    const X = rho * cos(eta), Y = rho * sin(eta);
    xMin = Math.min(xMin, X); xMax = Math.max(xMax, X); yMin = Math.min(yMin, Y); yMax = Math.max(yMax, Y);
  }
  const margin = 4;
  const scale = (side - 2 * margin) / Math.max(xMax - xMin, yMax - yMin);
  const width = Math.ceil((xMax - xMin) * scale) + 2 * margin;
  const height = Math.ceil((yMax - yMin) * scale) + 2 * margin;
  const rgb = new Uint8Array(3 * width * height);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const X = xMin + (col + 0.5 - margin) / scale;
      const Y = yMax - (row + 0.5 - margin) / scale; // up the image is +Y
      const rho2 = X * X + Y * Y;
      // Inverse stereographic projection onto the upper hemisphere.
      const x = (2 * X) / (1 + rho2), y = (2 * Y) / (1 + rho2), z = (1 - rho2) / (1 + rho2);
      const inside = z >= 0 && outside(s, x, y, z) === 0;
      const colour = inside ? keyColour(s, x, y, z).map((v) => Math.round(255 * v)) : background;
      rgb.set(colour, 3 * (row * width + col));
    }
  }
  return { rgb, width, height };
}
