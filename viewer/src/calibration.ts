/**
 * The viewer's reciprocal calibration (Å⁻¹ per pattern pixel): one per
 * file, remembered in the browser (localStorage, keyed by the file's name,
 * size and acquisition time), shared by every panel that shows pattern
 * coordinates. Panels subscribe; whoever sets it says where it came from.
 */
import { headerCalibration, type ReciprocalCalibration } from '../../src/crystal/calibration.js';
import type { Blockfile } from '../../src/reader/blockfile.js';

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
  #current: ReciprocalCalibration | undefined;
  readonly #listeners = new Set<(c: ReciprocalCalibration | undefined) => void>();

  constructor(bf: Blockfile) {
    this.#key = `${STORAGE_PREFIX}${bf.name}:${bf.source.size}:${bf.header.Acquisition_time}`;
    this.estimate = headerCalibration(bf.header);
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

  /** Calls `listener` now and on every change; returns the unsubscribe function. */
  subscribe(listener: (c: ReciprocalCalibration | undefined) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#current);
    return () => this.#listeners.delete(listener);
  }
}
