/**
 * A source over an HTTP(S) resource read with Range requests. The transport
 * is injectable (`fetch` option) for auth, presigned URLs and tests.
 */
import type { ByteSource, SourceDescriptor } from './source.js';

export interface HttpSourceOptions {
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Attempts after the first for transient failures (network errors, 408, 429, 5xx). */
  retries?: number;
  /** First back-off delay; doubled each retry. */
  retryDelayMs?: number;
}

class TransientError extends Error {}

function transient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
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

  /** Learns the size with a one-byte Range request, then reads on demand. */
  static async open(url: string, options: HttpSourceOptions = {}, signal?: AbortSignal): Promise<HttpSource> {
    const probe = new HttpSource(url, -1, options);
    const { range } = await probe.#rangeRequest(0, 0, signal);
    return new HttpSource(url, range.total, options);
  }

  async #rangeRequest(start: number, end: number, signal?: AbortSignal): Promise<{ bytes: Uint8Array; range: { start: number; end: number; total: number } }> {
    const { fetch: doFetch, headers, retries, retryDelayMs } = this.#options;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      try {
        let response: Response;
        try {
          response = await doFetch(this.name, { headers: { ...headers, Range: `bytes=${start}-${end}` }, signal });
        } catch (error) {
          if (signal?.aborted) throw error;
          throw new TransientError(`${this.name}: request failed: ${(error as Error).message}`);
        }
        if (transient(response.status)) throw new TransientError(`${this.name}: server answered ${response.status}`);
        if (response.status === 200) {
          throw new Error(`${this.name}: server does not support HTTP Range requests (answered 200 to a Range request)`);
        }
        if (response.status !== 206) throw new Error(`${this.name}: server answered ${response.status} ${response.statusText}`);
        const range = parseContentRange(response.headers.get('Content-Range'));
        if (!range || range.start !== start || range.end !== end) {
          throw new Error(`${this.name}: Content-Range "${response.headers.get('Content-Range')}" does not match the requested bytes ${start}-${end}`);
        }
        if (this.size >= 0 && range.total !== this.size) {
          throw new Error(`${this.name}: the file changed size while being read (${this.size} → ${range.total} bytes)`);
        }
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (bytes.length !== end - start + 1) {
          throw new TransientError(`${this.name}: got ${bytes.length} bytes for a ${end - start + 1}-byte range`);
        }
        return { bytes, range };
      } catch (error) {
        if (!(error instanceof TransientError) || attempt >= retries) throw error instanceof TransientError ? new Error(error.message) : error;
        await sleep(retryDelayMs * 2 ** attempt, signal);
      }
    }
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const start = Math.min(Math.max(0, offset), this.size);
    const end = Math.min(this.size, start + Math.max(0, length));
    if (end <= start) return new Uint8Array(0);
    return (await this.#rangeRequest(start, end - 1, signal)).bytes;
  }

  async close(): Promise<void> {}
}
