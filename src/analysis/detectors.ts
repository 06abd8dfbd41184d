/**
 * Virtual detectors on the diffraction pattern, and their compiled forms:
 * runs of pixels for 0/1 detectors (tight inner loops over contiguous
 * memory), indices with weights for weighted masks.
 */

/** Pattern coordinates: x is the column, y the row, in pixels, from the first pixel's centre. */
export type Detector =
  /** Pixels with (x − cx)² + (y − cy)² ≤ r². */
  | { kind: 'disk'; cx: number; cy: number; r: number }
  /** Pixels with r1² ≤ (x − cx)² + (y − cy)² ≤ r2². */
  | { kind: 'annulus'; cx: number; cy: number; r1: number; r2: number }
  /** Pixels with x0 ≤ x < x1 and y0 ≤ y < y1 (clipped to the pattern). */
  | { kind: 'rect'; x0: number; y0: number; x1: number; y1: number }
  /** A weight per pattern pixel (rows × columns, row-major): 0/1 or any number. */
  | { kind: 'mask'; weights: ArrayLike<number> };

/** A detector ready to apply: either runs of whole pixels or weighted pixels. */
export type CompiledDetector =
  /** `runs` holds [start, end) pairs of flat pixel indices. */
  | { kind: 'runs'; runs: Int32Array; pixels: number }
  | { kind: 'weights'; index: Int32Array; weight: Float64Array; pixels: number };

function describe(detector: Detector): string {
  switch (detector.kind) {
    case 'disk':
      return `disk (${detector.cx}, ${detector.cy}, r ${detector.r})`;
    case 'annulus':
      return `annulus (${detector.cx}, ${detector.cy}, r ${detector.r1}–${detector.r2})`;
    case 'rect':
      return `rectangle (${detector.x0}, ${detector.y0})–(${detector.x1}, ${detector.y1})`;
    case 'mask':
      return 'mask';
  }
}

/** Checks a detector's numbers; throws a RangeError saying what is wrong. */
export function checkDetector(detector: Detector, rows: number, cols: number): void {
  const finite = (...values: number[]) => values.every(Number.isFinite);
  const bad = (why: string) => new RangeError(`${describe(detector)}: ${why}`);
  switch (detector.kind) {
    case 'disk':
      if (!finite(detector.cx, detector.cy, detector.r) || detector.r < 0) throw bad('centre and radius must be finite, radius ≥ 0');
      return;
    case 'annulus':
      if (!finite(detector.cx, detector.cy, detector.r1, detector.r2) || detector.r1 < 0 || detector.r2 < detector.r1) {
        throw bad('centre and radii must be finite with 0 ≤ r1 ≤ r2');
      }
      return;
    case 'rect':
      if (!finite(detector.x0, detector.y0, detector.x1, detector.y1) || detector.x1 < detector.x0 || detector.y1 < detector.y0) {
        throw bad('corners must be finite with x0 ≤ x1 and y0 ≤ y1');
      }
      return;
    case 'mask':
      if (detector.weights.length !== rows * cols) throw bad(`has ${detector.weights.length} weights, the pattern ${rows}×${cols} pixels`);
      for (let i = 0; i < detector.weights.length; i++) {
        if (!Number.isFinite(detector.weights[i])) throw bad(`weight ${i} is not a finite number`);
      }
      return;
  }
}

/** Whether pixel (x, y) counts for a shape detector. */
function insideTest(detector: Exclude<Detector, { kind: 'mask' }>): (x: number, y: number) => boolean {
  switch (detector.kind) {
    case 'disk': {
      const r2 = detector.r * detector.r;
      return (x, y) => (x - detector.cx) ** 2 + (y - detector.cy) ** 2 <= r2;
    }
    case 'annulus': {
      const lo = detector.r1 * detector.r1;
      const hi = detector.r2 * detector.r2;
      return (x, y) => {
        const d = (x - detector.cx) ** 2 + (y - detector.cy) ** 2;
        return d >= lo && d <= hi;
      };
    }
    case 'rect':
      return (x, y) => x >= detector.x0 && x < detector.x1 && y >= detector.y0 && y < detector.y1;
  }
}

/** Compiles a detector for patterns of rows × cols pixels. */
export function compileDetector(detector: Detector, rows: number, cols: number): CompiledDetector {
  checkDetector(detector, rows, cols);
  if (detector.kind === 'mask') {
    const w = detector.weights;
    let binary = true;
    let count = 0;
    for (let i = 0; i < w.length; i++) {
      if (w[i] !== 0) count++;
      if (w[i] !== 0 && w[i] !== 1) binary = false;
    }
    if (!binary) {
      const index = new Int32Array(count);
      const weight = new Float64Array(count);
      for (let i = 0, k = 0; i < w.length; i++) {
        if (w[i] !== 0) {
          index[k] = i;
          weight[k++] = w[i];
        }
      }
      return { kind: 'weights', index, weight, pixels: count };
    }
    return runsOf((x, y) => w[y * cols + x] === 1, rows, cols);
  }
  return runsOf(insideTest(detector), rows, cols);
}

function runsOf(inside: (x: number, y: number) => boolean, rows: number, cols: number): CompiledDetector {
  const runs: number[] = [];
  let pixels = 0;
  for (let y = 0; y < rows; y++) {
    let start = -1;
    for (let x = 0; x <= cols; x++) {
      const counts = x < cols && inside(x, y);
      if (counts && start < 0) start = x;
      if (!counts && start >= 0) {
        runs.push(y * cols + start, y * cols + x);
        pixels += x - start;
        start = -1;
      }
    }
  }
  return { kind: 'runs', runs: Int32Array.from(runs), pixels };
}

/** The detector as a dense rows × cols weight image (for display and reference). */
export function detectorWeights(detector: Detector, rows: number, cols: number): Float64Array {
  const compiled = compileDetector(detector, rows, cols);
  const out = new Float64Array(rows * cols);
  if (compiled.kind === 'runs') {
    for (let k = 0; k < compiled.runs.length; k += 2) out.fill(1, compiled.runs[k], compiled.runs[k + 1]);
  } else {
    for (let k = 0; k < compiled.index.length; k++) out[compiled.index[k]] = compiled.weight[k];
  }
  return out;
}

/** The detector's response to one frame at `base` in `data`. */
export function applyDetector(compiled: CompiledDetector, data: ArrayLike<number>, base: number): number {
  let sum = 0;
  if (compiled.kind === 'runs') {
    const runs = compiled.runs;
    for (let k = 0; k < runs.length; k += 2) {
      const end = base + runs[k + 1];
      // A run lies within one row: its sum of 8- or 16-bit pixels fits an int32 for rows
      // under 32768 pixels, and integer adds are faster than float ones.
      let run = 0;
      for (let p = base + runs[k]; p < end; p++) run = (run + data[p]) | 0;
      sum += run;
    }
  } else {
    const { index, weight } = compiled;
    for (let k = 0; k < index.length; k++) sum += data[base + index[k]] * weight[k];
  }
  return sum;
}
