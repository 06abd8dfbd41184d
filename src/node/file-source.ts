/** A byte source over a local file (Node only): positional reads, readv, and writes in r+ mode. */
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource, SourceDescriptor } from '../sources/source.js';

/** Most buffers one readv call may take (IOV_MAX on Linux). */
const MAX_IOVECS = 1024;
/**
 * Small reads made synchronously between yields to the event loop: a
 * positional read from the page cache costs a microsecond or two this way,
 * against tens through the thread pool's round trip.
 */
const SCATTERED_READS_PER_TURN = 8192;

export class FileSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly #handle: FileHandle;
  readonly #writable: boolean;
  readonly descriptor: SourceDescriptor;
  #closed = false;

  private constructor(handle: FileHandle, name: string, size: number, writable: boolean) {
    this.#handle = handle;
    this.name = name;
    this.size = size;
    this.#writable = writable;
    this.descriptor = { kind: 'file', path: name };
  }

  /** Opens `path` read-only, or read-write when `writable` (for r+ mode). */
  static async open(path: string, options: { writable?: boolean } = {}): Promise<FileSource> {
    const writable = options.writable ?? false;
    const handle = await open(path, writable ? 'r+' : 'r');
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) throw Object.assign(new Error(`${path}: is a directory`), { code: 'EISDIR' });
      return new FileSource(handle, path, stats.size, writable);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    const start = Math.min(Math.max(0, offset), this.size);
    const want = Math.max(0, Math.min(length, this.size - start));
    const bytes = new Uint8Array(want);
    let done = 0;
    while (done < want) {
      const { bytesRead } = await this.#handle.read(bytes, done, want - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === want ? bytes : bytes.subarray(0, done);
  }

  async readInto(offset: number, targets: readonly Uint8Array[], signal?: AbortSignal): Promise<number> {
    let position = offset;
    let total = 0;
    for (let first = 0; first < targets.length; first += MAX_IOVECS) {
      signal?.throwIfAborted();
      let batch = targets.slice(first, first + MAX_IOVECS).filter((t) => t.length > 0);
      while (batch.length > 0) {
        const { bytesRead } = await this.#handle.readv(batch, position);
        if (bytesRead === 0) return total;
        total += bytesRead;
        position += bytesRead;
        // A short read: continue with what is left of the batch.
        let skip = bytesRead;
        const rest: Uint8Array[] = [];
        for (const t of batch) {
          if (skip >= t.length) skip -= t.length;
          else {
            rest.push(skip > 0 ? t.subarray(skip) : t);
            skip = 0;
          }
        }
        batch = rest;
      }
    }
    return total;
  }

  async readScattered(offsets: readonly number[], length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const out = new Uint8Array(offsets.length * length);
    for (let first = 0; first < offsets.length; first += SCATTERED_READS_PER_TURN) {
      signal?.throwIfAborted();
      const end = Math.min(offsets.length, first + SCATTERED_READS_PER_TURN);
      for (let i = first; i < end; i++) {
        let done = 0;
        while (done < length) {
          const n = readSync(this.#handle.fd, out, i * length + done, length - done, offsets[i] + done);
          if (n === 0) break;
          done += n;
        }
      }
      if (end < offsets.length) await new Promise((resolve) => setImmediate(resolve));
    }
    return out;
  }

  get write(): ((offset: number, bytes: Uint8Array) => Promise<void>) | undefined {
    if (!this.#writable) return undefined;
    return async (offset: number, bytes: Uint8Array) => {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await this.#handle.write(bytes, done, bytes.length - done, offset + done);
        done += bytesWritten;
      }
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }
}
