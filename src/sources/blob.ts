import { scatterInto, type ByteSource, type SourceDescriptor } from './source.js';

/** Bytes per streamed read into a reused buffer. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Scratch buffers for streamed reads, reused across reads and sources: a
 * fresh ArrayBuffer per read costs page faults on every byte (in some
 * virtual machines more than the read itself).
 */
const spare: ArrayBuffer[] = [];

/** Whether this runtime's Blob streams take BYOB readers (Chromium, Firefox, Node); learnt on first use. */
let byobWorks: boolean | undefined;

/** A source over a Blob or File (browser, or Node's global Blob): each read slices it. */
export class BlobSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly #blob: Blob;

  constructor(blob: Blob, name?: string) {
    this.#blob = blob;
    this.size = blob.size;
    this.name = name ?? ((blob as File).name || 'blob');
  }

  /** A Blob crosses postMessage without copying its bytes. */
  get descriptor(): SourceDescriptor {
    return { kind: 'blob', blob: this.#blob, name: this.name };
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    const start = Math.min(Math.max(0, offset), this.size);
    const end = Math.min(this.size, start + Math.max(0, length));
    return new Uint8Array(await this.#blob.slice(start, end).arrayBuffer());
  }

  /**
   * Fills `targets` one after another from `offset` on, streaming the bytes
   * through a reused buffer (a BYOB reader) rather than into a new
   * ArrayBuffer per read.
   */
  async readInto(offset: number, targets: readonly Uint8Array[], signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    let total = 0;
    for (const t of targets) total += t.length;
    const start = Math.min(Math.max(0, offset), this.size);
    const end = Math.min(this.size, start + total);
    if (end <= start) return 0;
    let reader: ReadableStreamBYOBReader | undefined;
    if (byobWorks !== false) {
      try {
        reader = this.#blob.slice(start, end).stream().getReader({ mode: 'byob' });
        byobWorks = true;
      } catch {
        byobWorks = false;
      }
    }
    if (!reader) return scatterInto(await this.read(start, end - start, signal), targets);
    let scratch = new Uint8Array(spare.pop() ?? new ArrayBuffer(CHUNK_BYTES));
    let target = 0;
    let within = 0;
    let got = 0;
    try {
      while (got < end - start) {
        signal?.throwIfAborted();
        const { done, value } = await reader.read(scratch);
        if (value) scratch = new Uint8Array(value.buffer);
        if (done || !value) break;
        // Scatter the chunk into the targets.
        let at = 0;
        while (at < value.length && target < targets.length) {
          const t = targets[target];
          const n = Math.min(t.length - within, value.length - at);
          t.set(value.subarray(at, at + n), within);
          at += n;
          within += n;
          if (within === t.length) {
            target++;
            within = 0;
          }
        }
        got += value.length;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
      if (scratch.buffer.byteLength === CHUNK_BYTES && spare.length < 4) spare.push(scratch.buffer as ArrayBuffer);
    }
    return got;
  }

  async close(): Promise<void> {}
}
