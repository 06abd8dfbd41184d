/**
 * One streaming pass over a blockfile: each block of frames is read once
 * and shared by every reducer; optionally split over a pool of workers
 * (worker threads in Node, Web Workers in browsers) by ranges of frames.
 */
import type { Blockfile } from '../reader/blockfile.js';
import type { OpenOptions } from '../reader/blockfile.js';
import type { SourceDescriptor } from '../sources/source.js';
import { analysisShape, compileRequest, RangeAccumulator, ResultCollector, type CompiledRequest } from './accumulate.js';
import type { AnalysisRequest, AnalysisResult, PartialResult } from './request.js';

export interface AnalysisProgress {
  frames: number;
  totalFrames: number;
}

/** A range of frames to analyse in another thread: all plain data. */
export interface AnalysisTask {
  source: SourceDescriptor;
  /** How the file was opened: its logical geometry and strictness. */
  geometry: Omit<OpenOptions, 'signal'>;
  request: AnalysisRequest;
  start: number;
  end: number;
}

/** Runs tasks in other threads; `run` reports frames done as it goes. */
export interface AnalysisPool {
  readonly size: number;
  run(task: AnalysisTask, onFrames: (frames: number) => void, signal?: AbortSignal): Promise<PartialResult>;
  close(): Promise<void>;
}

export interface AnalyzeOptions {
  /** Workers to split the pass over; without one (or for sources workers cannot open) the pass runs here. */
  pool?: AnalysisPool;
  signal?: AbortSignal;
  onProgress?: (progress: AnalysisProgress) => void;
  /** Frames per read (default: about 8 MiB). */
  blockFrames?: number;
}

/** The pass over frames [start, end) in this thread. */
export async function analyzeRange(
  blockfile: Blockfile,
  compiled: CompiledRequest,
  start: number,
  end: number,
  options: { signal?: AbortSignal; blockFrames?: number; onFrames?: (frames: number) => void } = {},
): Promise<PartialResult> {
  const accumulator = new RangeAccumulator(compiled, start, end);
  let done = 0;
  for await (const block of blockfile.blocks({ start, end, blockFrames: options.blockFrames, signal: options.signal })) {
    accumulator.add(block.data, block.start, block.count);
    done += block.count;
    options.onFrames?.(done);
    options.signal?.throwIfAborted();
  }
  const result = accumulator.result();
  const broken = blockfile.brokenFrames();
  return broken.length > 0 ? { ...result, brokenFrames: broken } : result;
}

/** The options that reproduce `blockfile`'s view of its frames in a worker. */
function geometryOf(blockfile: Blockfile): Omit<OpenOptions, 'signal'> {
  const { navShape, sigShape, syncOffset } = blockfile.geometry;
  return { navShape: [...navShape], sigShape: [...sigShape], syncOffset, strict: blockfile.strict };
}

/** Ranges for the workers: several per worker so that a slow one does not hold up the rest. */
function splitRange(start: number, end: number, workers: number, minFrames: number): [number, number][] {
  const n = end - start;
  const pieces = Math.max(1, Math.min(workers * 4, Math.floor(n / Math.max(1, minFrames))));
  const ranges: [number, number][] = [];
  for (let i = 0; i < pieces; i++) {
    const a = start + Math.floor((n * i) / pieces);
    const b = start + Math.floor((n * (i + 1)) / pieces);
    if (b > a) ranges.push([a, b]);
  }
  return ranges;
}

/**
 * Computes what `request` asks for (virtual images, frame sums, pattern
 * statistics, centre of mass) over the whole file in one pass.
 */
export async function analyze(blockfile: Blockfile, request: AnalysisRequest, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const compiled = compileRequest(request, analysisShape(blockfile.geometry));
  const [start, end] = compiled.range;
  const total = end - start;
  const report = (frames: number) => options.onProgress?.({ frames, totalFrames: total });
  const collector = new ResultCollector(compiled);
  const descriptor = blockfile.source.descriptor;
  const pool = options.pool && options.pool.size > 0 && descriptor ? options.pool : undefined;
  if (!pool) {
    collector.add(await analyzeRange(blockfile, compiled, start, end, { ...options, onFrames: report }));
    return collector.finish();
  }
  options.signal?.throwIfAborted();
  // At least one block's worth of frames per task.
  const ranges = splitRange(start, end, pool.size, options.blockFrames ?? blockfile.blockFrames());
  const geometry = geometryOf(blockfile);
  const doneByTask = new Array<number>(ranges.length).fill(0);
  let done = 0;
  const abort = new AbortController();
  const onAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const tasks = ranges.map(([a, b], i) =>
      pool
        .run({ source: descriptor!, geometry, request, start: a, end: b }, (frames) => {
          done += frames - doneByTask[i];
          doneByTask[i] = frames;
          report(done);
        }, abort.signal)
        .catch((error: unknown) => {
          abort.abort(error); // one failure stops the others
          throw error;
        }),
    );
    const partials = await Promise.all(tasks);
    for (const partial of partials) {
      collector.add(partial);
      blockfile.noteBrokenFrames(partial.brokenFrames ?? []);
    }
    return collector.finish();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
