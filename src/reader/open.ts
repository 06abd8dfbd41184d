/**
 * Opening a blockfile from whatever the caller has, in any environment:
 * a Blob or File, bytes in memory, an HTTP(S) URL, or any ByteSource.
 * (Paths need Node: see `blockfile/node`.)
 */
import { BlockfileError } from '../format/errors.js';
import { MemorySource } from '../sources/memory.js';
import type { ByteSource } from '../sources/source.js';
import { BlobSource } from '../sources/blob.js';
import { HttpSource, type HttpSourceOptions } from '../sources/http.js';
import { Blockfile, type OpenOptions } from './blockfile.js';
import { signalOf, type LazySignal, type LoadedSignal, type LoadOptions } from './load.js';

export type BlockfileInput = ByteSource | Blob | ArrayBuffer | ArrayBufferView | URL | string;

export interface SourceOptions {
  /** Options for HTTP sources (custom fetch, headers, retries). */
  http?: HttpSourceOptions;
  /** Name used in messages for in-memory data. */
  name?: string;
}

function isByteSource(x: unknown): x is ByteSource {
  return typeof x === 'object' && x !== null && typeof (x as ByteSource).read === 'function' && typeof (x as ByteSource).size === 'number';
}

/** Turns any browser-safe input into a ByteSource. */
export async function toSource(input: BlockfileInput, options: SourceOptions = {}): Promise<ByteSource> {
  if (isByteSource(input)) return input;
  if (typeof Blob !== 'undefined' && input instanceof Blob) return new BlobSource(input);
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) return new MemorySource(input, options.name);
  const url = String(input);
  if (/^https?:\/\//i.test(url)) return HttpSource.open(url, options.http);
  throw new BlockfileError('UNSUPPORTED', url, 'paths are opened with openBlockfile from "blockfile/node"; here pass a Blob, bytes, an http(s) URL or a ByteSource');
}

/** Opens a blockfile lazily: header and note are read, frames on demand. */
export async function openBlockfile(input: BlockfileInput, options: OpenOptions & SourceOptions = {}): Promise<Blockfile> {
  const source = await toSource(input, options);
  try {
    return await Blockfile.open(source, options);
  } catch (error) {
    await source.close();
    throw error;
  }
}

/** RosettaSciIO's reader: the signal dictionary of a blockfile, eager by default. */
export async function loadBlockfile(input: BlockfileInput, options: LoadOptions & SourceOptions & { lazy: true }): Promise<LazySignal>;
export async function loadBlockfile(input: BlockfileInput, options?: LoadOptions & SourceOptions & { lazy?: false }): Promise<LoadedSignal>;
export async function loadBlockfile(input: BlockfileInput, options: LoadOptions & SourceOptions = {}): Promise<LoadedSignal | LazySignal> {
  return signalOf(await openBlockfile(input, options), options);
}
