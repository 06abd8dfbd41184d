/**
 * One part of a split analysis: the frames of whole scan rows (part I of N
 * takes rows [I·c, (I+1)·c), c = ⌈NY / N⌉, one chunk of the results store),
 * read and reduced exactly as a whole pass reduces them, optionally over a
 * pool of worker threads. Per-frame values depend on their frame only and
 * pattern sums of integer pixels are exact, so parts put together equal a
 * single pass bit for bit.
 */
import { analysisShape, compileRequest, RangeAccumulator } from '../analysis/accumulate.js';
import { analyzeRange, type AnalysisPool } from '../analysis/engine.js';
import type { AnalysisRequest, PartialResult } from '../analysis/request.js';
import type { Blockfile } from '../reader/blockfile.js';
import { partRows } from './part-store.js';

export interface PartOptions {
  pool?: AnalysisPool;
  signal?: AbortSignal;
  onProgress?: (progress: { frames: number; totalFrames: number }) => void;
}

/** Part `part` of `parts` of the pass `request` asks for: its frames' values and its pattern sums. */
export async function analyzePart(blockfile: Blockfile, request: AnalysisRequest, part: number, parts: number, options: PartOptions = {}): Promise<PartialResult> {
  if (!(Number.isSafeInteger(parts) && parts >= 1 && Number.isSafeInteger(part) && part >= 0 && part < parts)) {
    throw new RangeError(`part ${part} of ${parts}: need 0 ≤ part < parts`);
  }
  const shape = analysisShape(blockfile.geometry);
  const compiled = compileRequest(request, shape);
  const { first, end } = partRows(shape.scanRows, parts, part);
  // The part's frames, within what the request needs read at all (a scan region's span).
  const a = Math.max(first * shape.scanCols, compiled.range[0]);
  const b = Math.max(a, Math.min(end * shape.scanCols, compiled.range[1]));
  const total = b - a;
  const report = (frames: number) => options.onProgress?.({ frames, totalFrames: total });
  const descriptor = blockfile.source.descriptor;
  const pool = options.pool && options.pool.size > 0 && descriptor && total > 0 ? options.pool : undefined;
  if (!pool) return analyzeRange(blockfile, compiled, a, b, { signal: options.signal, onFrames: report });

  // Split over the workers as the engine does: a few ranges per worker, at least a block each.
  const pieces = Math.max(1, Math.min(pool.size * 4, Math.floor(total / Math.max(1, blockfile.blockFrames()))));
  const ranges: [number, number][] = [];
  for (let i = 0; i < pieces; i++) {
    const lo = a + Math.floor((total * i) / pieces);
    const hi = a + Math.floor((total * (i + 1)) / pieces);
    if (hi > lo) ranges.push([lo, hi]);
  }
  const { navShape, sigShape, syncOffset } = blockfile.geometry;
  const geometry = { navShape: [...navShape], sigShape: [...sigShape], syncOffset, strict: blockfile.strict };
  const doneByTask = new Array<number>(ranges.length).fill(0);
  let done = 0;
  const abort = new AbortController();
  const onAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const partials = await Promise.all(
      ranges.map(([lo, hi], i) =>
        pool
          .run({ source: descriptor!, geometry, request, start: lo, end: hi }, (frames) => {
            done += frames - doneByTask[i];
            doneByTask[i] = frames;
            report(done);
          }, abort.signal)
          .catch((error: unknown) => {
            abort.abort(error);
            throw error;
          }),
      ),
    );
    return mergeRanges(new RangeAccumulator(compiled, a, b).result(), partials, blockfile);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Puts the partial results of consecutive ranges into `into` (the whole part's, all zeros). */
function mergeRanges(into: PartialResult, partials: PartialResult[], blockfile: Blockfile): PartialResult {
  const add = (total: Float64Array | undefined, piece: Float64Array | undefined) => {
    if (total && piece) for (let q = 0; q < piece.length; q++) total[q] += piece[q];
  };
  let sawMax = false;
  for (const p of partials) {
    const at = p.start - into.start;
    p.virtual.forEach((v, d) => into.virtual[d].set(v, at));
    if (p.frameSums) into.frameSums?.set(p.frameSums, at);
    if (p.comX) into.comX?.set(p.comX, at);
    if (p.comY) into.comY?.set(p.comY, at);
    add(into.sum, p.sum);
    add(into.sumSq, p.sumSq);
    if (into.max && p.max) {
      // Frames outside a scan region leave a range's maximum at zero, as the engine's own merge.
      if (!sawMax) into.max.set(p.max);
      else for (let q = 0; q < p.max.length; q++) if (p.max[q] > into.max[q]) into.max[q] = p.max[q];
      sawMax = true;
    }
    into.count += p.count;
    blockfile.noteBrokenFrames(p.brokenFrames ?? []);
  }
  return into;
}
