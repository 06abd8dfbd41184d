/** Entry point of an analysis Web Worker: serves tasks from the pool (Blob, HTTP and shared-memory sources), and orientation-indexing jobs. */
import { serveAnalysis, type FromWorker, type ToWorker } from '../analysis/worker-pool.js';

interface WorkerScope {
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
  postMessage(message: FromWorker, transfer: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
serveAnalysis(
  {
    onMessage: (listener) => scope.addEventListener('message', (event) => listener(event.data)),
    post: (message, transfer) => scope.postMessage(message, transfer ?? []),
  },
  undefined,
  {
    index: (payload, context) => import('../indexing/engine.js').then((m) => m.serveIndexJob(payload, context)),
    library: (payload) => import('../indexing/engine.js').then((m) => m.serveLibraryJob(payload)),
  },
);
