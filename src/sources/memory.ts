import type { ByteSource, SourceDescriptor } from './source.js';

/** A source over bytes already in memory; reads are views, not copies. */
export class MemorySource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly #bytes: Uint8Array;
  #closed = false;

  constructor(bytes: ArrayBuffer | ArrayBufferView, name = 'memory') {
    this.#bytes = ArrayBuffer.isView(bytes)
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : new Uint8Array(bytes);
    this.size = this.#bytes.length;
    this.name = name;
  }

  /** Shared memory can be read by workers too; an ordinary buffer would have to be copied. */
  get descriptor(): SourceDescriptor | undefined {
    const shared = typeof SharedArrayBuffer !== 'undefined' && this.#bytes.buffer instanceof SharedArrayBuffer;
    return shared ? { kind: 'memory', bytes: this.#bytes, name: this.name } : undefined;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.#closed) throw new Error(`${this.name}: read after close`);
    const start = Math.min(Math.max(0, offset), this.size);
    return this.#bytes.subarray(start, Math.min(this.size, start + Math.max(0, length)));
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error(`${this.name}: write after close`);
    if (offset < 0 || offset + bytes.length > this.size) throw new RangeError(`${this.name}: write outside the data`);
    this.#bytes.set(bytes, offset);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
