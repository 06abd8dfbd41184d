/**
 * The viewer's reciprocal calibration (Å⁻¹ per pattern pixel): one per
 * file, remembered in the browser (localStorage, keyed by the file's name,
 * size and acquisition time), shared by every panel that shows pattern
 * coordinates. Panels subscribe; whoever sets it says where it came from.
 */
import { headerCalibration, reciprocalToMrad, type CalibrationSource, type ReciprocalCalibration } from '../../src/crystal/calibration.js';
import type { Blockfile } from '../../src/reader/blockfile.js';

/** How each source is named beside the value, so an estimate is never read as a measurement. */
export const SOURCE_LABELS: Record<CalibrationSource, string> = {
  typed: 'typed in',
  header: 'estimate from header',
  measured: 'measured',
  link: 'from the link',
  cli: 'given to the CLI',
};

/** Four significant digits, no exponent for everyday magnitudes. */
function digits(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/**
 * A distance on the pattern of `pixels` pixels, in the units the user sees:
 * pixels while uncalibrated, else Å⁻¹ and, when the beam energy is known,
 * mrad ("0.25 Å⁻¹ (6.27 mrad)").
 */
export function formatDistance(pixels: number, calibration: ReciprocalCalibration | undefined, volts?: number): string {
  if (!calibration) return `${digits(pixels)} px`;
  const k = pixels * calibration.perPixel;
  return volts && volts > 0 ? `${digits(k)} Å⁻¹ (${digits(reciprocalToMrad(k, volts))} mrad)` : `${digits(k)} Å⁻¹`;
}

/** The calibration in one line: value, source and how ("0.025 Å⁻¹ per pixel, measured on a ring of …"). */
export function describeCalibration(calibration: ReciprocalCalibration | undefined): string {
  if (!calibration) return 'uncalibrated: pattern distances in pixels';
  const label = SOURCE_LABELS[calibration.source] ?? calibration.source;
  // `how` often opens with what the label says already ("estimated from the header: …", "measured on …").
  const detail = calibration.how.replace(/^(estimated from the header:|typed in by the user|measured|cal=\S+ in the link)\s*/, '');
  return `${digits(calibration.perPixel)} Å⁻¹ per pixel, ${label}${detail ? `${calibration.source === 'measured' ? ' ' : ': '}${detail}` : ''}`;
}

const STORAGE_PREFIX = 'blockfile.calibration:';

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled (private mode, sandboxed frame)
  }
}

function isCalibration(value: unknown): value is ReciprocalCalibration {
  const c = value as ReciprocalCalibration | null;
  return typeof c === 'object' && c !== null && typeof c.perPixel === 'number' && c.perPixel > 0 && Number.isFinite(c.perPixel) && typeof c.source === 'string' && typeof c.how === 'string';
}

export class CalibrationStore {
  readonly #key: string;
  /** What the header implies, offered as a starting point; never applied without the user's say. */
  readonly estimate: ReciprocalCalibration | undefined;
  /** The file's beam energy in volts (for mrad), undefined when the header gives none. */
  readonly volts: number | undefined;
  #current: ReciprocalCalibration | undefined;
  readonly #listeners = new Set<(c: ReciprocalCalibration | undefined) => void>();

  constructor(bf: Blockfile) {
    this.#key = `${STORAGE_PREFIX}${bf.name}:${bf.source.size}:${bf.header.Acquisition_time}`;
    this.estimate = headerCalibration(bf.header);
    this.volts = bf.header.Beam_energy > 0 ? bf.header.Beam_energy : undefined;
    try {
      const saved: unknown = JSON.parse(storage()?.getItem(this.#key) ?? 'null');
      if (isCalibration(saved)) this.#current = saved;
    } catch {
      // an unreadable entry is as good as none
    }
  }

  /** Å⁻¹ per pattern pixel, or undefined while uncalibrated. */
  get current(): ReciprocalCalibration | undefined {
    return this.#current;
  }

  /** Sets (or, with undefined, forgets) the calibration; `remember: false` keeps it out of storage (e.g. from a link). */
  set(calibration: ReciprocalCalibration | undefined, { remember = true } = {}): void {
    this.#current = calibration;
    if (remember) {
      if (calibration) storage()?.setItem(this.#key, JSON.stringify(calibration));
      else storage()?.removeItem(this.#key);
    }
    for (const listener of this.#listeners) listener(calibration);
  }

  /** A distance of `pixels` on the pattern in the current units (see formatDistance). */
  distance(pixels: number): string {
    return formatDistance(pixels, this.#current, this.volts);
  }

  /** Calls `listener` now and on every change; returns the unsubscribe function. */
  subscribe(listener: (c: ReciprocalCalibration | undefined) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#current);
    return () => this.#listeners.delete(listener);
  }
}
