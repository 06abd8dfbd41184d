/**
 * The one byte-source interface everything reads through: a file in Node, a
 * Blob in the browser, an HTTP resource read with Range requests, or memory.
 */
export interface ByteSource {
  /** Names the data in messages: a path, a file name or a URL. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads `length` bytes from `offset`. Returns fewer only at the end of the
   * data. The returned array may be a view into a larger buffer.
   */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Optional scatter read: fills `targets` one after another with the bytes
   * from `offset` on (a readv), so that data can land in its destination
   * without an intermediate copy. Returns the number of bytes read.
   */
  readInto?(offset: number, targets: readonly Uint8Array[], signal?: AbortSignal): Promise<number>;
  /**
   * Optional gather of many small reads: `length` bytes at each of
   * `offsets`, one after another in the result (zeros past the end). Local
   * files answer this far faster than as many `read` calls; the frame check
   * reads millions of 6-byte record prefixes through it.
   */
  readScattered?(offsets: readonly number[], length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Present on sources opened for writing (`r+`): writes `bytes` at `offset`. */
  write?: ((offset: number, bytes: Uint8Array) => Promise<void>) | undefined;
  /**
   * How another thread (a worker) can open the same bytes; absent when it
   * cannot, e.g. memory not in a SharedArrayBuffer or a custom transport.
   */
  readonly descriptor?: SourceDescriptor | undefined;
  /** Releases the handle. Reading after close is an error. */
  close(): Promise<void>;
}

/**
 * Fills `targets` from `offset` on, through `readInto` where the source has
 * it, else with one read and a copy. Returns the number of bytes read.
 */
export async function readIntoTargets(
  source: ByteSource,
  offset: number,
  targets: readonly Uint8Array[],
  signal?: AbortSignal,
): Promise<number> {
  if (source.readInto) return source.readInto(offset, targets, signal);
  let total = 0;
  for (const t of targets) total += t.length;
  return scatterInto(await source.read(offset, total, signal), targets);
}

/** Copies `bytes` into `targets` one after another (as far as they go); returns bytes.length, as a read would. */
export function scatterInto(bytes: Uint8Array, targets: readonly Uint8Array[]): number {
  let at = 0;
  for (const t of targets) {
    if (at >= bytes.length) break;
    const n = Math.min(t.length, bytes.length - at);
    t.set(bytes.subarray(at, at + n));
    at += n;
  }
  return bytes.length;
}

/** Enough to open a source again in another thread: plain data that survives postMessage. */
export type SourceDescriptor =
  | { kind: 'file'; path: string }
  | { kind: 'blob'; blob: Blob; name: string }
  | { kind: 'http'; url: string; headers: Record<string, string>; retries: number; retryDelayMs: number }
  | { kind: 'memory'; bytes: Uint8Array; name: string };
