/** Opening blockfiles by path in Node, on top of the browser-safe openers. */
import { BlockfileError } from '../format/errors.js';
import { Blockfile, type OpenOptions } from '../reader/blockfile.js';
import { checkLoadOptions, signalOf, type LazySignal, type LoadedSignal, type LoadOptions } from '../reader/load.js';
import { toSource, type BlockfileInput, type SourceOptions } from '../reader/open.js';
import type { ByteSource } from '../sources/source.js';
import { FileSource } from './file-source.js';

function isPath(input: BlockfileInput): input is string {
  return typeof input === 'string' && !/^https?:\/\//i.test(input);
}

async function openPath(path: string, writable: boolean): Promise<ByteSource> {
  try {
    return await FileSource.open(path, { writable });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((cause as Error).message);
    throw new BlockfileError('READ_FAILED', path, why, { cause });
  }
}

/**
 * Opens a blockfile lazily from a path, URL, Blob, bytes or ByteSource:
 * the header and note are read, frames on demand.
 */
export async function openBlockfile(
  input: BlockfileInput,
  options: OpenOptions & SourceOptions & { writable?: boolean } = {},
): Promise<Blockfile> {
  const source = isPath(input) ? await openPath(input, options.writable ?? false) : await toSource(input, options);
  try {
    return await Blockfile.open(source, options);
  } catch (error) {
    await source.close();
    throw error;
  }
}

/**
 * RosettaSciIO's reader for Node: the signal dictionary of a blockfile,
 * eager (default) or lazy, in mode `'c'`, `'r'` or `'r+'`.
 */
export async function loadBlockfile(input: BlockfileInput, options: LoadOptions & SourceOptions & { lazy: true }): Promise<LazySignal>;
export async function loadBlockfile(input: BlockfileInput, options?: LoadOptions & SourceOptions & { lazy?: false }): Promise<LoadedSignal>;
export async function loadBlockfile(input: BlockfileInput, options: LoadOptions & SourceOptions = {}): Promise<LoadedSignal | LazySignal> {
  const mode = checkLoadOptions(options, typeof input === 'string' ? input : 'input');
  return signalOf(await openBlockfile(input, { ...options, writable: mode === 'r+' }), options);
}
