/**
 * Inputs for writing a blockfile: a .npy array, a blockfile, HyperSpy's
 * .hspy (through h5wasm) and .zspy, plain Zarr (through zarrita, which also
 * decodes Blosc) and TIFF stacks. Each gives the signal's description and
 * its frames block by block, readable twice (for a 'minmax' first pass).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadHdf5, type H5Module } from './hdf5.js';
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import { signalFromTree, type ReadGroup } from '../convert/hyperspy-tree.js';
import { BlockfileError, type BlockfileWarning } from '../format/errors.js';
import type { Axis, NumericArray } from '../format/types.js';
import type { Blockfile } from '../reader/blockfile.js';
import { openTiffStack } from '../tiff/read.js';
import { defaultAxes, type SignalDescription } from '../writer/header-from-signal.js';
import type { NumericDtype } from '../writer/pixels.js';
import type { WriterDescription } from '../writer/signal-writer.js';
import { FileSource } from './file-source.js';
import { NpyFile } from './npy-file.js';

export interface FrameInput {
  description: WriterDescription;
  /** What opening the input found odd (a truncated blockfile, …). */
  warnings?: BlockfileWarning[];
  frames: () => AsyncIterable<NumericArray>;
  close(): Promise<void>;
}

/** Bytes read per block from inputs that are read by rows of the first axis. */
const BLOCK_BYTES = 8 * 1024 * 1024;

function rowsPerBlock(shape: readonly number[], bytesPerValue: number): number {
  const rowBytes = shape.slice(1).reduce((a, b) => a * b, 1) * bytesPerValue;
  return Math.max(1, Math.floor(BLOCK_BYTES / Math.max(1, rowBytes)));
}

function checkDtype(dtype: string, file: string): NumericDtype {
  const known = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64', 'int64', 'uint64'];
  if (!known.includes(dtype)) throw new BlockfileError('UNSUPPORTED', file, `data of type ${dtype} cannot be written to a blockfile`);
  return dtype as NumericDtype;
}

export function npyInput(npy: NpyFile): FrameInput {
  const shape = npy.header.shape;
  return {
    description: { shape, axes: defaultAxes(shape), dtype: npy.header.dtype },
    frames: async function* () {
      for await (const block of npy.blocks()) yield block.data;
    },
    close: () => npy.close(),
  };
}

export function blockfileInput(bf: Blockfile): FrameInput {
  return {
    description: {
      ...bf.signalDescription,
      dtype: bf.dtype,
      // For navigatorSignal 'keep': read when the output is finished, only if asked for.
      ...(bf.hasNavigator ? { storedNavigator: async () => (await bf.navigator()).data } : {}),
    },
    warnings: bf.warnings,
    frames: async function* () {
      for await (const block of bf.blocks()) yield block.data as NumericArray;
    },
    close: () => bf.close(),
  };
}

// HDF5 ---------------------------------------------------------------------

const H5_TYPES: Record<string, NumericDtype> = {
  '<B': 'uint8',
  '|u1': 'uint8',
  '<b': 'int8',
  '<H': 'uint16',
  '<h': 'int16',
  '<I': 'uint32',
  '<i': 'int32',
  '<f': 'float32',
  '<d': 'float64',
  '<q': 'int64',
  '<Q': 'uint64',
};

type H5Group = InstanceType<H5Module['Group']>;
type H5Dataset = InstanceType<H5Module['Dataset']>;

function h5Tree(h5wasm: H5Module, group: H5Group): ReadGroup {
  const attrs: Record<string, unknown> = {};
  for (const [name, attr] of Object.entries(group.attrs)) attrs[name] = attr.json_value;
  const groups: Record<string, ReadGroup> = {};
  for (const name of group.keys()) {
    const child = group.get(name);
    if (child instanceof h5wasm.Group) groups[name] = h5Tree(h5wasm, child);
  }
  return { attrs, groups };
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5's signature sits at 0, 512, 1024, 2048, … (after a user block). */
async function hasHdf5Signature(path: string): Promise<boolean> {
  const source = await FileSource.open(path);
  try {
    for (let at = 0; at + 8 <= source.size; at = at === 0 ? 512 : at * 2) {
      const bytes = await source.read(at, 8);
      if (HDF5_SIGNATURE.every((b, i) => bytes[i] === b)) return true;
    }
    return false;
  } finally {
    await source.close();
  }
}

/** HyperSpy's .hspy: the first experiment, its axes, metadata and data. */
export async function hspyInput(path: string): Promise<FrameInput> {
  const h5wasm = await loadHdf5(path);
  await stat(path).catch(() => {
    throw new BlockfileError('READ_FAILED', path, 'no such file');
  });
  // Check the signature first: HDF5 prints its error stack to stderr on files it cannot open.
  if (!(await hasHdf5Signature(path))) throw new BlockfileError('READ_FAILED', path, 'not an HDF5 file');
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, 'r');
  } catch (cause) {
    throw new BlockfileError('READ_FAILED', path, 'not an HDF5 file', { cause });
  }
  try {
    const experiments = file.get('Experiments');
    const title = experiments instanceof h5wasm.Group ? experiments.keys()[0] : undefined;
    const group = title !== undefined ? (experiments as H5Group).get(title) : undefined;
    const dataset = group instanceof h5wasm.Group ? group.get('data') : undefined;
    if (!(group instanceof h5wasm.Group) || !(dataset instanceof h5wasm.Dataset)) {
      throw new BlockfileError('UNSUPPORTED', path, 'not a HyperSpy file: no Experiments/<title>/data');
    }
    const data: H5Dataset = dataset;
    const shape = data.shape ?? [];
    const dtype = H5_TYPES[String(data.dtype)];
    if (!dtype) throw new BlockfileError('UNSUPPORTED', path, `data of HDF5 type ${JSON.stringify(data.dtype)} cannot be written to a blockfile`);
    const signal = signalFromTree(h5Tree(h5wasm, group), shape, path);
    const rows = rowsPerBlock(shape, Number(data.metadata.size));
    return {
      description: { ...signal, dtype },
      frames: async function* () {
        for (let r = 0; r < shape[0]; r += rows) {
          yield data.slice([[r, Math.min(shape[0], r + rows)]]) as NumericArray;
        }
      },
      close: async () => {
        file.close();
      },
    };
  } catch (error) {
    file.close();
    throw error;
  }
}

// Zarr ---------------------------------------------------------------------

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Groups and attributes of a Zarr 2 directory tree, from its .zgroup and .zattrs files. */
async function zarrTree(dir: string): Promise<ReadGroup> {
  const attrs = (await readJson(join(dir, '.zattrs'))) ?? {};
  const groups: Record<string, ReadGroup> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && (await readJson(join(dir, entry.name, '.zgroup')))) groups[entry.name] = await zarrTree(join(dir, entry.name));
  }
  return { attrs, groups };
}

/** HyperSpy's .zspy, or a plain Zarr 2 array (.zarr) with our axes and metadata in its attributes when present. */
export async function zarrInput(path: string): Promise<FrameInput> {
  if (!(await stat(path).catch(() => undefined))?.isDirectory()) throw new BlockfileError('READ_FAILED', path, 'no such Zarr directory');
  const store = new FileSystemStore(path);
  const root = zarr.root(store);
  let arrayPath: string;
  let signal: Omit<SignalDescription, 'shape'> = {};
  const rootArray = await readJson(join(path, '.zarray'));
  if (rootArray) {
    arrayPath = '';
  } else {
    const experiments = join(path, 'Experiments');
    const titles = await readdir(experiments).catch(() => [] as string[]);
    const title = titles.find((t) => !t.startsWith('.'));
    if (title === undefined) throw new BlockfileError('UNSUPPORTED', path, 'neither a Zarr array nor a HyperSpy .zspy (no Experiments/<title>/data)');
    arrayPath = `Experiments/${title}/data`;
  }
  let array: zarr.Array<zarr.DataType, FileSystemStore>;
  try {
    array = await zarr.open.v2(arrayPath ? root.resolve(arrayPath) : root, { kind: 'array' });
  } catch (cause) {
    throw new BlockfileError('UNSUPPORTED', path, `cannot open the Zarr array: ${(cause as Error).message}`, { cause });
  }
  const shape = array.shape;
  if (arrayPath) {
    signal = signalFromTree(await zarrTree(join(path, 'Experiments', arrayPath.split('/')[1])), shape, path);
  } else {
    const attrs = array.attrs as { axes?: unknown; metadata?: unknown; original_metadata?: unknown };
    signal = {
      axes: Array.isArray(attrs.axes) && attrs.axes.length === shape.length ? (attrs.axes as SignalDescription['axes']) : defaultAxes(shape),
      metadata: (attrs.metadata as SignalDescription['metadata']) ?? undefined,
      original_metadata: (attrs.original_metadata as SignalDescription['original_metadata']) ?? undefined,
    };
  }
  const dtype = checkDtype(String(array.dtype), path);
  const bytes = Number(/\d+/.exec(String(array.dtype))?.[0] ?? 8) / 8;
  const rows = Math.max(rowsPerBlock(shape, bytes), 1);
  return {
    description: { shape, ...signal, dtype },
    frames: async function* () {
      for (let r = 0; r < shape[0]; r += rows) {
        const selection = [zarr.slice(r, Math.min(shape[0], r + rows)), ...shape.slice(1).map(() => null)];
        const chunk = await zarr.get(array, selection);
        yield chunk.data as NumericArray;
      }
    },
    close: async () => undefined,
  };
}

// TIFF ---------------------------------------------------------------------

/** A stack of same-size grey pages, one pattern each (as tifffile and ImageJ write them). */
export async function tiffInput(path: string): Promise<FrameInput> {
  let source: FileSource;
  try {
    source = await FileSource.open(path);
  } catch (cause) {
    throw new BlockfileError('READ_FAILED', path, 'no such file', { cause });
  }
  try {
    const stack = await openTiffStack(source);
    let shape = stack.pages.length === 1 ? [stack.rows, stack.cols] : [stack.pages.length, stack.rows, stack.cols];
    let axes = defaultAxes(shape);
    // Stacks written by `blo convert` carry the scan's shape and axes as JSON in their description.
    const described = parseStackDescription(stack.description, stack.pages.length * stack.rows * stack.cols);
    if (described) [shape, axes] = [described.shape, described.axes];
    const extra = described ? { metadata: described.metadata, original_metadata: described.original_metadata } : {};
    const perBlock = Math.max(1, Math.floor(BLOCK_BYTES / (stack.rows * stack.cols * stack.bytesPerValue)));
    return {
      description: { shape, axes, ...extra, dtype: stack.dtype },
      frames: async function* () {
        for (let p = 0; p < stack.pages.length; p += perBlock) yield (await stack.readPages(p, Math.min(stack.pages.length, p + perBlock))) as NumericArray;
      },
      close: () => source.close(),
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}

function parseStackDescription(
  text: string,
  values: number,
): (Pick<SignalDescription, 'metadata' | 'original_metadata'> & { shape: number[]; axes: Axis[] }) | undefined {
  try {
    const parsed = JSON.parse(text) as { shape?: unknown; axes?: unknown; metadata?: unknown; original_metadata?: unknown };
    const shape = parsed.shape;
    const axes = parsed.axes;
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n > 0)) return undefined;
    if (shape.reduce((a: number, b: number) => a * b, 1) !== values) return undefined;
    if (!Array.isArray(axes) || axes.length !== shape.length) return undefined;
    const ok = axes.every((a: Partial<Axis>, i: number) => a && a.size === shape[i] && typeof a.name === 'string' && Number.isFinite(a.scale) && Number.isFinite(a.offset) && typeof a.units === 'string' && typeof a.navigate === 'boolean');
    const object = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
    return ok
      ? {
          shape: shape as number[],
          axes: axes as Axis[],
          metadata: object(parsed.metadata) as SignalDescription['metadata'],
          original_metadata: object(parsed.original_metadata) as SignalDescription['original_metadata'],
        }
      : undefined;
  } catch {
    return undefined;
  }
}
