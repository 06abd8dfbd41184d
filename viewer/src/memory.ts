/**
 * How much of a local file the analysis workers may keep in memory, and
 * what the page says when the browser does not tell how much there is.
 */
import { format } from './image-view.js';

/** Assumed where `navigator.deviceMemory` is missing (Firefox and Safari do not expose it). */
const ASSUMED_GIB = 4;
/** What the workers keep at most, however much memory there is. */
const MAX_BYTES = 2 * 2 ** 30;

/** The device's memory in GiB as the browser reports it, or undefined. */
function deviceMemory(): number | undefined {
  return (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
}

/** Bytes the analysis workers may keep in memory, in all: a quarter of the device's memory, at most 2 GiB. */
export function cacheBudget(): number {
  return Math.min(MAX_BYTES, ((deviceMemory() ?? ASSUMED_GIB) * 2 ** 30) / 4);
}

/**
 * A sentence for the page when this browser does not report the device's
 * memory and so a file that a browser reporting 8 GiB or more would hold is
 * not held (blo demo's 1 GiB scan is one): every pass reads the file again.
 * Undefined otherwise.
 */
export function memoryNote(fileBytes: number): string | undefined {
  if (deviceMemory() !== undefined || fileBytes <= cacheBudget() || fileBytes > MAX_BYTES) return undefined;
  const gib = (bytes: number) => `${format(bytes / 2 ** 30)} GiB`;
  return (
    `This browser does not tell pages how much memory the device has, so the viewer assumes ${ASSUMED_GIB} GiB ` +
    `and keeps at most ${gib(cacheBudget())} of a file in memory, less than this file: each pass reads it again ` +
    '(in Chrome or Edge, or through blo view, passes over it can be faster).'
  );
}
