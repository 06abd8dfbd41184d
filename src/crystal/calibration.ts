/**
 * Reciprocal-space calibration of diffraction patterns: Å⁻¹ per pattern
 * pixel, what the header implies, and the conversions the viewer and CLI
 * show (pixels ↔ Å⁻¹ ↔ mrad). Pure: runs in browsers.
 */
import type { BlockfileHeader } from '../format/header.js';
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
