/**
 * An analysis pass run by a server that has the file (`blo view`): the
 * request goes up as JSON, progress, partial results and the result come
 * back as wire records (./wire.ts) while the pass runs.
 */
import { BlockfileError, type BlockfileErrorCode } from '../format/errors.js';
import type { AnalysisProgress } from './engine.js';
import type { AnalysisRequest, AnalysisResult, PartialResult } from './request.js';
import { WireDecoder } from './wire.js';

export interface RemoteAnalyzeOptions {
  signal?: AbortSignal;
  onProgress?: (progress: AnalysisProgress) => void;
  onPartial?: (partial: PartialResult) => void;
  /** 'interleaved' (default): ranges coarse to fine, for images that fill in over the whole scan. */
  order?: 'sequential' | 'interleaved';
  fetch?: typeof fetch;
}

/** POSTs `request` to `url` and reads the answer as it streams in. */
export async function remoteAnalyze(url: string, request: AnalysisRequest, options: RemoteAnalyzeOptions = {}): Promise<AnalysisResult> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const response = await doFetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ request, order: options.order ?? 'interleaved' }),
    signal: options.signal,
  });
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    throw new Error(`analysis request failed: HTTP ${response.status} ${text.trim()}`);
  }
  const decoder = new WireDecoder();
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const message of decoder.push(value)) {
      switch (message.type) {
        case 'progress':
          options.onProgress?.({ frames: message.frames, totalFrames: message.totalFrames });
          break;
        case 'partial':
          options.onPartial?.(message.partial);
          break;
        case 'result':
          await reader.cancel().catch(() => undefined);
          return message.result;
        case 'error': {
          const { message: text, code, file } = message.error;
          if (code && file !== undefined) {
            throw new BlockfileError(code as BlockfileErrorCode, file, text.startsWith(`${file}: `) ? text.slice(file.length + 2) : text);
          }
          throw new RangeError(text);
        }
      }
    }
  }
  options.signal?.throwIfAborted();
  throw new Error('analysis: the server closed the connection before the result');
}
