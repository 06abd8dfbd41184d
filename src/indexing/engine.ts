/**
 * Orientation and phase maps of a blockfile: every pattern matched against
 * template libraries (see `library.ts`, `match.ts`), in one streaming pass
 * over the frames, optionally split over the analysis worker pool (jobs of
 * kind "index", and "library" for the templates); results are the same
 * numbers as in one thread.
 */
import type { OpenOptions } from '../reader/blockfile.js';
import { Blockfile } from '../reader/blockfile.js';
import { makePhase, type Phase } from '../crystal/phase.js';
import { reflectionsWithin } from '../crystal/structure-factor.js';
import { openDescriptor } from '../sources/descriptor.js';
import type { ByteSource, SourceDescriptor } from '../sources/source.js';
import {
  assemblePhaseLibrary,
  buildLibrary,
  hasScreen,
  joinChunks,
  levelSize,
  libraryOf,
  libraryOptions,
  phaseStructure,
  templateChunk,
  type LibraryLevel,
  type LibraryOptions,
  type PhaseLibrary,
  type TemplateArrays,
  type TemplateLibrary,
} from './library.js';
import { createIndexMaps, indexMapBuffers, PatternMatcher, type IndexMaps, type MatchOptions, type Seed } from './match.js';
import { misorientation, quaternionToMatrix } from './quaternion.js';

/** Scan positions x0 ≤ x < x1, y0 ≤ y < y1 (x the scan column). */
export interface ScanRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface IndexOptions extends Omit<LibraryOptions, 'radius' | 'innerRadius' | 'voltage' | 'precession'>, MatchOptions {
  /** Precession angle, degrees; default: the note's "Precession angle" line, else 0. */
  precession?: number;
  /** Accelerating voltage, kV; default: the header's beam energy, else 200. */
  voltage?: number;
  /** Outer radius of the matched disc, pixels (default: to the patterns' corners). */
  radius?: number;
  /** Direct-beam mask radius, pixels (default: half the shortest reflection's distance, at least 3 % of the pattern). */
  innerRadius?: number;
  /** Only these scan positions (others stay unindexed, phase 0). */
  region?: ScanRect;
  /** A library built before (with {@link buildLibrary}) instead of building one from the options. */
  library?: TemplateLibrary;
  /**
   * A second pass (default true): each position whose neighbours' solutions
   * differ from its own is matched again with theirs among its candidates,
   * where one of them correlates better than every solution found there (see
   * `PatternMatcher.rematch`). Each frame is read twice.
   */
  neighbours?: boolean;
  /**
   * A rectangle holding `region` whose positions' first-pass solutions seed
   * the second pass at the region's edge (they are matched, then left out of
   * the maps): a task indexing a band of rows gives what a whole run gives
   * there. Default: the region.
   */
  seedRegion?: ScanRect;
}

/** A pool that runs jobs in workers: the analysis `WorkerPool` (its workers serve "index" jobs). */
export interface JobPool {
  readonly size: number;
  runJob<T>(kind: string, payload: unknown, onFrames: (frames: number) => void, signal?: AbortSignal): Promise<T>;
}

/**
 * How far a run is: `frames` of `totalFrames` over both passes (for a bar),
 * and the pass under way with its own count: the search over every pattern,
 * then the neighbours' pass, which reads each pattern again.
 */
export interface IndexProgress {
  frames: number;
  totalFrames: number;
  pass: 'search' | 'neighbours';
  passFrames: number;
  passTotal: number;
}

export interface IndexRunOptions {
  pool?: JobPool;
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
  /** Frames per read (default 64). */
  blockFrames?: number;
  /** With a pool: the maps of frames [start, start + maps.count) as each piece of the scan is done (a viewer fills its map in). */
  onPartial?: (maps: IndexMaps, start: number) => void;
  /** With a pool: pieces the frames are split into (default 4 per worker; more pieces, more frequent partial maps). */
  pieces?: number;
}

export interface OrientationMap extends IndexMaps {
  /** Scan rows × columns of every map. */
  scanShape: [number, number];
  /** The library the patterns were matched against. */
  library: TemplateLibrary;
  /** The setup used: precession (degrees), voltage (kV). */
  precession: number;
  voltage: number;
  /** Positions indexed (the region's). */
  indexed: number;
}

/** An "index" job: frames [start, end) of a file, matched in a worker. */
export interface IndexTask {
  source: SourceDescriptor;
  geometry: Omit<OpenOptions, 'signal'>;
  library: TemplateLibrary;
  match: MatchOptions;
  region: ScanRect;
  start: number;
  end: number;
  blockFrames: number;
  /** The second pass: the first pass's maps of [start, end) and the neighbours' solutions to try there. */
  revisit?: { prior: IndexMaps; seeds: NeighbourSeeds };
}

/**
 * Per position of frames [start, start + offsets.length − 1): its seeds k in
 * offsets[i − start] … offsets[i − start + 1] − 1, phase (0-based) and
 * quaternion (4 per seed). Plain arrays: they cross to workers.
 */
export interface NeighbourSeeds {
  offsets: Int32Array;
  phase: Uint8Array;
  quaternion: Float64Array;
}

/** Solutions closer than this (degrees, the half turn about the beam allowed) are the same seed. */
const SEED_APART = 2;

/**
 * The seeds of frames [start, end): for each position of the region, the
 * distinct solutions of its eight neighbours within `bounds` that differ
 * from its own (another phase, or more than SEED_APART), in neighbour order.
 */
export function neighbourSeeds(maps: IndexMaps, library: TemplateLibrary, nx: number, region: ScanRect, start: number, end: number, bounds: ScanRect = region): NeighbourSeeds {
  const offsets = new Int32Array(end - start + 1);
  const phase: number[] = [];
  const quaternion: number[] = [];
  const q = (i: number) => maps.quaternion.subarray(4 * i, 4 * i + 4);
  for (let i = start; i < end; i++) {
    const x = i % nx;
    const y = Math.floor(i / nx);
    const first = phase.length;
    if (maps.phase[i] > 0 && x >= region.x0 && x < region.x1 && y >= region.y0 && y < region.y1) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [X, Y] = [x + dx, y + dy];
          if ((dx === 0 && dy === 0) || X < bounds.x0 || X >= bounds.x1 || Y < bounds.y0 || Y >= bounds.y1) continue;
          const j = Y * nx + X;
          const p = maps.phase[j];
          if (p === 0) continue;
          const symmetry = library.phases[p - 1].symmetry;
          if (p === maps.phase[i] && misorientation(q(j), q(i), symmetry, true) <= SEED_APART) continue;
          let known = false;
          for (let k = first; k < phase.length && !known; k++) known = phase[k] === p - 1 && misorientation(q(j), quaternion.slice(4 * k, 4 * k + 4), symmetry, true) <= SEED_APART;
          if (known) continue;
          phase.push(p - 1);
          quaternion.push(...q(j));
        }
      }
    }
    offsets[i - start + 1] = phase.length;
  }
  return { offsets, phase: Uint8Array.from(phase), quaternion: Float64Array.from(quaternion) };
}

/** Seeds of frames [from, to) out of seeds of frames from `start` on. */
function seedsBetween(seeds: NeighbourSeeds, start: number, from: number, to: number): NeighbourSeeds {
  const a = seeds.offsets[from - start];
  const b = seeds.offsets[to - start];
  return {
    offsets: seeds.offsets.slice(from - start, to - start + 1).map((o) => o - a),
    phase: seeds.phase.slice(a, b),
    quaternion: seeds.quaternion.slice(4 * a, 4 * b),
  };
}

/** Maps of positions [from, to) of `maps` (a copy). */
function sliceIndexMaps(maps: IndexMaps, from: number, to: number): IndexMaps {
  const k = maps.solutionsPerPosition;
  const s = maps.solutions;
  return {
    count: to - from,
    solutionsPerPosition: k,
    phase: maps.phase.slice(from, to),
    euler: maps.euler.slice(3 * from, 3 * to),
    quaternion: maps.quaternion.slice(4 * from, 4 * to),
    correlation: maps.correlation.slice(from, to),
    reliability: maps.reliability.slice(from, to),
    phaseReliability: maps.phaseReliability.slice(from, to),
    spots: maps.spots.slice(from, to),
    center: maps.center.slice(2 * from, 2 * to),
    solutions: { phase: s.phase.slice(k * from, k * to), quaternion: s.quaternion.slice(4 * k * from, 4 * k * to), correlation: s.correlation.slice(k * from, k * to) },
  };
}

/** The precession angle an ASTAR note states ("Precession angle : 0.6"), degrees, if any. */
export function precessionFromNote(note: string): number | undefined {
  const m = /precession\s+angle\s*[:=]\s*([0-9.]+)/i.exec(note);
  const v = m ? Number(m[1]) : NaN;
  return Number.isFinite(v) && v >= 0 && v < 10 ? v : undefined;
}

/** Scan columns and rows of a blockfile (a line scan is one row). */
export function scanShapeOf(blockfile: Blockfile): [number, number] {
  const nav = blockfile.geometry.navShape;
  const nx = nav[nav.length - 1] ?? 1;
  const ny = nav.slice(0, -1).reduce((a, b) => a * b, 1);
  return [ny, nx];
}

/** Matches frames [start, end) into `maps` (indexed from `start`), positions outside `region` skipped. */
export async function indexRange(
  blockfile: Blockfile,
  matcher: PatternMatcher,
  region: ScanRect,
  start: number,
  end: number,
  maps: IndexMaps,
  options: { signal?: AbortSignal; blockFrames?: number; onFrames?: (frames: number) => void; seeds?: NeighbourSeeds } = {},
): Promise<void> {
  const [, nx] = scanShapeOf(blockfile);
  const pixels = blockfile.geometry.pixelsPerFrame;
  const seeds = options.seeds;
  let done = 0;
  for await (const block of blockfile.blocks({ start, end, blockFrames: options.blockFrames ?? 64, signal: options.signal })) {
    for (let i = 0; i < block.count; i++) {
      const index = block.start + i;
      const x = index % nx;
      const y = Math.floor(index / nx);
      if (x < region.x0 || x >= region.x1 || y < region.y0 || y >= region.y1) continue;
      const frame = block.data.subarray(i * pixels, (i + 1) * pixels);
      if (!seeds) {
        matcher.match(frame, maps, index - start);
        continue;
      }
      const [a, b] = [seeds.offsets[index - start], seeds.offsets[index - start + 1]];
      if (a === b) continue;
      const list: Seed[] = [];
      for (let k = a; k < b; k++) list.push({ phase: seeds.phase[k], g: quaternionToMatrix(Array.from(seeds.quaternion.subarray(4 * k, 4 * k + 4))) });
      matcher.rematch(frame, maps, index - start, list);
    }
    done += block.count;
    options.onFrames?.(done);
    options.signal?.throwIfAborted();
  }
}

/** The worker's side of an "index" job (registered in the analysis workers). */
export async function serveIndexJob(
  payload: unknown,
  context: { openFile?: (path: string) => Promise<ByteSource>; onFrames: (frames: number) => void; signal: AbortSignal },
): Promise<{ result: IndexMaps; transfer: ArrayBuffer[] }> {
  const task = payload as IndexTask;
  // A Blob's bytes as plain slices: matching reads about 1 MB/s, and a stream per read stalled now and then in Chromium.
  const source = await openDescriptor(task.source, context.openFile, context.signal, { streams: false });
  try {
    const blockfile = await Blockfile.open(source, task.geometry);
    const matcher = new PatternMatcher(task.library, blockfile.geometry.sigShape[1], task.match);
    const maps = task.revisit?.prior ?? createIndexMaps(task.end - task.start, matcher.options.solutions);
    await indexRange(blockfile, matcher, task.region, task.start, task.end, maps, {
      signal: context.signal,
      blockFrames: task.blockFrames,
      onFrames: context.onFrames,
      seeds: task.revisit?.seeds,
    });
    return { result: maps, transfer: indexMapBuffers(maps) };
  } finally {
    await source.close().catch(() => undefined);
  }
}

/** A chunk of templates for a worker to simulate: directions [from, to) of one level of one phase's grid. */
export interface LibraryTask {
  structure: PhaseLibrary['structure'];
  options: Required<LibraryOptions>;
  level: LibraryLevel;
  from: number;
  to: number;
}

/** Serves a "library" job in a worker (see {@link buildLibraryOn}). */
export function serveLibraryJob(payload: unknown): { result: TemplateArrays; transfer: ArrayBuffer[] } {
  const task = payload as LibraryTask;
  const result = templateChunk(makePhase(task.structure), task.options, task.level, task.from, task.to);
  return { result, transfer: [result.angles, result.start, result.spotR, result.spotA, result.spotW].map((a) => a.buffer as ArrayBuffer) };
}

/**
 * {@link buildLibrary} with the templates simulated on the pool's workers,
 * in chunks of each phase's grid: the same library, to the bit, sooner, and
 * off the calling thread (a page stays responsive).
 */
export async function buildLibraryOn(pool: JobPool, phases: readonly Phase[], options: LibraryOptions, signal?: AbortSignal): Promise<TemplateLibrary> {
  if (phases.length < 1 || phases.length > 255) throw new RangeError(`give 1 to 255 phases, got ${phases.length}`);
  const full = libraryOptions(options);
  const level = async (phase: Phase, which: LibraryLevel) => {
    const size = levelSize(phase, full, which);
    const pieces = Math.min(size, 2 * pool.size);
    const bounds = Array.from({ length: pieces + 1 }, (_, i) => Math.round((i * size) / pieces));
    const chunks = await Promise.all(
      bounds.slice(1).map((to, i) =>
        pool.runJob<TemplateArrays>('library', { structure: phaseStructure(phase), options: full, level: which, from: bounds[i], to } satisfies LibraryTask, () => undefined, signal),
      ),
    );
    return joinChunks(chunks);
  };
  const screened = hasScreen(full.resolution);
  return libraryOf(
    await Promise.all(phases.map(async (phase, i) => assemblePhaseLibrary(phase, i, full.resolution, await level(phase, 'own'), screened ? await level(phase, 'screen') : undefined))),
    full,
  );
}

/** Copies maps of frames [start, …) into the maps of the whole scan (as the partial maps of a run arrive, too). */
export function placeIndexMaps(into: IndexMaps, part: IndexMaps, start: number): void {
  const k = into.solutionsPerPosition;
  into.phase.set(part.phase, start);
  into.euler.set(part.euler, 3 * start);
  into.quaternion.set(part.quaternion, 4 * start);
  into.correlation.set(part.correlation, start);
  into.reliability.set(part.reliability, start);
  into.phaseReliability.set(part.phaseReliability, start);
  into.spots.set(part.spots, start);
  into.center.set(part.center, 2 * start);
  into.solutions.phase.set(part.solutions.phase, start * k);
  into.solutions.quaternion.set(part.solutions.quaternion, 4 * start * k);
  into.solutions.correlation.set(part.solutions.correlation, start * k);
}

/** The library options a scan implies: radius to the corners, the beam mask from the shortest reflection. */
export function libraryOptionsFor(blockfile: Blockfile, phases: readonly Phase[], options: IndexOptions): LibraryOptions {
  const size = blockfile.geometry.sigShape[1];
  const precession = options.precession ?? precessionFromNote(blockfile.note) ?? 0;
  const energy = blockfile.header.Beam_energy;
  const voltage = options.voltage ?? (energy > 0 ? energy / 1000 : 200);
  // The farthest corner from the middle, less the beam's usual wander.
  const radius = options.radius ?? Math.max(4, Math.floor((size / 2) * Math.SQRT2 - size / 32));
  const innerRadius = options.innerRadius ?? Math.min(radius - 1, Math.max(size * 0.03, 0.5 * Math.min(...phases.map(shortestReflection)) / options.pixelSize));
  return {
    pixelSize: options.pixelSize,
    radius,
    innerRadius,
    precession,
    voltage,
    ...(options.resolution !== undefined && { resolution: options.resolution }),
    ...(options.thickness !== undefined && { thickness: options.thickness }),
    ...(options.gamma !== undefined && { gamma: options.gamma }),
    ...(options.maxSpots !== undefined && { maxSpots: options.maxSpots }),
  };
}

/** |g| of a phase's shortest reflection with a structure factor, Å⁻¹. */
export function shortestReflection(phase: Phase): number {
  const reflections = reflectionsWithin(phase, Math.min(1, Math.max(phase.cell.a, phase.cell.b, phase.cell.c) / 4));
  const strongest = reflections.reduce((m, r) => Math.max(m, r.f2), 0);
  let longest = 0;
  for (const r of reflections) if (r.f2 > 1e-6 * strongest && r.d > longest) longest = r.d;
  return longest > 0 ? 1 / longest : 1;
}

/** Ranges of frames for the workers: several per worker so that a slow one does not hold up the rest. */
function splitFrames(start: number, end: number, pieces: number): [number, number][] {
  const n = end - start;
  const count = Math.max(1, Math.min(pieces, n));
  const ranges: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const a = start + Math.floor((n * i) / count);
    const b = start + Math.floor((n * (i + 1)) / count);
    if (b > a) ranges.push([a, b]);
  }
  return ranges;
}

/**
 * Indexes every pattern of a blockfile (or of `region`): phase, orientation
 * (Bunge Euler angles in degrees and quaternions, ORIENTATION.md's G),
 * correlation, reliability, phase reliability, matched spots, beam centre
 * and the best solutions, as typed arrays over the scan (row-major).
 * Browser-safe; with a pool, the scan is split over its workers.
 *
 * ```ts
 * const phases = [readCifPhase(cifText, 'Cu.cif')];
 * const map = await indexOrientations(bf, phases, { pixelSize: 0.025, resolution: 1 }, { pool });
 * map.phase; map.euler; map.reliability;
 * ```
 */
export async function indexOrientations(blockfile: Blockfile, phases: readonly Phase[], options: IndexOptions, run: IndexRunOptions = {}): Promise<OrientationMap> {
  const [ny, nx] = scanShapeOf(blockfile);
  const total = nx * ny;
  const pool = run.pool && run.pool.size > 0 ? run.pool : undefined;
  const library =
    options.library ?? (pool ? await buildLibraryOn(pool, phases, libraryOptionsFor(blockfile, phases, options), run.signal) : buildLibrary(phases, libraryOptionsFor(blockfile, phases, options)));
  const region = options.region ?? { x0: 0, y0: 0, x1: nx, y1: ny };
  if (!(region.x0 >= 0 && region.y0 >= 0 && region.x1 <= nx && region.y1 <= ny && region.x0 < region.x1 && region.y0 < region.y1)) {
    throw new RangeError(`region ${region.x0},${region.y0},${region.x1},${region.y1} is not inside the ${nx} × ${ny} scan`);
  }
  const match: MatchOptions = {
    ...(options.center && { center: options.center }),
    ...(options.solutions !== undefined && { solutions: options.solutions }),
    ...(options.keep !== undefined && { keep: options.keep }),
    ...(options.distinct !== undefined && { distinct: options.distinct }),
    ...(options.refine !== undefined && { refine: options.refine }),
    // The profile fit leaves out saturated pixels: those at the file's largest value.
    fit: options.fit === false ? false : { saturation: blockfile.dtype === 'uint16' ? 65535 : 255, ...options.fit },
  };
  const neighbours = options.neighbours ?? true;
  const seedRegion = neighbours ? (options.seedRegion ?? region) : region;
  if (!(seedRegion.x0 <= region.x0 && seedRegion.y0 <= region.y0 && seedRegion.x1 >= region.x1 && seedRegion.y1 >= region.y1 && seedRegion.x0 >= 0 && seedRegion.y0 >= 0 && seedRegion.x1 <= nx && seedRegion.y1 <= ny)) {
    throw new RangeError(`seedRegion ${seedRegion.x0},${seedRegion.y0},${seedRegion.x1},${seedRegion.y1} must hold the region and lie inside the ${nx} × ${ny} scan`);
  }
  const matcher = new PatternMatcher(library, blockfile.geometry.sigShape[1], match);
  const maps = createIndexMaps(total, matcher.options.solutions);
  const blockFrames = run.blockFrames ?? 64;
  const descriptor = blockfile.source.descriptor;
  // Progress counts the second pass on from the first's end.
  const [firstStart, firstEnd] = [seedRegion.y0 * nx, seedRegion.y1 * nx];
  const totalFrames = firstEnd - firstStart + (neighbours ? (region.y1 - region.y0) * nx : 0);
  /** Frames [start, end) of `within`'s rows, matched (or, with seeds, matched again where a seed wins). */
  const pass = async (within: ScanRect, offset: number, seeds?: NeighbourSeeds): Promise<void> => {
    const [start, end] = [within.y0 * nx, within.y1 * nx];
    const which = seeds ? 'neighbours' : 'search';
    const report = (frames: number) => run.onProgress?.({ frames: offset + frames, totalFrames, pass: which, passFrames: frames, passTotal: end - start });
    if (!pool || !descriptor) {
      const part = seeds ? sliceIndexMaps(maps, start, end) : createIndexMaps(end - start, matcher.options.solutions);
      await indexRange(blockfile, matcher, within, start, end, part, { signal: run.signal, blockFrames, onFrames: report, seeds });
      placeIndexMaps(maps, part, start);
      return;
    }
    run.signal?.throwIfAborted();
    const { navShape, sigShape, syncOffset } = blockfile.geometry;
    const geometry = { navShape: [...navShape], sigShape: [...sigShape], syncOffset, strict: blockfile.strict };
    const ranges = splitFrames(start, end, run.pieces ?? pool.size * 4);
    const doneByTask = new Array<number>(ranges.length).fill(0);
    let done = 0;
    const abort = new AbortController();
    const onAbort = () => abort.abort(run.signal?.reason);
    run.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const parts = await Promise.all(
        ranges.map(([a, b], i) => {
          const task: IndexTask = { source: descriptor, geometry, library, match, region: within, start: a, end: b, blockFrames };
          if (seeds) task.revisit = { prior: sliceIndexMaps(maps, a, b), seeds: seedsBetween(seeds, start, a, b) };
          return pool
            .runJob<IndexMaps>('index', task, (frames) => {
              done += frames - doneByTask[i];
              doneByTask[i] = frames;
              report(done);
            }, abort.signal)
            .then((part) => {
              run.onPartial?.(part, a);
              return part;
            })
            .catch((error: unknown) => {
              abort.abort(error); // one failure stops the others
              throw error;
            });
        }),
      );
      parts.forEach((part, i) => placeIndexMaps(maps, part, ranges[i][0]));
    } finally {
      run.signal?.removeEventListener('abort', onAbort);
    }
  };
  await pass(seedRegion, 0);
  let result = maps;
  if (neighbours) {
    const [start, end] = [region.y0 * nx, region.y1 * nx];
    await pass(region, firstEnd - firstStart, neighbourSeeds(maps, library, nx, region, start, end, seedRegion));
    // The seed region's positions outside the region stay unindexed, as without one.
    if (seedRegion !== region) {
      result = createIndexMaps(total, matcher.options.solutions);
      for (let y = region.y0; y < region.y1; y++) placeIndexMaps(result, sliceIndexMaps(maps, y * nx + region.x0, y * nx + region.x1), y * nx + region.x0);
    }
  }
  return {
    ...result,
    scanShape: [ny, nx],
    library,
    precession: library.precession,
    voltage: library.voltage,
    indexed: (region.x1 - region.x0) * (region.y1 - region.y0),
  };
}
