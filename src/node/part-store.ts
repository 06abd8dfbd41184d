/**
 * A results store shared by the independent tasks of a split analysis
 * (`blo virtual … --part I/N -o results.zarr`): a Zarr 2 group that the
 * first task to arrive creates whole (built in a temporary folder beside it
 * and renamed into place, so that no task ever sees half of it) and that
 * every other task checks against its own request. Each task then writes
 * only its own chunks, each through a temporary file renamed over the chunk,
 * and last its `done` flag, so that tasks may run in any order, at the same
 * time, and a rerun replaces its chunks with the same bytes.
 *
 * Layout (chunks of whole scan rows: part I writes chunk I):
 * - `images/NAME`: per-position results (virtual images, centre-of-mass
 *   maps), [NY, NX] float64, chunks of `chunk_rows` rows, NaN where no part
 *   has written;
 * - `parts/sum`, `parts/sum_sq`, `parts/max`, `parts/count`: for pattern
 *   statistics, each part's partial result, [N, DP, DP] (count [N]) float64,
 *   one chunk per part, reduced by `readPartStore`/`blo convert`;
 * - `done`: [N] uint8, 1 once part I has written everything.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { lstat, mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import { ZarrArrayWriter, type ZarrStore } from '../convert/zarr-v2.js';
import { BlockfileError } from '../format/errors.js';
import { checkTarget, writeFailure } from './atomic-file.js';
import { ZLIB_COMPRESSOR } from './export.js';

/** The root attribute holding the description below. */
export const PARTS_ATTRIBUTE = 'blockfile_parts';
const FORMAT = 1;

export type PartStatistic = 'sum' | 'sum_sq' | 'max';

/** What every task of one split run agrees on; stored in the root's .zattrs. */
export interface PartStoreSpec {
  format: number;
  /** The blo command: virtual, sum, mean, max, std or com. */
  command: string;
  parts: number;
  /** Scan rows per chunk of the images: ceil(NY / N). */
  chunk_rows: number;
  scan_shape: [number, number];
  pattern_shape: [number, number];
  /** The input, as the first task saw it; later tasks must read the same size and head (header, note and stored VBF: the bytes before the frames). */
  input: { name: string; size: number; head_sha256: string };
  /** The analysis request, as JSON (mask weights by their SHA-256). */
  request: unknown;
  /** Per-position images, in order: images/NAME. */
  images: string[];
  /** Per-part partial pattern statistics: parts/NAME (and parts/count). */
  statistics: PartStatistic[];
}

/** Scan rows [first, end) of part `part` of `parts`; empty past the last row. */
export function partRows(scanRows: number, parts: number, part: number): { first: number; end: number; chunkRows: number } {
  const chunkRows = Math.max(1, Math.ceil(scanRows / parts));
  const first = Math.min(scanRows, part * chunkRows);
  return { first, end: Math.min(scanRows, first + chunkRows), chunkRows };
}

/** The identity of an input: its size and the SHA-256 of its head (the bytes before the frames: header, note, stored VBF). */
export function inputIdentity(name: string, size: number, head: Uint8Array): PartStoreSpec['input'] {
  return { name, size, head_sha256: createHash('sha256').update(head).digest('hex') };
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}

/** A unique temporary name beside `path`, hidden, naming the host and process that made it. */
function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.blo-part-tmp-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** A directory store that writes each key through a temporary file renamed over it. */
function atomicDirectoryStore(root: string): ZarrStore {
  const made = new Set<string>();
  return {
    async set(key, bytes) {
      const path = join(root, key);
      const dir = dirname(path);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      const temp = temporaryBeside(path);
      try {
        await writeFile(temp, bytes);
        await rename(temp, path);
      } catch (cause) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw writeFailure(path, cause);
      }
    },
  };
}

/** The writers of every array of a store (metadata and chunks). */
function arrays(store: ZarrStore, spec: PartStoreSpec) {
  const [ny, nx] = spec.scan_shape;
  const [pr, pc] = spec.pattern_shape;
  const images = spec.images.map((name) => new ZarrArrayWriter(store, `images/${name}`, [ny, nx], 'float64', ZLIB_COMPRESSOR, spec.chunk_rows));
  const statistics = [...spec.statistics, ...(spec.statistics.length > 0 ? ['count' as const] : [])].map(
    (name) => [name, new ZarrArrayWriter(store, `parts/${name}`, name === 'count' ? [spec.parts] : [spec.parts, pr, pc], 'float64', ZLIB_COMPRESSOR, 1)] as const,
  );
  const done = new ZarrArrayWriter(store, 'done', [spec.parts], 'uint8', ZLIB_COMPRESSOR, 1);
  return { images, statistics, done };
}

/** Writes the store's metadata (groups, arrays, attributes) into `dir`. */
async function writeMetadata(dir: string, spec: PartStoreSpec): Promise<void> {
  const store = atomicDirectoryStore(dir);
  await store.set('.zgroup', json({ zarr_format: 2 }));
  await store.set(
    '.zattrs',
    json({
      [PARTS_ATTRIBUTE]: spec,
      description: `blo ${spec.command} split into ${spec.parts} parts: per-position results in images/, per-part pattern statistics in parts/ (sum over the first axis), done[I] = 1 once part I is written; blo convert turns a complete store into .npy, .tiff or .png`,
    }),
  );
  const { images, statistics, done } = arrays(store, spec);
  if (images.length > 0) await store.set('images/.zgroup', json({ zarr_format: 2 }));
  if (statistics.length > 0) await store.set('parts/.zgroup', json({ zarr_format: 2 }));
  // Not yet written reads as NaN (never as a plausible zero); done as 0.
  for (const writer of [...images, ...statistics.map(([, w]) => w)]) writer.metadata.fill_value = 'NaN';
  for (const writer of images) await writer.writeMetadata();
  for (const [name, writer] of statistics) await writer.writeMetadata({ description: name === 'count' ? 'frames of each part in the statistics' : `each part's ${name} pattern` });
  await done.writeMetadata({ description: '1 once part I has written all its chunks' });
}

/** The description a results store holds, or undefined when it is not one. */
export async function readPartStoreSpec(path: string): Promise<PartStoreSpec | undefined> {
  let text: string;
  try {
    text = await readFile(join(path, '.zattrs'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const spec = (JSON.parse(text) as Record<string, unknown>)[PARTS_ATTRIBUTE] as PartStoreSpec | undefined;
    return spec && typeof spec === 'object' && typeof spec.parts === 'number' ? spec : undefined;
  } catch {
    return undefined;
  }
}

/** Why `found` cannot take the results of `wanted`, or undefined when it can. */
/** Which parts of two requests differ, shortly: `key: stored → this task's`, long values cut. */
function requestDifference(found: unknown, wanted: unknown): string {
  const short = (v: unknown) => {
    const text = JSON.stringify(v) ?? 'none';
    return text.length > 60 ? `${text.slice(0, 57)}…` : text;
  };
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(found) || !isRecord(wanted)) return `${short(found)} → ${short(wanted)}`;
  const keys = [...new Set([...Object.keys(found), ...Object.keys(wanted)])].filter((k) => JSON.stringify(found[k]) !== JSON.stringify(wanted[k]));
  return keys.map((k) => (isRecord(found[k]) && isRecord(wanted[k]) ? `${k}: ${requestDifference(found[k], wanted[k])}` : `${k}: ${short(found[k])} → ${short(wanted[k])}`)).join('; ');
}

function mismatch(found: PartStoreSpec, wanted: PartStoreSpec): string | undefined {
  if (found.format !== wanted.format) return `format ${found.format}, this blo writes ${wanted.format}`;
  if (found.command !== wanted.command) return `blo ${found.command}, not blo ${wanted.command}`;
  if (found.parts !== wanted.parts) return `${found.parts} parts, not ${wanted.parts}`;
  if (found.input.size !== wanted.input.size || found.input.head_sha256 !== wanted.input.head_sha256) {
    return `another input (${found.input.name}, ${found.input.size} bytes, head SHA-256 ${found.input.head_sha256.slice(0, 12)}…; this one is ${wanted.input.size} bytes, ${wanted.input.head_sha256.slice(0, 12)}…)`;
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(found.request, wanted.request)) return `another request (${requestDifference(found.request, wanted.request)})`;
  if (!same([found.scan_shape, found.pattern_shape, found.chunk_rows, found.images, found.statistics], [wanted.scan_shape, wanted.pattern_shape, wanted.chunk_rows, wanted.images, wanted.statistics])) {
    return 'another layout';
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Moves a store that does not match aside and deletes it, once, whichever
 * task gets there first: under a lock folder, the store is read again and
 * moved only if it still does not match (another task may have replaced it).
 */
async function replaceMismatching(target: string, wanted: PartStoreSpec, reads: readonly string[]): Promise<void> {
  const lock = join(dirname(target), `.${basename(target)}.blo-part-lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(target, cause);
      if (Date.now() > deadline) throw new BlockfileError('WRITE_FAILED', target, `another task has held ${lock} for two minutes; if none is running, remove that folder and rerun`);
      await sleep(100 + Math.random() * 100);
    }
  }
  try {
    const found = await readPartStoreSpec(target);
    if (found && !mismatch(found, wanted)) return;
    await checkTarget(target, { overwrite: true, reads, kind: 'zarr' });
    const old = temporaryBeside(target);
    await rename(target, old);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

export interface PartStoreOptions {
  /** Replace a Zarr store made for something else (never a file or another folder). */
  overwrite?: boolean;
  /** Input paths: a store holding one is never replaced. */
  reads?: readonly string[];
}

/**
 * Opens the results store at `target` for `spec`, creating it if no task
 * has: returns whether this call created it. A store made for another
 * input, request or number of parts is refused (replaced with `overwrite`).
 */
export async function openPartStore(target: string, spec: PartStoreSpec, options: PartStoreOptions = {}): Promise<PartStore> {
  for (let attempt = 0; ; attempt++) {
    const existing = await lstat(target).catch(() => undefined);
    if (existing) {
      const found = await readPartStoreSpec(target);
      const why = found ? mismatch(found, spec) : undefined;
      if (found && !why) return new PartStore(target, found);
      if (!options.overwrite) {
        throw new BlockfileError(
          'BAD_OPTION',
          target,
          found ? `holds the results of ${why}; give another output or pass overwrite: true to replace it` : `${existing.isDirectory() ? 'folder' : 'file'} exists and is not a results store of blo --part; pass overwrite: true to replace a Zarr store`,
        );
      }
      if (attempt > 5) throw new BlockfileError('WRITE_FAILED', target, 'keeps changing while tasks replace it; run the tasks again');
      await replaceMismatching(target, spec, options.reads ?? []);
      continue;
    }
    const temp = temporaryBeside(target);
    try {
      await mkdir(temp);
      await writeMetadata(temp, spec);
      await rename(temp, target);
      return new PartStore(target, spec, true);
    } catch (cause) {
      await rm(temp, { recursive: true, force: true }).catch(() => undefined);
      const code = (cause as NodeJS.ErrnoException).code;
      // Another task's store arrived first (a rename onto a non-empty folder fails): check it.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && attempt < 5) continue;
      throw cause instanceof BlockfileError ? cause : writeFailure(target, cause);
    }
  }
}

/** One task's view of the store: writes its chunks. */
export class PartStore {
  readonly path: string;
  readonly spec: PartStoreSpec;
  /** Whether this task created the store. */
  readonly created: boolean;
  readonly #arrays: ReturnType<typeof arrays>;

  constructor(path: string, spec: PartStoreSpec, created = false) {
    this.path = path;
    this.spec = spec;
    this.created = created;
    this.#arrays = arrays(atomicDirectoryStore(path), spec);
  }

  /**
   * Writes part `part`'s rows of every image (values of its rows, row-major,
   * in the order of `spec.images`), its partial statistics, then its done flag.
   */
  async writePart(part: number, images: Float64Array[], statistics: Partial<Record<PartStatistic, Float64Array>>, count: number): Promise<void> {
    const { first, end } = partRows(this.spec.scan_shape[0], this.spec.parts, part);
    if (images.length !== this.spec.images.length) throw new RangeError(`part ${part}: ${images.length} images, the store holds ${this.spec.images.length}`);
    const values = (end - first) * this.spec.scan_shape[1];
    if (end > first) {
      for (const [i, writer] of this.#arrays.images.entries()) {
        if (images[i].length !== values) throw new RangeError(`part ${part}: image ${this.spec.images[i]} has ${images[i].length} values, its rows ${values}`);
        await writer.writeChunk(part, images[i]);
      }
    }
    for (const [name, writer] of this.#arrays.statistics) {
      const data = name === 'count' ? Float64Array.of(count) : statistics[name];
      if (!data) throw new RangeError(`part ${part}: no ${name} pattern`);
      await writer.writeChunk(part, data);
    }
    await this.#arrays.done.writeChunk(part, Uint8Array.of(1));
  }
}

async function fileExists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** Whether `path` is a results store of `--part` runs. */
export async function isPartStore(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true && (await readPartStoreSpec(path)) !== undefined;
}

/** The parts of a store that are not complete: no done flag, or a chunk of theirs missing. */
export async function missingParts(path: string, spec: PartStoreSpec): Promise<number[]> {
  const missing: number[] = [];
  for (let part = 0; part < spec.parts; part++) {
    const { first, end } = partRows(spec.scan_shape[0], spec.parts, part);
    const keys = [`done/${part}`];
    if (end > first) keys.push(...spec.images.map((name) => `images/${name}/${part}/0`));
    if (spec.statistics.length > 0) keys.push(...[...spec.statistics, 'count'].map((name) => (name === 'count' ? `parts/count/${part}` : `parts/${name}/${part}/0/0`)));
    const present = await Promise.all(keys.map((key) => fileExists(join(path, key))));
    if (!present.every(Boolean)) missing.push(part);
  }
  return missing;
}

/** "parts 1 and 3 of 4" for messages. */
export function describeParts(parts: number[], total: number): string {
  const list = parts.length === 1 ? `${parts[0]}` : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  return `part${parts.length === 1 ? '' : 's'} ${list} of ${total}`;
}

/** The contents of a complete store: its images, and its per-part statistics one part at a time. */
export interface PartStoreContents {
  spec: PartStoreSpec;
  images: Float64Array[];
  /** Each part's partial statistics and frame count, in order, one part in memory at a time. */
  parts(): AsyncGenerator<{ statistics: Partial<Record<PartStatistic, Float64Array>>; count: number }>;
}

/**
 * Reads a finished store (through zarrita, as any Zarr 2 reader would).
 * An incomplete one is an error naming the missing parts.
 */
export async function readPartStore(path: string): Promise<PartStoreContents> {
  const spec = await readPartStoreSpec(path);
  if (!spec) throw new BlockfileError('UNSUPPORTED', path, 'not a results store of blo --part (no blockfile_parts in its .zattrs)');
  const missing = await missingParts(path, spec);
  if (missing.length > 0) {
    const tasks = missing.map((p) => `--part ${p}/${spec.parts}`).slice(0, 4).join(', ');
    throw new BlockfileError(
      'READ_FAILED',
      path,
      `incomplete: ${describeParts(missing, spec.parts)} ${missing.length === 1 ? 'is' : 'are'} missing; run blo ${spec.command} again with ${tasks}${missing.length > 4 ? ', …' : ''}`,
    );
  }
  const root = zarr.root(new FileSystemStore(path));
  const open = (key: string) => zarr.open.v2(root.resolve(key), { kind: 'array' });
  const images: Float64Array[] = [];
  for (const name of spec.images) images.push(Float64Array.from((await zarr.get(await open(`images/${name}`))).data as Float64Array));
  async function* parts() {
    if (spec!.statistics.length === 0) return;
    const counts = (await zarr.get(await open('parts/count'))).data as Float64Array;
    const arrays = await Promise.all(spec!.statistics.map(async (name) => [name, await open(`parts/${name}`)] as const));
    for (let part = 0; part < spec!.parts; part++) {
      const statistics: Partial<Record<PartStatistic, Float64Array>> = {};
      for (const [name, array] of arrays) {
        const chunk = await zarr.get(array, [zarr.slice(part, part + 1), null, null]);
        statistics[name] = Float64Array.from(chunk.data as Float64Array);
      }
      yield { statistics, count: counts[part] };
    }
  }
  return { spec, images, parts };
}

/** Folder entries, for tests and messages: the chunk files part `part` wrote. */
export async function partChunkFiles(path: string, spec: PartStoreSpec, part: number): Promise<string[]> {
  const files: string[] = [join(path, 'done', String(part))];
  for (const name of spec.images) {
    const dir = join(path, 'images', name, String(part));
    for (const entry of await readdir(dir).catch(() => [] as string[])) files.push(join(dir, entry));
  }
  for (const name of [...spec.statistics, ...(spec.statistics.length > 0 ? ['count'] : [])]) {
    files.push(name === 'count' ? join(path, 'parts', 'count', String(part)) : join(path, 'parts', name, String(part), '0', '0'));
  }
  return files;
}
