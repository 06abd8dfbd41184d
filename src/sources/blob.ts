import type { ByteSource, SourceDescriptor } from './source.js';

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

  async close(): Promise<void> {}
}
