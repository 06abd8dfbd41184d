/**
 * RosettaSciIO's `file_reader` for blockfiles: the signal dictionary, eager
 * or lazy, in one of numpy.memmap's modes.
 */
import { BlockfileError, type BlockfileWarning } from '../format/errors.js';
import type { PixelArray, SignalDict } from '../format/types.js';
import type { Blockfile, OpenOptions } from './blockfile.js';

/**
 * - `'c'` (default): copy-on-write: the data is in memory; changing it never touches the file.
 * - `'r'`: read-only: the file is opened read-only and nothing is ever written.
 * - `'r+'`: read-write in place: `flush()` writes the changed data back into the file (path sources only).
 */
export type MemoryMode = 'c' | 'r' | 'r+';

export interface LoadOptions extends OpenOptions {
  mode?: MemoryMode;
  /** Read the header only; frames are read when asked for. Cannot be combined with `'r+'`. */
  lazy?: boolean;
}

/** An eagerly loaded signal. */
export interface LoadedSignal extends SignalDict<PixelArray> {
  readonly lazy: false;
  readonly mode: MemoryMode;
  readonly warnings: BlockfileWarning[];
  /** In `'r+'` mode, writes `data` back into the file; refused in the other modes. */
  flush(signal?: AbortSignal): Promise<void>;
  /** Releases the file (kept open only in `'r+'` mode). */
  close(): Promise<void>;
}

/** A lazily loaded signal: `data` is the open blockfile, read frame by frame. */
export interface LazySignal extends Omit<SignalDict<Blockfile>, 'data'> {
  readonly data: Blockfile;
  readonly lazy: true;
  readonly mode: MemoryMode;
  readonly warnings: BlockfileWarning[];
  close(): Promise<void>;
}

/** Checks the mode and the lazy/r+ combination before any file is opened. */
export function checkLoadOptions(options: LoadOptions, file: string): MemoryMode {
  const mode = options.mode ?? 'c';
  if (mode !== 'c' && mode !== 'r' && mode !== 'r+') {
    throw new BlockfileError('BAD_OPTION', file, `unknown mode ${JSON.stringify(mode)}: use "c", "r" or "r+"`);
  }
  if (options.lazy && mode === 'r+') {
    throw new BlockfileError('BAD_OPTION', file, 'lazy loading does not support in-place writing (mode "r+")');
  }
  return mode;
}

/** The signal dictionary of an open blockfile, reading the data unless lazy. */
export async function signalOf(blockfile: Blockfile, options: LoadOptions & { lazy: true }): Promise<LazySignal>;
export async function signalOf(blockfile: Blockfile, options?: LoadOptions & { lazy?: false }): Promise<LoadedSignal>;
export async function signalOf(blockfile: Blockfile, options?: LoadOptions): Promise<LoadedSignal | LazySignal>;
export async function signalOf(blockfile: Blockfile, options: LoadOptions = {}): Promise<LoadedSignal | LazySignal> {
  const mode = checkLoadOptions(options, blockfile.name);
  if (mode === 'r+' && !blockfile.source.write) {
    throw new BlockfileError('UNSUPPORTED', blockfile.name, 'mode "r+" needs a source opened for writing (a file path in Node)');
  }
  const common = {
    shape: blockfile.squeezedShape,
    dtype: blockfile.dtype,
    axes: blockfile.axes,
    metadata: blockfile.metadata,
    original_metadata: blockfile.originalMetadata,
    mode,
    warnings: blockfile.warnings,
  };
  if (options.lazy) {
    return { ...common, data: blockfile, lazy: true, close: () => blockfile.close() };
  }
  let data: PixelArray;
  try {
    data = await blockfile.readAll(options.signal);
  } finally {
    if (mode !== 'r+') await blockfile.close();
  }
  const loaded: LoadedSignal = {
    ...common,
    data,
    lazy: false,
    flush: async (signal?: AbortSignal) => {
      if (mode !== 'r+') {
        throw new BlockfileError('UNSUPPORTED', blockfile.name, `flush() writes back only in mode "r+", not "${mode}"`);
      }
      await blockfile.writeFrames(0, loaded.data, signal);
    },
    close: async () => {
      if (mode === 'r+') await blockfile.close();
    },
  };
  return loaded;
}
