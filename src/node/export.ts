/**
 * Conversions of a blockfile into the formats the Python ecosystem reads
 * as its own: HyperSpy's .hspy (HDF5) and .zspy (Zarr), plain Zarr 2
 * (.zarr, for Dask), all streamed block by block with bounded memory and
 * written to a temporary beside the target first.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { loadHdf5, type H5Module } from './hdf5.js';
import { hyperspyTree, type AttrValue, type TreeGroup } from '../convert/hyperspy-tree.js';
import { writeGroupTree, ZarrArrayWriter, type ZarrCompressor, type ZarrStore } from '../convert/zarr-v2.js';
import { BlockfileError, type BlockfileWarning } from '../format/errors.js';
import type { Blockfile } from '../reader/blockfile.js';
import { gridOf } from '../reader/geometry.js';
import { TiffStackWriter } from '../tiff/tiff.js';
import { writeDirectoryAtomically, writeFailure, writeFileAtomically, writeViaTemporaryPath, type TargetOptions } from './atomic-file.js';

export interface ExportOptions extends TargetOptions {
  onProgress?: (progress: { frames: number; totalFrames: number }) => void;
  signal?: AbortSignal;
  /** Target size of one chunk (default 16 MiB): whole scan rows, at least one. */
  chunkBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;
/** Chunks being compressed at once (zlib runs on libuv's thread pool). */
const CHUNKS_IN_FLIGHT = 2;


/**
 * Chunking along the first axis: `rows` indices of it per chunk, and the
 * frames one index holds. Without navigation axes the one pattern is one chunk.
 */
function chunking(bf: Blockfile, chunkBytes: number): { rows: number; framesPerRow: number; scan: boolean } {
  const shape = bf.squeezedShape;
  if (shape.length <= 2) return { rows: shape[0], framesPerRow: 1, scan: false };
  const framesPerRow = shape.slice(1, shape.length - 2).reduce((a, b) => a * b, 1);
  const rowBytes = framesPerRow * bf.geometry.pixelsPerFrame * bf.layout.bytesPerPixel;
  return { rows: Math.max(1, Math.min(shape[0], Math.floor(chunkBytes / rowBytes))), framesPerRow, scan: true };
}

const deflateAsync = promisify(deflate);

/** numcodecs' "zlib" codec, on Node's zlib: level 1 trades a little size for speed. */
export const ZLIB_COMPRESSOR: ZarrCompressor = {
  config: { id: 'zlib', level: 1 },
  // One output chunk as large as the input: no list of 16 KiB pieces to join afterwards.
  encode: (bytes) => deflateAsync(bytes, { level: 1, chunkSize: Math.max(64 * 1024, bytes.length + 1024) }),
};

function directoryStore(root: string): ZarrStore {
  const made = new Set<string>();
  return {
    async set(key, bytes) {
      const path = join(root, key);
      const dir = dirname(path);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      await writeFile(path, bytes);
    },
  };
}

/**
 * Feeds every chunk of the file to `write`, a few at a time, in order of
 * reading. Chunks are read into a fixed set of buffers, each reused once its
 * write is done, so memory stays at a few chunks whatever the file size.
 */
async function forEachChunk(
  bf: Blockfile,
  rows: number,
  framesPerRow: number,
  options: ExportOptions,
  write: (index: number, data: Uint8Array | Uint16Array) => Promise<void>,
): Promise<void> {
  const perChunk = Math.max(1, rows * framesPerRow);
  const values = perChunk * bf.geometry.pixelsPerFrame;
  const free: (Uint8Array | Uint16Array)[] = Array.from({ length: CHUNKS_IN_FLIGHT }, () =>
    bf.dtype === 'uint16' ? new Uint16Array(values) : new Uint8Array(values),
  );
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let frames = 0;
  for (let index = 0, start = 0; start < bf.frameCount && !failure; index++, start += perChunk) {
    while (free.length === 0) await Promise.race(inFlight);
    if (failure) break;
    const count = Math.min(perChunk, bf.frameCount - start);
    const buffer = free.pop()!;
    const data = (await bf.readFrames(start, count, buffer.subarray(0, count * bf.geometry.pixelsPerFrame) as typeof buffer, options.signal)) as typeof buffer;
    const task: Promise<void> = write(index, data)
      .then(() => {
        frames += count;
        options.onProgress?.({ frames, totalFrames: bf.frameCount });
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        inFlight.delete(task);
        free.push(buffer);
      });
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
}

/**
 * A blockfile as Zarr 2: `'zspy'` is HyperSpy's layout (groups for axes,
 * metadata and original metadata, the data at Experiments/__unnamed__/data),
 * `'zarr'` a plain array whose .zattrs hold axes and metadata.
 */
export async function exportZarr(bf: Blockfile, target: string, flavour: 'zspy' | 'zarr', options: ExportOptions = {}): Promise<BlockfileWarning[]> {
  const { rows, framesPerRow } = chunking(bf, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const signal = bf.signalDescription;
  // Replacing a store that holds the blockfile being read would delete it.
  const descriptor = bf.source.descriptor;
  const reads = [...(options.reads ?? []), ...(descriptor?.kind === 'file' ? [descriptor.path] : [])];
  return writeDirectoryAtomically(target, { ...options, reads }, async (dir) => {
    const store = directoryStore(dir);
    let path = '';
    let attrs: Record<string, unknown> | undefined;
    let warnings: BlockfileWarning[] = [];
    if (flavour === 'zspy') {
      const tree = hyperspyTree(signal, 'ZSpy', target);
      warnings = tree.warnings;
      await writeGroupTree(store, tree.root);
      path = `Experiments/${Object.keys(tree.root.groups.Experiments.groups)[0]}/data`;
    } else {
      attrs = { axes: signal.axes, metadata: signal.metadata, original_metadata: signal.original_metadata };
    }
    const array = new ZarrArrayWriter(store, path, signal.shape, bf.dtype, ZLIB_COMPRESSOR, rows);
    await array.writeMetadata(attrs);
    await forEachChunk(bf, rows, framesPerRow, options, (index, data) => array.writeChunk(index, data));
    return warnings;
  });
}

const H5_DTYPES = { uint8: '<B', uint16: '<H' } as const;

function writeAttrs(target: { create_attribute(name: string, data: string | number, shape?: number[] | null, dtype?: string | null): void }, attrs: Record<string, AttrValue>): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'string') target.create_attribute(name, value);
    else if (typeof value === 'number') target.create_attribute(name, value, null, Number.isInteger(value) ? '<q' : '<d');
    else target.create_attribute(name, value.value, null, { '<u2': '<H', '<u4': '<I', '<f8': '<d', '<i8': '<q' }[value.dtype]);
  }
}

type H5Group = InstanceType<H5Module['Group']>;

function writeH5Tree(group: H5Group, tree: TreeGroup): void {
  writeAttrs(group, tree.attrs);
  for (const [name, child] of Object.entries(tree.groups)) writeH5Tree(group.create_group(name), child);
}

/** A blockfile as HyperSpy's .hspy: HDF5 with gzip-compressed chunks of whole scan rows. */
export async function exportHspy(bf: Blockfile, target: string, options: ExportOptions = {}): Promise<BlockfileWarning[]> {
  const { rows, framesPerRow, scan } = chunking(bf, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const signal = bf.signalDescription;
  const tree = hyperspyTree(signal, 'HyperSpy', target);
  const h5wasm = await loadHdf5(target);
  return writeViaTemporaryPath(target, options, async (temp) => {
    // Create the file here first: HDF5 reports a folder it cannot write in with pages of
    // diagnostics and an unusable handle, Node with an error code to name.
    await open(temp, 'wx').then((handle) => handle.close(), (cause) => {
      throw writeFailure(target, cause);
    });
    let file: InstanceType<typeof h5wasm.File>;
    try {
      file = new h5wasm.File(temp, 'w');
    } catch (cause) {
      throw new BlockfileError('WRITE_FAILED', target, `cannot create the HDF5 file: ${String(cause)}`, { cause });
    }
    try {
      writeAttrs(file, tree.root.attrs);
      const experiments = file.create_group('Experiments');
      const [title, experiment] = Object.entries(tree.root.groups.Experiments.groups)[0];
      const group = experiments.create_group(title);
      writeH5Tree(group, experiment);
      const shape = signal.shape;
      const rest = shape.slice(1);
      const dataset = group.create_dataset({
        name: 'data',
        data: bf.dtype === 'uint16' ? new Uint16Array(0) : new Uint8Array(0),
        shape: [0, ...rest],
        maxshape: shape,
        chunks: [rows, ...rest],
        compression: 'gzip',
        compression_opts: 1,
        dtype: H5_DTYPES[bf.dtype],
      });
      let done = 0;
      for await (const block of bf.blocks({ blockFrames: scan ? rows * framesPerRow : 1, signal: options.signal })) {
        const first = scan ? block.start / framesPerRow : 0;
        const last = scan ? first + block.count / framesPerRow : shape[0];
        dataset.resize([last, ...rest]);
        dataset.write_slice([[first, last]], block.data);
        done += block.count;
        options.onProgress?.({ frames: done, totalFrames: bf.frameCount });
      }
    } catch (error) {
      if (error instanceof BlockfileError) throw error;
      const message = String((error as Error)?.message ?? error);
      throw new BlockfileError('WRITE_FAILED', target, /space/i.test(message) ? 'no space left on device' : `HDF5: ${message}`, { cause: error });
    } finally {
      file.close();
    }
    return tree.warnings;
  });
}

/** A blockfile as a multi-page TIFF: one page per pattern, in scan order (tifffile and ImageJ read it as a stack). */
export async function exportTiffStack(bf: Blockfile, target: string, options: ExportOptions = {}): Promise<BlockfileWarning[]> {
  const { patternRows: rows, patternCols: cols } = gridOf(bf.geometry);
  const description = JSON.stringify(bf.signalDescription);
  let big = false;
  await writeFileAtomically(target, options, async (sink) => {
    const stack = new TiffStackWriter(sink, { pages: bf.frameCount, rows, cols, dtype: bf.dtype, description });
    let frames = 0;
    for await (const block of bf.blocks({ signal: options.signal })) {
      await stack.writePages(block.data);
      frames += block.count;
      options.onProgress?.({ frames, totalFrames: bf.frameCount });
    }
    stack.finish();
    big = stack.big;
  });
  const warnings: BlockfileWarning[] = [];
  if (big) warnings.push({ code: 'METADATA', message: `${target}: over 4 GiB, written as BigTIFF: tifffile reads it; ImageJ needs Bio-Formats for it` });
  // TIFF keeps no calibrations that HyperSpy reads: say so rather than drop them silently.
  return [...warnings, { code: 'METADATA', message: `${target}: TIFF readers see the patterns only; axes, metadata and the header travel as JSON in the first page's description, which blo convert reads back` }];
}
