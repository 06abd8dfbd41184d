/** Analysis over worker threads (Node). */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { WorkerPool, type FromWorker } from '../analysis/worker-pool.js';

/** A pool of `size` worker threads (default: one per core), started when first needed. Close it when done. */
export function createNodeAnalysisPool(size = availableParallelism()): WorkerPool {
  const script = new URL('./analysis-worker.js', import.meta.url);
  return new WorkerPool(size, () => {
    // The parent's flags apply, but not those about its own entry (e.g. --input-type with -e).
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
    const worker = new Worker(script, { execArgv });
    return {
      post: (message) => worker.postMessage(message),
      onMessage: (listener) => worker.on('message', (message: FromWorker) => listener(message)),
      onError: (listener) => {
        worker.on('error', listener);
        worker.on('exit', (code) => {
          if (code !== 0) listener(new Error(`analysis worker stopped with exit code ${code}`));
        });
      },
      terminate: () => void worker.terminate(),
    };
  });
}
