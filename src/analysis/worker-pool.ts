/**
 * A pool of analysis workers, the same for Node's worker threads and
 * browsers' Web Workers: each side only supplies a port to a new worker.
 * The worker side (`serveAnalysis`) runs the same single-threaded pass.
 */
import { BlockfileError, type BlockfileErrorCode } from '../format/errors.js';
import { Blockfile } from '../reader/blockfile.js';
import { readIntoTargets, scatterInto, type ByteSource, type SourceDescriptor } from '../sources/source.js';
import { openDescriptor } from '../sources/descriptor.js';
import { BlobSource } from '../sources/blob.js';
import { analysisShape, compileRequest } from './accumulate.js';
import { analyzeRange, type AnalysisPool, type AnalysisTask } from './engine.js';
import { partialBuffers, type PartialResult } from './request.js';

/**
 * Another kind of per-frame job than an analysis pass (e.g. orientation
 * indexing), served by a handler the worker registers for `kind`.
 */
export type JobMessage = { type: 'job'; id: number; kind: string; payload: unknown };

/** A worker's handler of one kind of job: reports frames done, stops on `signal`, returns its result and the buffers to transfer. */
export type JobHandler = (
  payload: unknown,
  context: { openFile?: (path: string) => Promise<ByteSource>; onFrames: (frames: number) => void; signal: AbortSignal },
) => Promise<{ result: unknown; transfer?: ArrayBuffer[] }>;

/** Messages between the pool and a worker. */
export type ToWorker = { type: 'run'; id: number; task: AnalysisTask } | { type: 'cancel'; id: number } | JobMessage;
export type FromWorker =
  | { type: 'progress'; id: number; frames: number }
  | { type: 'done'; id: number; partial: PartialResult }
  | { type: 'result'; id: number; result: unknown }
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
  /** An analysis pass, or else a job of another kind. */
  task?: AnalysisTask;
  job?: { kind: string; payload: unknown };
  onFrames: (frames: number) => void;
  resolve: (value: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  /** The worker asked for, if any. */
  worker?: number;
  /** Queued jobs of higher priority are dispatched first; the same, in the order queued. */
  priority: number;
}

interface Slot {
  port: WorkerPort;
  job: Job | undefined;
  /** A cancelled task the worker is still stopping: the slot takes no new one until it answers. */
  draining: { id: number; timer: ReturnType<typeof setTimeout> } | undefined;
}

/** How long a cancelled task may take to stop before its worker is terminated (and its cache lost). */
const DRAIN_MS = 3000;

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
  /**
   * Whether a queued analysis task of a higher priority stops a running one
   * of a lower priority on the worker it needs, rather than waiting for it to
   * finish (default false): the stopped task goes back to the queue and runs
   * again from its start (its partial result is not kept), e.g. a pass a user
   * asks for over a pass started in the background.
   */
  preempt = false;

  /** `spawn` starts one worker; workers start when first needed and stay until `close`. */
  constructor(size: number, spawn: () => WorkerPort) {
    this.size = Math.max(0, Math.floor(size));
    this.#spawn = spawn;
    this.#slots = new Array(this.size).fill(undefined);
  }

  run(task: AnalysisTask, onFrames: (frames: number) => void, signal?: AbortSignal, worker?: number, priority = 0): Promise<PartialResult> {
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
        worker: worker === undefined || this.size === 0 ? undefined : ((Math.floor(worker) % this.size) + this.size) % this.size,
        priority,
      };
      if (signal) this.#watch(signal, job);
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /**
   * Runs a job of another kind than an analysis pass in a worker (one that
   * registered a handler for `kind` with {@link serveAnalysis}), with the
   * same queue, progress and cancellation.
   */
  runJob<T>(kind: string, payload: unknown, onFrames: (frames: number) => void, signal?: AbortSignal): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the analysis worker pool is closed'));
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const job: Job = {
        id: this.#nextId++,
        job: { kind, payload },
        onFrames,
        resolve: (value: T) => (this.#forget(job), resolve(value)),
        reject: (error) => (this.#forget(job), reject(error)),
        signal,
        priority: 0,
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
      if (slot?.job || slot?.draining) continue;
      // The first queued job this worker may take, of the highest priority.
      let next = -1;
      for (let k = 0; k < this.#queue.length; k++) {
        const j = this.#queue[k];
        if ((j.worker === undefined || j.worker === i) && (next < 0 || j.priority > this.#queue[next].priority)) next = k;
      }
      if (next < 0) continue;
      if (!slot) slot = this.#slots[i] = this.#start(i);
      const [job] = this.#queue.splice(next, 1);
      slot.job = job;
      slot.port.post(job.job ? { type: 'job', id: job.id, ...job.job } : { type: 'run', id: job.id, task: job.task! });
    }
    if (this.preempt) this.#preempt();
  }

  /** Stops running analysis tasks of a lower priority than queued ones that no free worker took (see `preempt`). */
  #preempt(): void {
    for (const waiting of [...this.#queue].sort((a, b) => b.priority - a.priority)) {
      if (!waiting.task) continue;
      // The worker running the lowest-priority analysis task this one may take.
      let victim = -1;
      for (let i = 0; i < this.#slots.length; i++) {
        const slot = this.#slots[i];
        const running = slot?.job;
        if (!slot || !running?.task || slot.draining || running.priority >= waiting.priority) continue;
        if (waiting.worker !== undefined && waiting.worker !== i) continue;
        if (victim < 0 || running.priority < this.#slots[victim]!.job!.priority) victim = i;
      }
      if (victim < 0) continue;
      const slot = this.#slots[victim]!;
      const stopped = slot.job!;
      this.#stop(victim, slot, stopped.id);
      // Back in the queue, ahead of the rest of its pass, under a new id (the worker answers the old one as cancelled).
      stopped.id = this.#nextId++;
      this.#queue.unshift(stopped);
    }
  }

  /** Tells the worker in `slot` to stop task `id`, leaving the slot draining until it answers (or terminated if it does not soon). */
  #stop(index: number, slot: Slot, id: number): void {
    slot.job = undefined;
    slot.port.post({ type: 'cancel', id });
    const timer = setTimeout(() => {
      if (this.#slots[index] !== slot || slot.draining?.id !== id) return;
      slot.port.terminate();
      this.#slots[index] = undefined;
      this.#dispatch();
    }, DRAIN_MS);
    (timer as { unref?: () => void }).unref?.();
    slot.draining = { id, timer };
  }

  /** Workers started so far (including replacements of crashed or cancelled ones). */
  get started(): number {
    return this.#started;
  }

  #start(index: number): Slot {
    const port = this.#spawn();
    this.#started++;
    const slot: Slot = { port, job: undefined, draining: undefined };
    port.onMessage((message) => {
      if (slot.draining?.id === message.id) {
        if (message.type === 'progress') return;
        clearTimeout(slot.draining.timer);
        slot.draining = undefined;
        return this.#dispatch();
      }
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      if (message.type === 'progress') return job.onFrames(message.frames);
      slot.job = undefined;
      if (message.type === 'done') job.resolve(message.partial);
      else if (message.type === 'result') job.resolve(message.result);
      else job.reject(errorFrom(message.error));
      this.#dispatch();
    });
    port.onError((error) => {
      // A crashed worker is replaced; its task fails.
      const job = slot.job;
      if (slot.draining) clearTimeout(slot.draining.timer);
      if (this.#slots[index] === slot) this.#slots[index] = undefined;
      port.terminate();
      job?.reject(error);
      this.#dispatch();
    });
    return slot;
  }

  /**
   * A cancelled task leaves the queue, or its worker is told to stop it (and
   * keeps what it caches); one that does not stop soon is terminated and
   * replaced when next needed.
   */
  #cancel(job: Job): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
    } else {
      const index = this.#slots.findIndex((s) => s?.job === job);
      if (index < 0) return;
      this.#stop(index, this.#slots[index]!, job.id);
    }
    job.reject(job.signal?.reason ?? new Error('analysis cancelled'));
    this.#dispatch();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('the analysis worker pool was closed'));
    for (const slot of this.#slots) {
      slot?.job?.reject(new Error('the analysis worker pool was closed'));
      if (slot?.draining) clearTimeout(slot.draining.timer);
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

/** Serves analysis tasks in a worker; `openFile` opens paths (Node only); `jobs` serve other kinds of job (see {@link WorkerPool.runJob}). */
export function serveAnalysis(endpoint: WorkerEndpoint, openFile?: (path: string) => Promise<ByteSource>, jobs: Record<string, JobHandler> = {}): void {
  const jobsRunning = new Map<number, AbortController>();
  endpoint.onMessage(async (message) => {
    if ((message as { type: string }).type === 'cancel') return jobsRunning.get(message.id)?.abort(new Error('cancelled'));
    if (message.type !== 'job') return;
    const { id, kind, payload } = message;
    const abort = new AbortController();
    jobsRunning.set(id, abort);
    try {
      const handler = Object.hasOwn(jobs, kind) ? jobs[kind] : undefined;
      if (!handler) throw new Error(`this worker serves no "${kind}" jobs`);
      const { result, transfer } = await handler(payload, { openFile, signal: abort.signal, onFrames: (frames) => endpoint.post({ type: 'progress', id, frames }) });
      endpoint.post({ type: 'result', id, result }, transfer);
    } catch (error) {
      const e = error as Partial<BlockfileError>;
      endpoint.post({ type: 'error', id, error: { message: String(e?.message ?? error), code: e?.code, file: e?.file } });
    } finally {
      jobsRunning.delete(id);
    }
  });
  const running = new Map<number, AbortController>();
  const cache = new ReadCache();
  // A Blob the tasks read (with a cache, so known by its key), kept open from one task to the next:
  // a task that starts where the previous one ended continues its stream.
  // Its small reads (each task opens the file: header, note) are kept too: a small read of a Blob while a
  // stream over it is open costs tens of milliseconds in Chromium, and halved the tasks' throughput.
  let kept: { key: string; source: BlobSource; small: Map<string, Uint8Array> } | undefined;
  endpoint.onMessage(async (message) => {
    if (message.type === 'cancel') return running.get(message.id)?.abort(new Error('cancelled'));
    if (message.type !== 'run') return;
    const { id, task } = message;
    const abort = new AbortController();
    running.set(id, abort);
    let source: ByteSource | undefined;
    try {
      const descriptor = task.source as SourceDescriptor;
      const key = descriptor.kind === 'blob' && task.cacheBytes && task.cacheBytes > 0 ? cacheKey(descriptor) : undefined;
      if (key !== undefined && descriptor.kind === 'blob') {
        if (kept?.key !== key) {
          await kept?.source.close();
          kept = { key, source: new BlobSource(descriptor.blob, descriptor.name, { streamAhead: STREAM_AHEAD }), small: new Map() };
        }
        // Not closed after the task.
        const { source: blob, small } = kept;
        source = {
          name: blob.name,
          size: blob.size,
          descriptor: blob.descriptor,
          read: async (offset, length, signal) => {
            if (length > SMALL_READ) return blob.read(offset, length, signal);
            const id = `${offset}:${length}`;
            let bytes = small.get(id);
            if (!bytes) {
              bytes = await blob.read(offset, length, signal);
              if (small.size < 64) small.set(id, bytes);
            }
            return bytes.slice();
          },
          readInto: (offset, targets, signal) => blob.readInto(offset, targets, signal),
          close: async () => {},
        };
      } else {
        source = await openDescriptor(descriptor, openFile);
      }
      if (task.cacheBytes && task.cacheBytes > 0) source = cache.wrap(source, descriptor, task.cacheBytes, task.cacheFill ?? true);
      const blockfile = await Blockfile.open(source, task.geometry);
      const compiled = compileRequest(task.request, analysisShape(blockfile.geometry));
      let last = 0;
      const partial = await analyzeRange(blockfile, compiled, task.start, task.end, {
        blockFrames: task.blockFrames,
        readAhead: true,
        signal: abort.signal,
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
      running.delete(id);
      await source?.close().catch(() => undefined);
    }
  });
}

/**
 * How far past a task's last read a worker's stream over a Blob stays open
 * for the next task, which continues it when it starts there.
 */
const STREAM_AHEAD = 512 * 2 ** 20;
/** Reads of at most this many bytes of a kept Blob are kept (the header, the note). */
const SMALL_READ = 64 * 1024;

/** What identifies a source's bytes across tasks (a Blob is a new object in every message). */
function cacheKey(descriptor: SourceDescriptor): string | undefined {
  switch (descriptor.kind) {
    case 'blob': {
      const b = descriptor.blob as Blob & { lastModified?: number };
      return `blob\n${descriptor.name}\n${b.size}\n${b.type}\n${b.lastModified ?? ''}`;
    }
    case 'http':
      return `http\n${descriptor.url}`;
    default:
      return undefined; // files and shared memory are read as fast as a cache would be
  }
}

/**
 * A worker's memory of the reads it made, by offset and length, up to a
 * budget, for one source at a time: a later pass over the same ranges (the
 * pool gives them to the same worker) reads memory instead of the File or
 * the network.
 */
class ReadCache {
  #key: string | undefined;
  #reads = new Map<string, Uint8Array>();
  #bytes = 0;

  /** `fill`: keep what is read (else only read what is kept). */
  wrap(source: ByteSource, descriptor: SourceDescriptor, budget: number, fill = true): ByteSource {
    const key = cacheKey(descriptor);
    if (key === undefined) return source;
    if (key !== this.#key) {
      this.#key = key;
      this.#reads = new Map();
      this.#bytes = 0;
    }
    const reads = this.#reads;
    const cache = this;
    return {
      name: source.name,
      size: source.size,
      descriptor: source.descriptor,
      async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
        const id = `${offset}:${length}`;
        const hit = reads.get(id);
        if (hit) return hit;
        const bytes = await source.read(offset, length, signal);
        if (fill && reads === cache.#reads && cache.#bytes + bytes.length <= budget) {
          reads.set(id, bytes);
          cache.#bytes += bytes.length;
        }
        return bytes;
      },
      async readInto(offset: number, targets: readonly Uint8Array[], signal?: AbortSignal): Promise<number> {
        let total = 0;
        for (const t of targets) total += t.length;
        const id = `${offset}:${total}`;
        let bytes = reads.get(id);
        if (!bytes) {
          if (!fill || reads !== cache.#reads || cache.#bytes + total > budget) return readIntoTargets(source, offset, targets, signal);
          // Read straight into the memory kept.
          const block = new Uint8Array(total);
          bytes = block.subarray(0, await readIntoTargets(source, offset, [block], signal));
          reads.set(id, bytes);
          cache.#bytes += total;
        }
        return scatterInto(bytes, targets);
      },
      close: () => source.close(),
    };
  }
}
