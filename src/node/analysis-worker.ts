/** Entry point of an analysis worker thread (Node): serves tasks from the pool, and orientation-indexing jobs. */
import { parentPort } from 'node:worker_threads';
import { serveAnalysis } from '../analysis/worker-pool.js';
import { FileSource } from './file-source.js';

if (!parentPort) throw new Error('analysis-worker.js runs as a worker thread');
const port = parentPort;
serveAnalysis(
  {
    onMessage: (listener) => port.on('message', listener),
    post: (message, transfer) => port.postMessage(message, transfer ?? []),
  },
  (path) => FileSource.open(path),
  {
    index: (payload, context) => import('../indexing/engine.js').then((m) => m.serveIndexJob(payload, context)),
    library: (payload) => import('../indexing/engine.js').then((m) => m.serveLibraryJob(payload)),
  },
);
