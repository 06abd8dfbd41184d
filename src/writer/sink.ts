/** Where the writer puts bytes: positional writes, so the VBF can be filled in after the frames. */
export interface ByteSink {
  /** Names the target in messages. */
  readonly name: string;
  write(bytes: Uint8Array, position: number, signal?: AbortSignal): Promise<void>;
}

/** A sink that grows an in-memory buffer: for browsers and tests. */
export class MemorySink implements ByteSink {
  readonly name: string;
  #bytes = new Uint8Array(0);
  #length = 0;

  constructor(name = 'memory') {
    this.name = name;
  }

  async write(bytes: Uint8Array, position: number): Promise<void> {
    const end = position + bytes.length;
    if (end > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes.set(bytes, position);
    this.#length = Math.max(this.#length, end);
  }

  /** The bytes written so far. */
  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}
