import { scatterInto, type ByteSource, type SourceDescriptor } from './source.js';

/** Bytes per streamed read into a reused buffer. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Reads shorter than this (a frame, a header) are one slice, not a stream of their own. */
const STREAM_MIN_BYTES = 1024 * 1024;
/** How long a streamed read with a signal runs before letting other events (a cancel) in. */
const YIELD_MS = 10;

let turns: { port: MessagePort; waiting: (() => void)[] } | undefined;

/**
 * A turn of the event loop, so that queued messages (a cancel) run: in Node
 * `setImmediate`; in browsers a message to itself (no timer clamping delays it).
 */
function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  if (!turns) {
    const channel = new MessageChannel();
    const waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    turns = { port: channel.port2, waiting };
  }
  const { port, waiting } = turns;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.postMessage(0);
  });
}

/**
 * Scratch buffers for streamed reads, reused across reads and sources: a
 * fresh ArrayBuffer per read costs page faults on every byte (in some
 * virtual machines more than the read itself).
 */
const spare: ArrayBuffer[] = [];

/** Whether this runtime's Blob streams take BYOB readers (Chromium, Firefox, Node); learnt on first use. */
let byobWorks: boolean | undefined;

/** Options of a {@link BlobSource}. */
export interface BlobSourceOptions {
  /**
   * Bytes a streamed read may leave its stream open for past what it was
   * asked (default 0: each read streams exactly its own slice). A later
   * `readInto` that starts where the previous one ended then continues the
   * same stream. Chromium hands a File's bytes over far faster in a few long
   * streams than in many short ones (measured in a Web Worker: 16 MiB
   * slices about 300 MB/s, 128 MiB about 600 MB/s), so a worker that reads
   * one range after another keeps one stream going.
   */
  streamAhead?: number;
  /**
   * Whether reads of 1 MiB or more stream through a reused buffer (default
   * true). False: each read is one `slice().arrayBuffer()`, for a
   * source read little and slowly (orientation indexing reads about 1 MB/s),
   * where the streams' speed does not matter and their stalls (below) would.
   */
  streams?: boolean;
  /**
   * Milliseconds a streamed read may wait for its next bytes before its
   * stream is given up and the rest read as one slice (default 5 000).
   * Chromium 156's Blob streams over a File now and then never deliver:
   * seen in Web Workers opening a stream per 1.3 MB read, about once in 50
   * streams when they followed one another quickly. A page stuck longer
   * looks broken; giving up a stream that was only slow (a waking disk)
   * costs one more read of the same bytes.
   */
  stallMs?: number;
}

/** What a stalled stream's read resolves to. */
const STALLED = Symbol('stalled');

/** An open stream over the Blob, positioned where the last read ended. */
interface OpenStream {
  reader: ReadableStreamBYOBReader;
  /** Offset in the Blob of the stream's next byte. */
  position: number;
  /** Offset in the Blob where the stream ends. */
  end: number;
}

/** A source over a Blob or File (browser, or Node's global Blob): each read slices it. */
export class BlobSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly #blob: Blob;
  readonly #streamAhead: number;
  readonly #streams: boolean;
  readonly #stallMs: number;
  #open: OpenStream | undefined;
  /** A streamed read is under way (another one meanwhile streams a slice of its own). */
  #busy = false;

  constructor(blob: Blob, name?: string, options: BlobSourceOptions = {}) {
    this.#blob = blob;
    this.size = blob.size;
    this.name = name ?? ((blob as File).name || 'blob');
    this.#streamAhead = Math.max(0, Math.floor(options.streamAhead ?? 0));
    this.#streams = options.streams ?? true;
    this.#stallMs = options.stallMs ?? 5_000;
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

  /** A BYOB reader of the Blob from `start` to `end`, or undefined where Blob streams take none. */
  #reader(start: number, end: number): ReadableStreamBYOBReader | undefined {
    if (byobWorks === false || !this.#streams) return undefined;
    try {
      const reader = this.#blob.slice(start, end).stream().getReader({ mode: 'byob' });
      byobWorks = true;
      return reader;
    } catch {
      byobWorks = false;
      return undefined;
    }
  }

  /**
   * Fills `targets` one after another from `offset` on, streaming the bytes
   * through a reused buffer (a BYOB reader) rather than into a new
   * ArrayBuffer per read; with `streamAhead`, continuing the stream the
   * previous read left open where it starts there.
   */
  async readInto(offset: number, targets: readonly Uint8Array[], signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    let total = 0;
    for (const t of targets) total += t.length;
    const start = Math.min(Math.max(0, offset), this.size);
    const end = Math.min(this.size, start + total);
    if (end <= start) return 0;
    // One streamed read at a time may use the open stream.
    const own = !this.#busy;
    let open: OpenStream | undefined;
    if (own) {
      this.#busy = true;
      if (this.#open && (this.#open.position !== start || this.#open.end < end)) this.#drop();
      open = this.#open;
      this.#open = undefined;
    }
    if (!open) {
      const streamEnd = own ? Math.min(this.size, end + this.#streamAhead) : end;
      // A stream costs more to start than a small slice costs in page faults.
      const reader = streamEnd - start >= STREAM_MIN_BYTES ? this.#reader(start, streamEnd) : undefined;
      if (!reader) {
        if (own) this.#busy = false;
        return scatterInto(await this.read(start, end - start, signal), targets);
      }
      open = { reader, position: start, end: streamEnd };
    }
    let scratch = new Uint8Array(spare.pop() ?? new ArrayBuffer(CHUNK_BYTES));
    let target = 0;
    let within = 0;
    let got = 0;
    let ended = false;
    let stalled = false;
    /** Scatters the next bytes into the targets. */
    const place = (bytes: Uint8Array) => {
      let at = 0;
      while (at < bytes.length && target < targets.length) {
        const t = targets[target];
        const n = Math.min(t.length - within, bytes.length - at);
        t.set(bytes.subarray(at, at + n), within);
        at += n;
        within += n;
        if (within === t.length) {
          target++;
          within = 0;
        }
      }
      got += bytes.length;
    };
    try {
      let yielded = performance.now();
      while (got < end - start) {
        if (signal && performance.now() - yielded > YIELD_MS) {
          // Buffered chunks resolve as microtasks: without a turn of the event loop a cancel message would wait for the whole read.
          await nextTurn();
          yielded = performance.now();
        }
        signal?.throwIfAborted();
        // Never past what was asked: the rest of the stream is for the next read.
        const chunk = await this.#within(open.reader.read(scratch.subarray(0, Math.min(scratch.length, end - start - got))));
        if (chunk === STALLED) {
          // Given up (its buffer went with the pending read); the rest comes as one slice.
          ended = stalled = true;
          scratch = new Uint8Array(0);
          place(await this.read(start + got, end - start - got, signal));
          break;
        }
        const { done, value } = chunk;
        if (value) scratch = new Uint8Array(value.buffer);
        if (done || !value) {
          ended = true;
          break;
        }
        place(value);
      }
      open.position += got;
    } catch (error) {
      ended = true;
      throw error;
    } finally {
      if (own && !ended && open.position < open.end && got === end - start) {
        // Left open for a read that continues from here.
        this.#open = open;
      } else {
        const cancelled = open.reader.cancel().catch(() => undefined);
        // A stalled stream may never answer.
        if (!stalled) await cancelled;
      }
      if (own) this.#busy = false;
      if (scratch.buffer.byteLength === CHUNK_BYTES && spare.length < 4) spare.push(scratch.buffer as ArrayBuffer);
    }
    return got;
  }

  /** `read`, or STALLED when it has not answered within the stall time. */
  async #within<T>(read: Promise<T>): Promise<T | typeof STALLED> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<typeof STALLED>((resolve) => (timer = setTimeout(() => resolve(STALLED), this.#stallMs)));
    try {
      return await Promise.race([read, stalled]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Cancels the stream left open, if any. */
  #drop(): void {
    this.#open?.reader.cancel().catch(() => undefined);
    this.#open = undefined;
  }

  async close(): Promise<void> {
    this.#drop();
  }
}
