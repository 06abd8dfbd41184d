/**
 * What an analysis pass computes, as plain data that crosses to workers,
 * and what it returns.
 */
import type { Detector } from './detectors.js';

/** Scan positions: x is the scan column, y the scan row. */
export type ScanRegion =
  /** Positions with x0 ≤ x < x1 and y0 ≤ y < y1. */
  | { kind: 'rect'; x0: number; y0: number; x1: number; y1: number }
  /** Positions with (x − cx)² + (y − cy)² ≤ r². */
  | { kind: 'disk'; cx: number; cy: number; r: number }
  /** One value per scan position, row-major: non-zero counts. */
  | { kind: 'mask'; include: ArrayLike<number> };

export interface PatternStatistics {
  sum?: boolean;
  mean?: boolean;
  max?: boolean;
  /** Population standard deviation (divides by the number of frames), as numpy's `std`. */
  std?: boolean;
  /** Restrict the statistics to these scan positions (default: the whole scan). */
  region?: ScanRegion;
}

export interface CenterOfMassOptions {
  /** Only pixels of this detector count, weighted by it. */
  mask?: Detector;
  /** Pixels below this value count as zero. */
  threshold?: number;
}

export interface AnalysisRequest {
  /** Virtual images, one per detector. */
  virtual?: Detector[];
  /** Total intensity of each frame. */
  frameSums?: boolean;
  /** Sum, mean, maximum and standard-deviation patterns. */
  patterns?: PatternStatistics;
  /** Centre-of-mass maps (pattern pixels: x column, y row); NaN where a frame has no intensity. */
  centerOfMass?: CenterOfMassOptions | true;
}

export interface AnalysisResult {
  /** Scan rows × columns of every image below. */
  scanShape: [number, number];
  /** Pattern rows × columns of every pattern below. */
  patternShape: [number, number];
  /** One image per requested detector. */
  virtual: Float64Array[];
  frameSums?: Float64Array;
  sum?: Float64Array;
  mean?: Float64Array;
  max?: Float64Array;
  std?: Float64Array;
  /** Frames the pattern statistics cover. */
  framesInRegion: number;
  centerOfMass?: { x: Float64Array; y: Float64Array };
}

/**
 * What one pass over frames [start, end) found, before merging with other
 * ranges: per-frame values for those frames only, pattern sums for the
 * frames of the range in the region. Transferable between threads.
 */
export interface PartialResult {
  start: number;
  end: number;
  virtual: Float64Array[];
  frameSums?: Float64Array;
  comX?: Float64Array;
  comY?: Float64Array;
  sum?: Float64Array;
  sumSq?: Float64Array;
  max?: Float64Array;
  count: number;
  /** Frame records with a broken prefix met while reading this range (read anyway, as HyperSpy does). */
  brokenFrames?: { index: number; problem: string }[];
}

/** The buffers of a partial result, for postMessage's transfer list. */
export function partialBuffers(partial: PartialResult): ArrayBuffer[] {
  const arrays = [...partial.virtual, partial.frameSums, partial.comX, partial.comY, partial.sum, partial.sumSq, partial.max];
  return arrays.filter((a): a is Float64Array => a !== undefined).map((a) => a.buffer as ArrayBuffer);
}
