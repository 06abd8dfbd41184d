/**
 * What makes the viewer live: images that fill in while a pass runs
 * (partial results, coarse to fine, shown with each missing position
 * taking the value of the nearest computed one in its column), and a
 * preview for dragging detectors: the patterns of every s-th scan row and
 * column held in memory, read once in the background.
 */
import { applyDetector, compileDetector, type Detector } from '../../src/analysis/detectors.js';
import type { Blockfile } from '../../src/reader/blockfile.js';

/** Per-frame values arriving in ranges of frames, in any order. */
export class FillingImage {
  readonly values: Float64Array;
  readonly filled: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  framesDone = 0;

  constructor(rows: number, cols: number) {
    this.rows = rows;
    this.cols = cols;
    this.values = new Float64Array(rows * cols).fill(NaN);
    this.filled = new Uint8Array(rows * cols);
  }

  add(start: number, values: Float64Array): void {
    this.values.set(values, start);
    this.filled.fill(1, start, start + values.length);
    this.framesDone += values.length;
  }

  /** The image so far: each position not computed yet shows the nearest computed one in its column. */
  display(): Float64Array {
    const { rows, cols, values, filled } = this;
    const out = new Float64Array(values.length).fill(NaN);
    const lastRow = new Int32Array(cols).fill(-1);
    // Forward, then backward: the nearer of the computed rows above and below.
    const above = new Int32Array(values.length);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const i = y * cols + x;
        if (filled[i]) lastRow[x] = y;
        above[i] = lastRow[x];
      }
    }
    lastRow.fill(-1);
    for (let y = rows - 1; y >= 0; y--) {
      for (let x = 0; x < cols; x++) {
        const i = y * cols + x;
        if (filled[i]) lastRow[x] = y;
        const a = above[i];
        const b = lastRow[x];
        const from = a < 0 ? b : b < 0 ? a : y - a <= b - y ? a : b;
        if (from >= 0) out[i] = values[from * cols + x];
      }
    }
    return out;
  }
}

/** Every `step`-th row and column of the scan, their patterns in memory. */
export interface Preview {
  step: number;
  rows: number;
  cols: number;
  frames: Uint8Array | Uint16Array;
  pixels: number;
}

/** At most this much memory for the preview's patterns. */
export const PREVIEW_BYTES = 64 * 2 ** 20;

/** The smallest step whose subsampled patterns fit the budget. */
export function previewStep(scanRows: number, scanCols: number, frameBytes: number, budget = PREVIEW_BYTES): number {
  let step = 1;
  while (Math.ceil(scanRows / step) * Math.ceil(scanCols / step) * frameBytes > budget) step++;
  return step;
}

/** Rows of the preview read at once: a File's stream costs tens of milliseconds to start, so several overlap. */
const PREVIEW_READS = 4;

/** Reads the preview: whole scan rows, one every `step`, keeping every `step`-th pattern; `idle` is awaited before each row (to give way to passes). */
export async function readPreview(bf: Blockfile, scanRows: number, scanCols: number, signal: AbortSignal, idle?: () => Promise<void>): Promise<Preview> {
  const pixels = bf.geometry.pixelsPerFrame;
  const bytes = bf.dtype === 'uint16' ? 2 : 1;
  const step = previewStep(scanRows, scanCols, pixels * bytes);
  const rows = Math.ceil(scanRows / step);
  const cols = Math.ceil(scanCols / step);
  const frames = bf.dtype === 'uint16' ? new Uint16Array(rows * cols * pixels) : new Uint8Array(rows * cols * pixels);
  let next = 0;
  const lane = async () => {
    let row: Uint8Array | Uint16Array = bf.dtype === 'uint16' ? new Uint16Array(scanCols * pixels) : new Uint8Array(scanCols * pixels);
    while (next < rows) {
      await idle?.();
      signal.throwIfAborted();
      const r = next++;
      if (r >= rows) break;
      row = await bf.readFrames(r * step * scanCols, scanCols, row, signal);
      for (let c = 0; c < cols; c++) {
        const from = c * step * pixels;
        frames.set(row.subarray(from, from + pixels), (r * cols + c) * pixels);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PREVIEW_READS, rows) }, lane));
  return { step, rows, cols, frames, pixels };
}

/**
 * The detector's image on the preview, drawn at the scan's size (each
 * preview position fills its step × step block). Milliseconds for 4096
 * patterns.
 */
export function previewImage(preview: Preview, detector: Detector, patternRows: number, patternCols: number, scanRows: number, scanCols: number): Float64Array {
  const compiled = compileDetector(detector, patternRows, patternCols);
  const { step, rows, cols, frames, pixels } = preview;
  const small = new Float64Array(rows * cols);
  for (let i = 0; i < small.length; i++) small[i] = applyDetector(compiled, frames, i * pixels);
  const out = new Float64Array(scanRows * scanCols);
  for (let y = 0; y < scanRows; y++) {
    const r = Math.floor(y / step);
    for (let x = 0; x < scanCols; x++) out[y * scanCols + x] = small[r * cols + Math.floor(x / step)];
  }
  return out;
}
