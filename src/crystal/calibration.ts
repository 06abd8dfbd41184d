/**
 * Reciprocal-space calibration of diffraction patterns: Å⁻¹ per pattern
 * pixel, what the header implies, and the conversions the viewer and CLI
 * show (pixels ↔ Å⁻¹ ↔ mrad). Pure: runs in browsers.
 */
import type { BlockfileHeader } from '../format/header.js';
import { radialProfile } from '../analysis/profile.js';
import { electronWavelength } from './lattice.js';

/** Where a calibration came from, shown beside it so an estimate is never taken for a measurement. */
export type CalibrationSource = 'typed' | 'header' | 'measured' | 'link' | 'cli';

export interface ReciprocalCalibration {
  /** Å⁻¹ per pattern pixel. */
  readonly perPixel: number;
  readonly source: CalibrationSource;
  /** How it was obtained, in a sentence (e.g. the ring and d-spacing it was measured on). */
  readonly how: string;
}

/**
 * The calibration the header implies: SDP (100 × pixels per cm on the
 * recorded pattern) and the camera length (tenths of a mm) give the pixel
 * size on the camera; divided by λ·L it is Å⁻¹. Only an estimate: ASTAR's
 * nominal camera length and SDP are rarely exact. Undefined when the header
 * lacks SDP, camera length or beam energy.
 */
export function headerCalibration(header: Pick<BlockfileHeader, 'SDP' | 'Camera_length' | 'Beam_energy'>): ReciprocalCalibration | undefined {
  if (!(header.SDP > 0 && header.Camera_length > 0 && header.Beam_energy > 0)) return undefined;
  const cmPerPixel = 100 / header.SDP;
  const cameraLengthCm = header.Camera_length / 100;
  const lambda = electronWavelength(header.Beam_energy);
  const perPixel = cmPerPixel / (lambda * cameraLengthCm);
  return {
    perPixel,
    source: 'header',
    how: `estimated from the header: ${cmPerPixel.toPrecision(4)} cm per pixel (SDP ${header.SDP}) at camera length ${(header.Camera_length / 10).toPrecision(4)} mm and ${header.Beam_energy / 1000} kV`,
  };
}

/** Å⁻¹ per pixel from a ring of radius `radiusPixels` whose d-spacing is `dSpacing` Å. */
export function calibrationFromRing(radiusPixels: number, dSpacing: number): ReciprocalCalibration {
  if (!(radiusPixels > 0)) throw new RangeError(`the ring's radius must be positive, got ${radiusPixels} pixels`);
  if (!(dSpacing > 0)) throw new RangeError(`the d-spacing must be positive, got ${dSpacing} Å`);
  return {
    perPixel: 1 / dSpacing / radiusPixels,
    source: 'measured',
    how: `measured on a ring of radius ${radiusPixels.toPrecision(4)} px with d = ${dSpacing} Å`,
  };
}

/** Scattering angle in mrad of a reciprocal distance `k` Å⁻¹ at `volts` (small-angle: θ = λk). */
export function reciprocalToMrad(k: number, volts: number): number {
  return electronWavelength(volts) * k * 1000;
}

/** Inverse of reciprocalToMrad: Å⁻¹ of a scattering angle `mrad` at `volts`. */
export function mradToReciprocal(mrad: number, volts: number): number {
  return mrad / 1000 / electronWavelength(volts);
}

/**
 * The radius of the ring nearest `radius` about (cx, cy): the peak of the
 * pattern's radial profile within `search` pixels of it. The profile is
 * taken in half-pixel rings, smoothed over three of them (distances from a
 * centre between pixels come in steps that leave alternate rings sparse),
 * and a parabola through the highest ring and its neighbours places the
 * peak between rings. The background is left as it is: taking off a line
 * between the window's ends pulled the peak towards a neighbouring ring's
 * side (copper 111 beside 200: 1.8 % off, against 0.3 % without). A circle
 * drawn by hand is off by a pixel or so, 5 % of the calibration at 20 px;
 * the peak is good to a few tenths of a pixel on a sloping background.
 * Undefined when the window holds no peak (only a shoulder).
 */
export function refineRingRadius(
  pattern: ArrayLike<number>,
  rows: number,
  cols: number,
  cx: number,
  cy: number,
  radius: number,
  search = Math.max(2, radius / 10),
): number | undefined {
  // Once more about the peak found: a window centred on the ring levels its background evenly.
  let found = ringPeak(pattern, rows, cols, cx, cy, radius, search);
  for (let pass = 0; pass < 3 && found !== undefined; pass++) {
    const again = ringPeak(pattern, rows, cols, cx, cy, found, search);
    if (again === undefined || Math.abs(again - radius) > search) break;
    const moved = Math.abs(again - found);
    found = again;
    if (moved < 0.01) break;
  }
  return found;
}

function ringPeak(pattern: ArrayLike<number>, rows: number, cols: number, cx: number, cy: number, radius: number, search: number): number | undefined {
  const width = 0.5;
  const profile = radialProfile(pattern, rows, cols, cx, cy, { binWidth: width, maxRadius: radius + search + 2 * width });
  const middle = (k: number) => (k + 0.5) * width;
  const n = profile.mean.length;
  // Ring sums and pixel counts smoothed together, so an empty ring takes its neighbours' mean.
  const smooth = new Float64Array(n).fill(NaN);
  for (let k = 1; k < n - 1; k++) {
    const count = profile.count[k - 1] + 2 * profile.count[k] + profile.count[k + 1];
    if (count > 0) smooth[k] = (profile.sum[k - 1] + 2 * profile.sum[k] + profile.sum[k + 1]) / count;
  }
  const inside: number[] = [];
  for (let k = 1; k < n - 1; k++) if (Math.abs(middle(k) - radius) <= search && Number.isFinite(smooth[k])) inside.push(k);
  if (inside.length < 5) return undefined;
  const [first, last] = [inside[0], inside[inside.length - 1]];
  let best = -1;
  for (const k of inside) if (best < 0 || smooth[k] > smooth[best]) best = k;
  // A peak on the window's edge is the profile still rising or falling (a shoulder, not a ring): none.
  if (best === first || best === last) return undefined;
  const [a, b, c] = [smooth[best - 1], smooth[best], smooth[best + 1]];
  const curvature = a - 2 * b + c;
  const shift = curvature < 0 ? (0.5 * (a - c)) / curvature : 0;
  return middle(best + shift);
}
