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
  /** Frames per read in the worker (default: about 8 MiB). */
  blockFrames?: number;
  /** Bytes of what it reads that the worker may keep for later tasks over the same ranges (default 0). */
  cacheBytes?: number;
  /** Whether this task adds what it reads to the cache (default true), or only reads what is there. */
  cacheFill?: boolean;
}

/** Runs tasks in other threads; `run` reports frames done as it goes. */
export interface AnalysisPool {
  readonly size: number;
  /**
   * `worker` (0 … size − 1) asks for that worker, e.g. the one that holds the task's bytes in its cache.
   * Queued tasks of a higher `priority` (default 0) go to workers before those of lower ones.
   */
  run(task: AnalysisTask, onFrames: (frames: number) => void, signal?: AbortSignal, worker?: number, priority?: number): Promise<PartialResult>;
  close(): Promise<void>;
}

export interface AnalyzeOptions {
  /** Workers to split the pass over; without one (or for sources workers cannot open) the pass runs here. */
  pool?: AnalysisPool;
  signal?: AbortSignal;
  onProgress?: (progress: AnalysisProgress) => void;
  /** Frames per read (default: about 8 MiB). */
  blockFrames?: number;
  /**
   * Called with each range's partial result as soon as it is done (with a
   * pool; without one, once for the whole pass), for images that fill in
   * while the pass runs. The arrays are the caller's to keep.
   */
  onPartial?: (partial: PartialResult) => void;
  /**
   * 'interleaved' hands the ranges out coarse to fine (halves, then
   * quarters, …), so that partial results cover the whole scan early;
   * 'sequential' (default) in scan order.
   */
  order?: 'sequential' | 'interleaved';
  /** Ranges to split the pass into (default: four per worker). */
  pieces?: number;
  /**
   * Bytes the pool's workers may keep in memory, in all, of what they read
   * (default 0): each range then goes to the same worker every pass, and a
   * later pass over the same ranges reads from there (browsers, where
   * reading a File or a URL costs far more than reading memory).
   */
  cacheBytes?: number;
  /**
   * With `cacheBytes`: whether this pass adds what it reads to the workers'
   * memory (default true; keeping new bytes costs page faults), or only
   * reads what earlier passes kept.
   */
  cacheFill?: boolean;
  /**
   * With a pool: this pass's tasks go to workers before the queued tasks of
   * passes of lower priority (default 0), e.g. the pass a user just asked
   * for before one started in the background, which resumes afterwards.
   */
  priority?: number;
}

/** The pass over frames [start, end) in this thread. */
export async function analyzeRange(
  blockfile: Blockfile,
  compiled: CompiledRequest,
  start: number,
  end: number,
  options: { signal?: AbortSignal; blockFrames?: number; onFrames?: (frames: number) => void; readAhead?: boolean } = {},
): Promise<PartialResult> {
  const accumulator = new RangeAccumulator(compiled, start, end);
  let done = 0;
  const per = Math.max(1, options.blockFrames ?? blockfile.blockFrames());
  if (options.readAhead) {
    // The next block is read while this one is reduced: two buffers in turn.
    const length = per * blockfile.geometry.pixelsPerFrame;
    const buffers = [takeBuffer(blockfile.dtype, length), takeBuffer(blockfile.dtype, length)];
    const read = (at: number, i: number) => {
      const count = Math.min(per, end - at);
      return blockfile.readFrames(at, count, buffers[i % 2].subarray(0, count * blockfile.geometry.pixelsPerFrame), options.signal);
    };
    let pending = start < end ? read(start, 0) : undefined;
    try {
      for (let at = start, i = 0; at < end; at += per, i++) {
        const data = await pending!;
        const count = Math.min(per, end - at);
        pending = at + per < end ? read(at + per, i + 1) : undefined;
        pending?.catch(() => undefined); // awaited on the next turn; not unhandled if this turn throws
        accumulator.add(data, at, count);
        done += count;
        options.onFrames?.(done);
        options.signal?.throwIfAborted();
      }
    } finally {
      // A read still in flight (after an error) keeps its buffer.
      await pending?.catch(() => undefined);
      for (const b of buffers) giveBuffer(b);
    }
  } else {
    for await (const block of blockfile.blocks({ start, end, blockFrames: per, signal: options.signal })) {
      accumulator.add(block.data, block.start, block.count);
      done += block.count;
      options.onFrames?.(done);
      options.signal?.throwIfAborted();
    }
  }
  const result = accumulator.result();
  const broken = blockfile.brokenFrames();
  return broken.length > 0 ? { ...result, brokenFrames: broken } : result;
}

/** A partial result with arrays of its own (the collector keeps the originals). */
function copyPartial(partial: PartialResult): PartialResult {
  const copy = (a: Float64Array | undefined) => a?.slice();
  return {
    ...partial,
    virtual: partial.virtual.map((v) => v.slice()),
    frameSums: copy(partial.frameSums),
    comX: copy(partial.comX),
    comY: copy(partial.comY),
    sum: copy(partial.sum),
    sumSq: copy(partial.sumSq),
    max: copy(partial.max),
  };
}

/**
 * Read buffers kept between passes: a new buffer costs a page fault per 4
 * KiB when first written (in some virtual machines more than reading the
 * bytes), so each thread reuses a few.
 */
const spareBuffers: (Uint8Array | Uint16Array)[] = [];

function takeBuffer(dtype: 'uint8' | 'uint16', length: number): Uint8Array | Uint16Array {
  const i = spareBuffers.findIndex((b) => (b instanceof Uint16Array) === (dtype === 'uint16') && b.length >= length);
  if (i >= 0) return spareBuffers.splice(i, 1)[0];
  return dtype === 'uint16' ? new Uint16Array(length) : new Uint8Array(length);
}

function giveBuffer(buffer: Uint8Array | Uint16Array): void {
  spareBuffers.push(buffer);
  // The largest few only.
  spareBuffers.sort((a, b) => b.byteLength - a.byteLength);
  spareBuffers.length = Math.min(spareBuffers.length, 4);
}

/** The options that reproduce `blockfile`'s view of its frames in a worker. */
function geometryOf(blockfile: Blockfile): Omit<OpenOptions, 'signal'> {
  const { navShape, sigShape, syncOffset } = blockfile.geometry;
  return { navShape: [...navShape], sigShape: [...sigShape], syncOffset, strict: blockfile.strict };
}

/**
 * Ranges for the workers: several per worker so that a slow one does not
 * hold up the rest, each a whole number of blocks (a task whose end is not
 * on a block's would make a short read of its last frames).
 */
function splitRange(start: number, end: number, wanted: number, blockFrames: number): [number, number][] {
  const n = end - start;
  const per = Math.max(1, blockFrames);
  const blocks = Math.ceil(n / per);
  const pieces = Math.max(1, Math.min(wanted, blocks));
  const ranges: [number, number][] = [];
  for (let i = 0; i < pieces; i++) {
    const a = start + Math.min(n, Math.floor((blocks * i) / pieces) * per);
    const b = start + Math.min(n, Math.floor((blocks * (i + 1)) / pieces) * per);
    if (b > a) ranges.push([a, b]);
  }
  return ranges;
}

/** 0 … n−1 coarse to fine: the first of each half, then of each quarter, … (bit-reversed order). */
export function coarseToFine(n: number): number[] {
  const order: number[] = [];
  const seen = new Uint8Array(n);
  for (let step = 2 ** Math.ceil(Math.log2(Math.max(1, n))); step >= 1; step /= 2) {
    for (let i = 0; i < n; i += step) {
      if (!seen[i]) {
        seen[i] = 1;
        order.push(i);
      }
    }
  }
  return order;
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
    const partial = await analyzeRange(blockfile, compiled, start, end, { ...options, onFrames: report });
    collector.add(partial);
    options.onPartial?.(copyPartial(partial));
    return collector.finish();
  }
  options.signal?.throwIfAborted();
  // At least one block's worth of frames per task.
  const blockFrames = options.blockFrames ?? blockfile.blockFrames();
  const split = splitRange(start, end, options.pieces ?? pool.size * 4, blockFrames);
  // Which worker takes each range, when workers cache: the same one every pass.
  const cacheBytes = Math.max(0, options.cacheBytes ?? 0);
  const owner = (i: number) => (cacheBytes > 0 ? Math.floor((i * pool.size) / split.length) : undefined);
  const order = options.order === 'interleaved' ? coarseToFine(split.length) : split.map((_, i) => i);
  const ranges = order.map((i) => ({ range: split[i], worker: owner(i) }));
  const geometry = geometryOf(blockfile);
  const doneByTask = new Array<number>(ranges.length).fill(0);
  let done = 0;
  const abort = new AbortController();
  const onAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const cachePerWorker = Math.floor(cacheBytes / pool.size);
    const tasks = ranges.map(({ range: [a, b], worker }, i) =>
      pool
        .run({ source: descriptor!, geometry, request, start: a, end: b, blockFrames: options.blockFrames, cacheBytes: cachePerWorker, cacheFill: options.cacheFill }, (frames) => {
          done += frames - doneByTask[i];
          doneByTask[i] = frames;
          report(done);
        }, abort.signal, worker, options.priority)
        .then((partial) => {
          if (options.onPartial && !abort.signal.aborted) options.onPartial(copyPartial(partial));
          return partial;
        })
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
