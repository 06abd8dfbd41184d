/** The data behind the viewer's exports, without the page: calibrated TIFFs and the radial profile as CSV. */
import type { RadialProfile } from '../../src/analysis/profile.js';
import { reciprocalToMrad } from '../../src/crystal/calibration.js';
import { encodeTiff, type TiffResolution } from '../../src/tiff/tiff.js';

/** One pixel's physical size: the scan step in nm, the pattern's Å⁻¹ (calibrated) or the header's cm. */
export interface PixelSize {
  size: number;
  units: string;
  /** Where it comes from, for the file's description ("scan step in the header", "measured: …"). */
  source?: string;
}

/** JSON with everything past ASCII escaped: a TIFF's ASCII tag then holds "Å⁻¹" losslessly. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One image as a float64 TIFF whose first page carries its pixel size:
 * XResolution/YResolution (pixels per unit; per centimetre with
 * ResolutionUnit cm for nm and cm, unitless for Å⁻¹, which TIFF cannot
 * name) and a JSON ImageDescription with the label, pixel size and unit.
 */
export function calibratedTiff(values: ArrayLike<number>, rows: number, cols: number, label: string, pixel?: PixelSize): Uint8Array {
  const description: Record<string, unknown> = { description: label, shape: [rows, cols], axes: 'YX' };
  let resolution: TiffResolution | undefined;
  if (pixel && pixel.size > 0 && Number.isFinite(pixel.size)) {
    Object.assign(description, { pixel_size: pixel.size, unit: pixel.units }, pixel.source ? { calibration: pixel.source } : {});
    const perCm = pixel.units === 'nm' ? 1e7 / pixel.size : pixel.units === 'cm' ? 1 / pixel.size : undefined;
    resolution = perCm ? { x: perCm, y: perCm, unit: 'cm' } : { x: 1 / pixel.size, y: 1 / pixel.size, unit: 'none' };
  }
  return encodeTiff([{ data: Float64Array.from(values), rows, cols }], asciiJson(description), 'auto', resolution);
}

/**
 * The radial profile as CSV: radius in pixels (and in the calibrated unit
 * when given, and as a scattering angle in mrad when that unit is Å⁻¹ and
 * the beam energy in volts is given), ring mean, pixel count.
 */
export function profileCsv(profile: RadialProfile, centre: { cx: number; cy: number }, pixel?: PixelSize, volts?: number): string {
  const calibrated = pixel && pixel.size > 0;
  const angles = calibrated && pixel.units === 'Å⁻¹' && volts !== undefined && volts > 0;
  const lines = [
    `# radial profile about x ${centre.cx}, y ${centre.cy} (pattern pixels); ring k holds radii from r to r + ${profile.radius.length > 1 ? profile.radius[1] - profile.radius[0] : 1}${angles ? `; angles at ${volts / 1000} kV` : ''}`,
    [`radius_px`, ...(calibrated ? [`radius_${pixel.units.replace(/Å⁻¹/, 'inv_angstrom')}`] : []), ...(angles ? ['angle_mrad'] : []), 'mean', 'pixels'].join(','),
  ];
  for (let k = 0; k < profile.radius.length; k++) {
    const r = profile.radius[k];
    const mean = profile.mean[k];
    const q = calibrated ? r * pixel.size : 0;
    lines.push([r, ...(calibrated ? [Number(q.toPrecision(8))] : []), ...(angles ? [Number(reciprocalToMrad(q, volts).toPrecision(8))] : []), Number.isNaN(mean) ? '' : mean, profile.count[k]].join(','));
  }
  return `${lines.join('\n')}\n`;
}
