/**
 * `--pixel-size`: the reciprocal calibration of the patterns, Å⁻¹ per pixel,
 * as a number or `header` (the estimate from SDP, camera length and beam
 * energy, said to be one).
 */
import { headerCalibration, type ReciprocalCalibration } from '../crystal/calibration.js';
import type { Blockfile } from '../reader/blockfile.js';
import { UsageError } from './errors.js';
import { numberOption } from './numbers.js';
import type { PatternScale } from './detector-options.js';

export function pixelSizeOption(text: string | undefined, bf: Blockfile, warn: (line: string) => void): ReciprocalCalibration | undefined {
  if (text === undefined) return undefined;
  if (text.trim().toLowerCase() === 'header') {
    const estimate = headerCalibration(bf.header);
    if (!estimate) {
      const h = bf.header;
      throw new UsageError(`--pixel-size header: the header of ${bf.name} gives no estimate (SDP ${h.SDP}, Camera_length ${h.Camera_length}, Beam_energy ${h.Beam_energy}); give Å⁻¹ per pixel`);
    }
    warn(`--pixel-size header: ${Number(estimate.perPixel.toPrecision(5))} Å⁻¹ per pixel, an estimate ${estimate.how.replace(/^estimated /, '')}`);
    return estimate;
  }
  return { perPixel: numberOption('--pixel-size', text, { above: 0 }), source: 'cli', how: 'given with --pixel-size' };
}

/** What converts pattern lengths in Å⁻¹ or mrad into pixels for this file. */
export function patternScale(text: string | undefined, bf: Blockfile, warn: (line: string) => void): PatternScale {
  return { perPixel: pixelSizeOption(text, bf, warn)?.perPixel, volts: bf.header.Beam_energy, file: bf.name };
}
