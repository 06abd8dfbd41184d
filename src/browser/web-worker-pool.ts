/** Analysis over Web Workers (browsers). */
import { WorkerPool, type FromWorker } from '../analysis/worker-pool.js';

/**
 * A pool of `size` Web Workers (default: the browser's core count). Pass a
 * function that starts `analysis-worker.js` as a module worker, e.g. with a
 * bundler: `() => new Worker(new URL('blockfile/browser/analysis-worker', import.meta.url), { type: 'module' })`.
 */
export function createWebWorkerPool(createWorker: () => Worker, size = globalThis.navigator?.hardwareConcurrency ?? 2): WorkerPool {
  return new WorkerPool(size, () => {
    const worker = createWorker();
    return {
      post: (message) => worker.postMessage(message),
      onMessage: (listener) => worker.addEventListener('message', (event: MessageEvent<FromWorker>) => listener(event.data)),
      onError: (listener) => worker.addEventListener('error', (event: ErrorEvent) => listener(new Error(event.message || 'analysis worker failed'))),
      terminate: () => worker.terminate(),
    };
  });
}
