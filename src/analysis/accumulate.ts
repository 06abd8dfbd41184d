/**
 * The reducers of an analysis pass: every block of frames is read once and
 * fed to all of them. Per-frame values depend on that frame only, and
 * pattern sums of integer pixels are exact in Float64, so any split of the
 * frames over workers gives bit-identical results.
 */
import { gridOf, type Geometry, type Grid } from '../reader/geometry.js';
import { applyDetector, compileDetector, type CompiledDetector, checkDetector } from './detectors.js';
import type { AnalysisRequest, AnalysisResult, PartialResult, ScanRegion } from './request.js';

/** The scan and pattern grids, with frame and pixel counts. */
export interface AnalysisShape extends Grid {
  frameCount: number;
  pixels: number;
}

export function analysisShape(geometry: Geometry): AnalysisShape {
  return { ...gridOf(geometry), frameCount: geometry.frameCount, pixels: geometry.pixelsPerFrame };
}

/** 1 for each scan position inside the region, row-major. */
export function regionMask(region: ScanRegion, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(rows * cols);
  if (region.kind === 'mask') {
    if (region.include.length !== rows * cols) {
      throw new RangeError(`scan region mask has ${region.include.length} values, the scan ${rows}×${cols} positions`);
    }
    for (let i = 0; i < out.length; i++) out[i] = region.include[i] ? 1 : 0;
    return out;
  }
  const values = region.kind === 'rect' ? [region.x0, region.y0, region.x1, region.y1] : [region.cx, region.cy, region.r];
  if (!values.every(Number.isFinite)) throw new RangeError(`scan region ${region.kind}: coordinates must be finite numbers`);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const inside =
        region.kind === 'rect'
          ? x >= region.x0 && x < region.x1 && y >= region.y0 && y < region.y1
          : (x - region.cx) ** 2 + (y - region.cy) ** 2 <= region.r * region.r;
      if (inside) out[y * cols + x] = 1;
    }
  }
  return out;
}

/** The request checked and compiled for a shape: what every range accumulator shares. */
export interface CompiledRequest {
  request: AnalysisRequest;
  shape: AnalysisShape;
  detectors: CompiledDetector[];
  /** Undefined when the pattern statistics cover the whole scan. */
  region: Uint8Array | undefined;
  patterns: boolean;
  com: { detector: CompiledDetector; threshold: number } | undefined;
  /** Frames a pass must read: [start, end). */
  range: [number, number];
}

export function compileRequest(request: AnalysisRequest, shape: AnalysisShape): CompiledRequest {
  const { patternRows, patternCols, scanRows, scanCols, frameCount } = shape;
  const detectors = (request.virtual ?? []).map((d) => compileDetector(d, patternRows, patternCols));
  const stats = request.patterns;
  const patterns = !!(stats && (stats.sum || stats.mean || stats.max || stats.std));
  const region = patterns && stats?.region ? regionMask(stats.region, scanRows, scanCols) : undefined;
  const comOptions = request.centerOfMass === true ? {} : request.centerOfMass;
  let com: CompiledRequest['com'];
  if (comOptions) {
    if (comOptions.mask) checkDetector(comOptions.mask, patternRows, patternCols);
    const threshold = comOptions.threshold ?? -Infinity;
    if (Number.isNaN(threshold)) throw new RangeError('centre of mass: threshold must be a number');
    const whole = { kind: 'rect', x0: 0, y0: 0, x1: patternCols, y1: patternRows } as const;
    com = { detector: compileDetector(comOptions.mask ?? whole, patternRows, patternCols), threshold };
  }
  if (detectors.length === 0 && !request.frameSums && !patterns && !com) {
    throw new RangeError('nothing to compute: ask for virtual images, frame sums, pattern statistics or centre of mass');
  }
  let range: [number, number] = [0, frameCount];
  if (region && detectors.length === 0 && !request.frameSums && !com) {
    // Only the region's frames are needed: read from its first to its last.
    const first = region.indexOf(1);
    if (first < 0) throw new RangeError('the scan region holds no scan positions');
    range = [first, region.lastIndexOf(1) + 1];
  } else if (region && region.indexOf(1) < 0) {
    throw new RangeError('the scan region holds no scan positions');
  }
  return { request, shape, detectors, region, patterns, com, range };
}

/** Reduces the frames of one range [start, end), block by block, in order. */
export class RangeAccumulator {
  readonly #c: CompiledRequest;
  readonly #partial: PartialResult;
  readonly #stats: { sum: boolean; sumSq: boolean; max: boolean };

  constructor(compiled: CompiledRequest, start: number, end: number) {
    this.#c = compiled;
    const n = end - start;
    const { pixels } = compiled.shape;
    const s = compiled.request.patterns ?? {};
    this.#stats = { sum: compiled.patterns && !!(s.sum || s.mean || s.std), sumSq: !!s.std, max: !!s.max };
    this.#partial = {
      start,
      end,
      virtual: compiled.detectors.map(() => new Float64Array(n)),
      frameSums: compiled.request.frameSums ? new Float64Array(n) : undefined,
      comX: compiled.com ? new Float64Array(n) : undefined,
      comY: compiled.com ? new Float64Array(n) : undefined,
      sum: this.#stats.sum ? new Float64Array(pixels) : undefined,
      sumSq: this.#stats.sumSq ? new Float64Array(pixels) : undefined,
      max: this.#stats.max ? new Float64Array(pixels) : undefined,
      count: 0,
    };
  }

  /** Feeds `count` frames from frame `first` (inside the range), held in `data`. */
  add(data: Uint8Array | Uint16Array, first: number, count: number): void {
    const p = this.#partial;
    const { pixels } = this.#c.shape;
    const words = p.frameSums && data instanceof Uint8Array ? new Uint32Array(data.buffer, 0, Math.floor(data.buffer.byteLength / 4)) : undefined;
    for (let i = 0; i < count; i++) {
      const frame = first + i;
      const at = frame - p.start;
      const base = i * pixels;
      for (let d = 0; d < this.#c.detectors.length; d++) p.virtual[d][at] = applyDetector(this.#c.detectors[d], data, base);
      if (p.frameSums) p.frameSums[at] = words ? byteTotal(data as Uint8Array, words, base, pixels) : frameTotal(data, base, pixels, this.#c.shape.patternCols);
      if (this.#c.com) this.#centerOfMass(data, base, at);
      if (this.#c.patterns && (!this.#c.region || this.#c.region[frame])) this.#addPattern(data, base);
    }
  }

  #addPattern(data: Uint8Array | Uint16Array, base: number): void {
    const p = this.#partial;
    const pixels = this.#c.shape.pixels;
    const frame = data.subarray(base, base + pixels);
    if (p.sum) {
      // Integer sums first (faster than float adds), flushed into the Float64 sum before they could overflow.
      this.#sumInt ??= new Uint32Array(pixels);
      const sum = this.#sumInt;
      for (let q = 0; q < pixels; q++) sum[q] += frame[q];
      if (++this.#sumIntFrames === (frame instanceof Uint16Array ? 65536 : 16_777_216)) this.#flushSum();
    }
    if (p.sumSq) {
      const sq = p.sumSq;
      for (let q = 0; q < pixels; q++) {
        const v = frame[q];
        sq[q] += v * v;
      }
    }
    if (p.max) {
      this.#maxInt ??= frame instanceof Uint16Array ? new Uint16Array(pixels) : new Uint8Array(pixels);
      const max = this.#maxInt;
      for (let q = 0; q < pixels; q++) if (frame[q] > max[q]) max[q] = frame[q];
    }
    p.count++;
  }

  #sumInt: Uint32Array | undefined;
  #sumIntFrames = 0;
  #maxInt: Uint8Array | Uint16Array | undefined;

  #flushSum(): void {
    const sum = this.#partial.sum;
    const ints = this.#sumInt;
    if (!sum || !ints) return;
    for (let q = 0; q < ints.length; q++) sum[q] += ints[q];
    ints.fill(0);
    this.#sumIntFrames = 0;
  }

  #centerOfMass(data: Uint8Array | Uint16Array, base: number, at: number): void {
    const { detector, threshold } = this.#c.com!;
    const cols = this.#c.shape.patternCols;
    let total = 0;
    let sx = 0;
    let sy = 0;
    if (detector.kind === 'runs') {
      const runs = detector.runs;
      for (let k = 0; k < runs.length; k += 2) {
        const row = Math.floor(runs[k] / cols);
        const col0 = runs[k] - row * cols;
        let rowTotal = 0;
        let rowX = 0;
        for (let q = runs[k]; q < runs[k + 1]; q++) {
          const v = data[base + q];
          if (v < threshold) continue;
          rowTotal += v;
          rowX += v * (col0 + q - runs[k]);
        }
        total += rowTotal;
        sx += rowX;
        sy += rowTotal * row;
      }
    } else {
      const { index, weight } = detector;
      for (let k = 0; k < index.length; k++) {
        const v = data[base + index[k]];
        if (v < threshold) continue;
        const w = v * weight[k];
        const row = Math.floor(index[k] / cols);
        total += w;
        sx += w * (index[k] - row * cols);
        sy += w * row;
      }
    }
    this.#partial.comX![at] = total === 0 ? NaN : sx / total;
    this.#partial.comY![at] = total === 0 ? NaN : sy / total;
  }

  result(): PartialResult {
    this.#flushSum();
    if (this.#maxInt && this.#partial.max) this.#partial.max.set(this.#maxInt);
    return this.#partial;
  }
}

/** Merges the partial results of every range into the images and patterns asked for. */
export class ResultCollector {
  readonly #c: CompiledRequest;
  readonly #virtual: Float64Array[];
  readonly #frameSums: Float64Array | undefined;
  readonly #comX: Float64Array | undefined;
  readonly #comY: Float64Array | undefined;
  #sum: Float64Array | undefined;
  #sumSq: Float64Array | undefined;
  #max: Float64Array | undefined;
  #count = 0;

  constructor(compiled: CompiledRequest) {
    this.#c = compiled;
    const { frameCount } = compiled.shape;
    this.#virtual = compiled.detectors.map(() => new Float64Array(frameCount));
    this.#frameSums = compiled.request.frameSums ? new Float64Array(frameCount) : undefined;
    this.#comX = compiled.com ? new Float64Array(frameCount).fill(NaN) : undefined;
    this.#comY = compiled.com ? new Float64Array(frameCount).fill(NaN) : undefined;
  }

  add(partial: PartialResult): void {
    partial.virtual.forEach((v, d) => this.#virtual[d].set(v, partial.start));
    if (partial.frameSums) this.#frameSums!.set(partial.frameSums, partial.start);
    if (partial.comX) this.#comX!.set(partial.comX, partial.start);
    if (partial.comY) this.#comY!.set(partial.comY, partial.start);
    this.#sum = addInto(this.#sum, partial.sum);
    this.#sumSq = addInto(this.#sumSq, partial.sumSq);
    if (partial.max) {
      if (!this.#max) this.#max = partial.max.slice();
      else for (let q = 0; q < partial.max.length; q++) if (partial.max[q] > this.#max[q]) this.#max[q] = partial.max[q];
    }
    this.#count += partial.count;
  }

  finish(): AnalysisResult {
    const { shape, request } = this.#c;
    const stats = request.patterns ?? {};
    const n = this.#count;
    const result: AnalysisResult = {
      scanShape: [shape.scanRows, shape.scanCols],
      patternShape: [shape.patternRows, shape.patternCols],
      virtual: this.#virtual,
      framesInRegion: this.#c.patterns ? n : 0,
    };
    if (this.#frameSums) result.frameSums = this.#frameSums;
    if (this.#comX && this.#comY) result.centerOfMass = { x: this.#comX, y: this.#comY };
    const sum = this.#sum ?? new Float64Array(shape.pixels);
    if (stats.sum) result.sum = sum;
    if (stats.mean) result.mean = sum.map((s) => s / n);
    if (stats.max) result.max = this.#max ?? new Float64Array(shape.pixels);
    if (stats.std) result.std = standardDeviation(sum, this.#sumSq ?? new Float64Array(shape.pixels), n);
    return result;
  }
}

function addInto(total: Float64Array | undefined, part: Float64Array | undefined): Float64Array | undefined {
  if (!part) return total;
  if (!total) return part.slice();
  for (let q = 0; q < part.length; q++) total[q] += part[q];
  return total;
}

/**
 * sqrt((n·Σv² − (Σv)²) / n²), with the numerator in exact integer arithmetic:
 * sums of integer pixels are exact, so the variance is rounded once.
 */
function standardDeviation(sum: Float64Array, sumSq: Float64Array, n: number): Float64Array {
  const out = new Float64Array(sum.length);
  const bn = BigInt(n);
  for (let q = 0; q < sum.length; q++) {
    const s = BigInt(sum[q]);
    out[q] = Math.sqrt(Number(bn * BigInt(sumSq[q]) - s * s) / (n * n));
  }
  return out;
}

/** A frame's total: rows summed as int32 (8/16-bit rows under 32768 pixels cannot overflow), rows added as doubles. */
function frameTotal(data: Uint8Array | Uint16Array, base: number, pixels: number, cols: number): number {
  let total = 0;
  const rowLength = cols <= 32768 ? cols : 1;
  for (let row = base, end = base + pixels; row < end; row += rowLength) {
    let sum = 0;
    const stop = Math.min(end, row + rowLength);
    for (let q = row; q < stop; q++) sum = (sum + data[q]) | 0;
    total += sum;
  }
  return total;
}

/**
 * The total of `pixels` bytes of `data` from `base`, four at a time through
 * `words` (a Uint32Array over the whole of `data`'s buffer): each word's
 * bytes summed in two 16-bit lanes, three times as fast as byte by byte.
 */
export function byteTotal(data: Uint8Array, words: Uint32Array, base: number, pixels: number): number {
  let total = 0;
  let q = base;
  const end = base + pixels;
  // The bytes before the first whole word, the whole words, then the bytes after.
  while (q < end && (data.byteOffset + q) % 4 !== 0) total += data[q++];
  const first = (data.byteOffset + q) / 4;
  const whole = Math.floor((end - q) / 4);
  for (let w = first, last = first + whole; w < last; ) {
    // 128 words add at most 128 × 2 × 255 = 65 280 to a lane: nothing carries into the next.
    const stop = Math.min(last, w + 128);
    let lanes = 0;
    for (; w < stop; w++) {
      const x = words[w];
      lanes = (lanes + (x & 0x00ff00ff) + ((x >>> 8) & 0x00ff00ff)) | 0;
    }
    total += (lanes & 0xffff) + (lanes >>> 16);
  }
  for (q += whole * 4; q < end; q++) total += data[q];
  return total;
}
