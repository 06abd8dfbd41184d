/**
 * A pool of analysis workers, the same for Node's worker threads and
 * browsers' Web Workers: each side only supplies a port to a new worker.
 * The worker side (`serveAnalysis`) runs the same single-threaded pass.
 */
import { BlockfileError, type BlockfileErrorCode } from '../format/errors.js';
import { Blockfile } from '../reader/blockfile.js';
import type { ByteSource, SourceDescriptor } from '../sources/source.js';
import { openDescriptor } from '../sources/descriptor.js';
import { analysisShape, compileRequest } from './accumulate.js';
import { analyzeRange, type AnalysisPool, type AnalysisTask } from './engine.js';
import { partialBuffers, type PartialResult } from './request.js';

/** Messages between the pool and a worker. */
export type ToWorker = { type: 'run'; id: number; task: AnalysisTask };
export type FromWorker =
  | { type: 'progress'; id: number; frames: number }
  | { type: 'done'; id: number; partial: PartialResult }
  | { type: 'error'; id: number; error: { message: string; code?: BlockfileErrorCode; file?: string } };

/** The main thread's end of one worker. */
export interface WorkerPort {
  post(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** A crash of the worker itself (not an error in a task). */
  onError(listener: (error: Error) => void): void;
  terminate(): void;
}

interface Job {
  id: number;
  task: AnalysisTask;
  onFrames: (frames: number) => void;
  resolve: (partial: PartialResult) => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
}

interface Slot {
  port: WorkerPort;
  job: Job | undefined;
}

function errorFrom(error: { message: string; code?: BlockfileErrorCode; file?: string }): Error {
  if (error.code && error.file !== undefined) {
    const problem = error.message.startsWith(`${error.file}: `) ? error.message.slice(error.file.length + 2) : error.message;
    return new BlockfileError(error.code, error.file, problem);
  }
  return new Error(error.message);
}

export class WorkerPool implements AnalysisPool {
  readonly size: number;
  readonly #spawn: () => WorkerPort;
  readonly #slots: (Slot | undefined)[];
  readonly #queue: Job[] = [];
  #nextId = 0;
  #closed = false;
  #started = 0;

  /** `spawn` starts one worker; workers start when first needed and stay until `close`. */
  constructor(size: number, spawn: () => WorkerPort) {
    this.size = Math.max(0, Math.floor(size));
    this.#spawn = spawn;
    this.#slots = new Array(this.size).fill(undefined);
  }

  run(task: AnalysisTask, onFrames: (frames: number) => void, signal?: AbortSignal): Promise<PartialResult> {
    if (this.#closed) return Promise.reject(new Error('the analysis worker pool is closed'));
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const job: Job = {
        id: this.#nextId++,
        task,
        onFrames,
        resolve: (partial) => (this.#forget(job), resolve(partial)),
        reject: (error) => (this.#forget(job), reject(error)),
        signal,
      };
      if (signal) this.#watch(signal, job);
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /** Jobs by the signal that cancels them: one listener per signal, however many tasks share it. */
  readonly #watched = new Map<AbortSignal, { jobs: Set<Job>; onAbort: () => void }>();

  #watch(signal: AbortSignal, job: Job): void {
    let entry = this.#watched.get(signal);
    if (!entry) {
      const jobs = new Set<Job>();
      const onAbort = () => {
        for (const j of [...jobs]) this.#cancel(j);
      };
      entry = { jobs, onAbort };
      this.#watched.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.jobs.add(job);
  }

  #forget(job: Job): void {
    const entry = job.signal && this.#watched.get(job.signal);
    if (!entry) return;
    entry.jobs.delete(job);
    if (entry.jobs.size === 0) {
      job.signal!.removeEventListener('abort', entry.onAbort);
      this.#watched.delete(job.signal!);
    }
  }

  #dispatch(): void {
    for (let i = 0; i < this.#slots.length && this.#queue.length > 0; i++) {
      let slot = this.#slots[i];
      if (slot?.job) continue;
      if (!slot) slot = this.#slots[i] = this.#start(i);
      const job = this.#queue.shift()!;
      slot.job = job;
      slot.port.post({ type: 'run', id: job.id, task: job.task });
    }
  }

  /** Workers started so far (including replacements of crashed or cancelled ones). */
  get started(): number {
    return this.#started;
  }

  #start(index: number): Slot {
    const port = this.#spawn();
    this.#started++;
    const slot: Slot = { port, job: undefined };
    port.onMessage((message) => {
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      if (message.type === 'progress') return job.onFrames(message.frames);
      slot.job = undefined;
      if (message.type === 'done') job.resolve(message.partial);
      else job.reject(errorFrom(message.error));
      this.#dispatch();
    });
    port.onError((error) => {
      // A crashed worker is replaced; its task fails.
      const job = slot.job;
      if (this.#slots[index] === slot) this.#slots[index] = undefined;
      port.terminate();
      job?.reject(error);
      this.#dispatch();
    });
    return slot;
  }

  /** A cancelled task leaves the queue, or its worker is stopped and replaced when next needed. */
  #cancel(job: Job): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
    } else {
      const index = this.#slots.findIndex((s) => s?.job === job);
      if (index < 0) return;
      this.#slots[index]!.port.terminate();
      this.#slots[index] = undefined;
    }
    job.reject(job.signal?.reason ?? new Error('analysis cancelled'));
    this.#dispatch();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('the analysis worker pool was closed'));
    for (const slot of this.#slots) {
      slot?.job?.reject(new Error('the analysis worker pool was closed'));
      slot?.port.terminate();
    }
    this.#slots.fill(undefined);
  }
}

/** The worker's end: what it receives and how it answers (transferring result buffers). */
export interface WorkerEndpoint {
  onMessage(listener: (message: ToWorker) => void): void;
  post(message: FromWorker, transfer?: ArrayBuffer[]): void;
}

/** Serves analysis tasks in a worker; `openFile` opens paths (Node only). */
export function serveAnalysis(endpoint: WorkerEndpoint, openFile?: (path: string) => Promise<ByteSource>): void {
  endpoint.onMessage(async (message) => {
    if (message.type !== 'run') return;
    const { id, task } = message;
    let source: ByteSource | undefined;
    try {
      source = await openDescriptor(task.source as SourceDescriptor, openFile);
      const blockfile = await Blockfile.open(source, task.geometry);
      const compiled = compileRequest(task.request, analysisShape(blockfile.geometry));
      let last = 0;
      const partial = await analyzeRange(blockfile, compiled, task.start, task.end, {
        onFrames: (frames) => {
          // Progress a few times per task, not per block.
          if (frames - last >= (task.end - task.start) / 8 || frames === task.end - task.start) {
            last = frames;
            endpoint.post({ type: 'progress', id, frames });
          }
        },
      });
      endpoint.post({ type: 'done', id, partial }, partialBuffers(partial));
    } catch (error) {
      const e = error as Partial<BlockfileError>;
      endpoint.post({ type: 'error', id, error: { message: String(e?.message ?? error), code: e?.code, file: e?.file } });
    } finally {
      await source?.close().catch(() => undefined);
    }
  });
}
