/**
 * The worker pool's queue: a pass of higher priority (the viewer's newest
 * request) goes to the workers before the queued tasks of an older pass,
 * which resume afterwards; results stay those of the library.
 */
import { describe, expect, it } from 'vitest';
import { analysisShape, compileRequest } from '../src/analysis/accumulate.js';
import { analyze, analyzeRange, type AnalysisPool, type AnalysisTask } from '../src/analysis/engine.js';
import type { PartialResult } from '../src/analysis/request.js';
import { WorkerPool, type FromWorker, type ToWorker } from '../src/analysis/worker-pool.js';
import { Blockfile } from '../src/reader/blockfile.js';
import { openDescriptor } from '../src/sources/descriptor.js';
import { BlobSource, MemorySource } from '../src/sources/index.js';
import { buildBlockfile } from './helpers/build.js';

/** Workers that answer only when told to: which task each was given, in order. */
function fakeWorkers() {
  const given: { worker: number; start: number; id: number }[] = [];
  const listeners: ((m: FromWorker) => void)[] = [];
  let spawned = 0;
  const spawn = () => {
    const worker = spawned++;
    return {
      post: (m: ToWorker) => {
        if (m.type === 'run') given.push({ worker, start: m.task.start, id: m.id });
      },
      onMessage: (l: (m: FromWorker) => void) => (listeners[worker] = l),
      onError: () => undefined,
      terminate: () => undefined,
    };
  };
  /** Worker `w` finishes the task it was last given. */
  const finish = (w: number) => {
    const job = given.filter((g) => g.worker === w).at(-1)!;
    listeners[w]({ type: 'done', id: job.id, partial: { start: job.start } as unknown as PartialResult });
  };
  return { given, spawn, finish };
}

const task = (start: number) => ({ start, end: start + 1 }) as unknown as AnalysisTask;

describe('worker pool priority', () => {
  it('hands out the queued tasks of a newer, higher-priority pass first; the older pass resumes after', async () => {
    const w = fakeWorkers();
    const pool = new WorkerPool(1, w.spawn);
    const older = [0, 1, 2].map((s) => pool.run(task(s), () => undefined, undefined, undefined, 1));
    expect(w.given.map((g) => g.start)).toEqual([0]);
    const newer = [10, 11].map((s) => pool.run(task(s), () => undefined, undefined, undefined, 2));
    for (let i = 0; i < 4; i++) w.finish(0);
    // The task running when the newer pass came finishes; then the newer pass, then the rest of the older one.
    expect(w.given.map((g) => g.start)).toEqual([0, 10, 11, 1, 2]);
    w.finish(0);
    expect((await Promise.all([...older, ...newer])).map((p) => p.start)).toEqual([0, 1, 2, 10, 11]);
    await pool.close();
  });

  it('with preempt, stops a running task of a lower priority for a newer pass, then runs it again from its start', async () => {
    const w = fakeWorkers();
    const cancelled: number[] = [];
    const pool = new WorkerPool(1, () => {
      const port = w.spawn();
      return { ...port, post: (m: ToWorker) => (m.type === 'cancel' ? cancelled.push(m.id) : port.post(m)) };
    });
    pool.preempt = true;
    const older = [0, 1].map((s) => pool.run(task(s), () => undefined, undefined, undefined, 1));
    const first = w.given[0];
    const newer = pool.run(task(10), () => undefined, undefined, undefined, 2);
    // The running task of the older pass is told to stop; nothing new starts until the worker answers.
    expect(cancelled).toEqual([first.id]);
    expect(w.given.map((g) => g.start)).toEqual([0]);
    w.finish(0); // its answer to the cancelled task (here a late result): not taken as the task's result
    expect(w.given.map((g) => g.start)).toEqual([0, 10]);
    w.finish(0);
    w.finish(0);
    w.finish(0);
    // The stopped task ran again, under a new id, before the rest of its pass.
    expect(w.given.map((g) => g.start)).toEqual([0, 10, 0, 1]);
    expect(w.given[2].id).not.toBe(first.id);
    expect((await Promise.all([...older, newer])).map((p) => p.start)).toEqual([0, 1, 10]);
    await pool.close();
  });

  it('keeps the queue order within a priority, and a task asked of one worker does not hold up another', async () => {
    const w = fakeWorkers();
    const pool = new WorkerPool(2, w.spawn);
    const runs = [
      pool.run(task(0), () => undefined, undefined, 0),
      pool.run(task(1), () => undefined, undefined, 1),
      pool.run(task(2), () => undefined, undefined, 0),
      pool.run(task(3), () => undefined, undefined, 1),
      pool.run(task(4), () => undefined, undefined, 0, 5),
      pool.run(task(5), () => undefined),
    ];
    expect(w.given.map((g) => [g.worker, g.start])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    // Worker 1 is free first: worker 0's task of priority 5 is not its to take; task 5 (any worker) waits behind 3.
    w.finish(1);
    expect(w.given.at(-1)).toMatchObject({ worker: 1, start: 3 });
    w.finish(0);
    expect(w.given.at(-1)).toMatchObject({ worker: 0, start: 4 });
    w.finish(1);
    expect(w.given.at(-1)).toMatchObject({ worker: 1, start: 5 });
    w.finish(0);
    expect(w.given.at(-1)).toMatchObject({ worker: 0, start: 2 });
    w.finish(0);
    w.finish(1);
    expect((await Promise.all(runs)).map((p) => p.start)).toEqual([0, 1, 2, 3, 4, 5]);
    await pool.close();
  });

  it('analyze gives its priority to every task, and the result is the one-thread result', async () => {
    const { bytes } = await buildBlockfile({ nx: 9, ny: 7, dpSize: 16 });
    const priorities: (number | undefined)[] = [];
    // A pool that runs each task here, as a worker would.
    const pool: AnalysisPool = {
      size: 2,
      async run(t, _onFrames, _signal, _worker, priority) {
        priorities.push(priority);
        const bf = await Blockfile.open(await openDescriptor(t.source), t.geometry);
        return analyzeRange(bf, compileRequest(t.request, analysisShape(bf.geometry)), t.start, t.end);
      },
      close: async () => undefined,
    };
    const request = { frameSums: true, virtual: [{ kind: 'disk' as const, cx: 7.5, cy: 7.5, r: 3 }] };
    const single = await analyze(await Blockfile.open(new MemorySource(bytes)), request);
    const pooled = await analyze(await Blockfile.open(new BlobSource(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'p.blo')), request, {
      pool,
      blockFrames: 5,
      order: 'interleaved',
      priority: 7,
    });
    expect(pooled).toEqual(single);
    expect(priorities.length).toBeGreaterThan(1);
    expect(new Set(priorities)).toEqual(new Set([7]));
  });

  it('analyze splits a pass into tasks of whole blocks (no task ends with a short read of its last frames)', async () => {
    const { bytes } = await buildBlockfile({ nx: 9, ny: 7, dpSize: 16 });
    const ranges: [number, number][] = [];
    const pool: AnalysisPool = {
      size: 2,
      async run(t) {
        ranges.push([t.start, t.end]);
        const bf = await Blockfile.open(await openDescriptor(t.source), t.geometry);
        return analyzeRange(bf, compileRequest(t.request, analysisShape(bf.geometry)), t.start, t.end, { blockFrames: t.blockFrames });
      },
      close: async () => undefined,
    };
    const request = { frameSums: true };
    const single = await analyze(await Blockfile.open(new MemorySource(bytes)), request);
    const blob = new BlobSource(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'p.blo');
    // 63 frames in blocks of 5: 13 blocks over 4 tasks.
    expect(await analyze(await Blockfile.open(blob), request, { pool, blockFrames: 5, pieces: 4 })).toEqual(single);
    expect(ranges).toEqual([
      [0, 15],
      [15, 30],
      [30, 45],
      [45, 63],
    ]);
  });
});
