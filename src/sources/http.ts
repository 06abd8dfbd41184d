/**
 * A source over an HTTP(S) resource read with Range requests. The transport
 * is injectable (`fetch` option) for auth, presigned URLs and tests.
 */
import { BlockfileError, type BlockfileErrorCode } from '../format/errors.js';
import { HEADER_SIZE } from '../format/header.js';
import type { ByteSource, SourceDescriptor } from './source.js';

/**
 * The first request asks for the blockfile header's bytes: every server that
 * supports ranges answers this correctly (some mishandle `bytes=0-0`, e.g.
 * sirv behind `vite preview` sends the whole file), and the header is then
 * read from it without a second request.
 */
const PROBE_BYTES = HEADER_SIZE;

export interface HttpSourceOptions {
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Attempts after the first for transient failures (network errors, 408, 429, 5xx). */
  retries?: number;
  /** First back-off delay; doubled each retry. */
  retryDelayMs?: number;
}

/** A failure worth retrying; becomes a BlockfileError with `code` when retries run out. */
class TransientError extends Error {
  constructor(
    readonly code: BlockfileErrorCode,
    readonly problem: string,
  ) {
    super(problem);
  }
}

function transient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Lets go of a body that will not be read, so the connection is not held open for it. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Parses the size a 416 answer gives (`bytes *` then `/total`). */
function unsatisfiedTotal(value: string | null): number | undefined {
  const m = /^bytes \*\/(\d+)$/.exec(value?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Parses `bytes a-b/total`. */
function parseContentRange(value: string | null): { start: number; end: number; total: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value?.trim() ?? '');
  return m ? { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) } : undefined;
}

export class HttpSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly #options: Required<Omit<HttpSourceOptions, 'headers'>> & { headers: Record<string, string> };
  /** Workers can open the URL again, unless the transport is a custom function. */
  readonly descriptor: SourceDescriptor | undefined;

  private constructor(url: string, size: number, options: HttpSourceOptions) {
    this.name = url;
    this.size = size;
    this.#options = {
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      headers: options.headers ?? {},
      retries: options.retries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 200,
    };
    const { headers, retries, retryDelayMs } = this.#options;
    this.descriptor = options.fetch ? undefined : { kind: 'http', url, headers, retries, retryDelayMs };
  }

  /** The first bytes of the resource, from the request that learnt its size. */
  #head: Uint8Array = new Uint8Array(0);

  /**
   * Learns the size from a Range request for the first bytes (kept, so that
   * reading the header needs no second request), then reads on demand.
   */
  static async open(url: string, options: HttpSourceOptions = {}, signal?: AbortSignal): Promise<HttpSource> {
    const probe = new HttpSource(url, -1, options);
    const first = await probe.#rangeRequest(0, PROBE_BYTES - 1, signal);
    const source = new HttpSource(url, first.total, options);
    source.#head = first.bytes;
    return source;
  }

  /**
   * Bytes `start`…`end` (inclusive) and the resource's size. While the size
   * is unknown (the first request) the server may cut the range to the
   * resource's end; afterwards reads never ask past it.
   */
  async #rangeRequest(start: number, end: number, signal?: AbortSignal): Promise<{ bytes: Uint8Array; total: number }> {
    const { fetch: doFetch, headers, retries, retryDelayMs } = this.#options;
    const fail = (code: BlockfileErrorCode, problem: string) => new BlockfileError(code, this.name, problem);
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      try {
        let response: Response;
        try {
          response = await doFetch(this.name, { headers: { ...headers, Range: `bytes=${start}-${end}` }, signal });
        } catch (error) {
          if (signal?.aborted) throw error;
          throw new TransientError('HTTP_NETWORK', `request failed: ${(error as Error).message}`);
        }
        const contentRange = response.headers.get('Content-Range');
        if (transient(response.status)) {
          discard(response);
          throw new TransientError('HTTP_STATUS', `server answered ${response.status} ${response.statusText}`.trim());
        }
        if (response.status === 200) {
          discard(response);
          throw fail('HTTP_NO_RANGE', 'server does not support HTTP Range requests (answered 200 to a Range request)');
        }
        if (response.status === 416) {
          discard(response);
          const total = unsatisfiedTotal(contentRange);
          // A resource shorter than the first request, from a server that will not cut the range.
          if (this.size < 0 && total !== undefined && total <= end) return { bytes: new Uint8Array(0), total };
          if (this.size >= 0 && total !== undefined && total !== this.size) {
            throw fail('HTTP_SIZE_CHANGED', `the file changed size while being read (${this.size} → ${total} bytes)`);
          }
        }
        if (response.status !== 206) {
          discard(response);
          throw fail('HTTP_STATUS', `server answered ${response.status} ${response.statusText}`.trim());
        }
        const range = parseContentRange(contentRange);
        const expectedEnd = range && this.size < 0 ? Math.min(end, range.total - 1) : end;
        if (!range || range.start !== start || range.end !== expectedEnd) {
          discard(response);
          throw fail('HTTP_BAD_RANGE', `Content-Range "${contentRange}" does not match the requested bytes ${start}-${end}`);
        }
        if (this.size >= 0 && range.total !== this.size) {
          discard(response);
          throw fail('HTTP_SIZE_CHANGED', `the file changed size while being read (${this.size} → ${range.total} bytes)`);
        }
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await response.arrayBuffer());
        } catch (error) {
          if (signal?.aborted) throw error;
          throw new TransientError('HTTP_NETWORK', `reading the body failed: ${(error as Error).message}`);
        }
        if (bytes.length !== range.end - range.start + 1) {
          throw new TransientError('HTTP_BAD_RANGE', `got ${bytes.length} bytes for a ${range.end - range.start + 1}-byte range`);
        }
        return { bytes, total: range.total };
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        if (attempt >= retries) throw fail(error.code, error.problem);
        await sleep(retryDelayMs * 2 ** attempt, signal);
      }
    }
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const start = Math.min(Math.max(0, offset), this.size);
    const end = Math.min(this.size, start + Math.max(0, length));
    if (end <= start) return new Uint8Array(0);
    signal?.throwIfAborted();
    if (end <= this.#head.length) return this.#head.slice(start, end);
    return (await this.#rangeRequest(start, end - 1, signal)).bytes;
  }

  async close(): Promise<void> {}
}
