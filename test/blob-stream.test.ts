import { describe, expect, it } from 'vitest';
import { BlobSource } from '../src/sources/blob.js';

/** Whether two byte arrays hold the same bytes (vitest's toEqual is slow on MB-sized arrays). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

/** Bytes 0…n−1 of a known pattern. */
function pattern(n: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 7 + (i >> 8)) & 255;
  return bytes;
}

describe('BlobSource streamAhead', () => {
  const size = 3 * 2 ** 20 + 12345;
  const bytes = pattern(size);
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);

  it('continues one stream over reads that follow one another, and reads the same bytes as fresh slices', async () => {
    const source = new BlobSource(blob, 'b', { streamAhead: 2 ** 20 });
    const plain = new BlobSource(blob, 'b');
    // Contiguous reads (some crossing the end of the window), then jumps back and forward, then past the end.
    const reads: [number, number[]][] = [
      [0, [100_000]],
      [100_000, [50_000, 7, 300_000]],
      [450_007, [900_000]],
      [1_350_007, [1_000_000]],
      [2_350_007, [10]],
      [17, [1000]],
      [2_000_000, [500_000, 500_000]],
      [3_000_000, [size - 3_000_000]],
      [size - 10, [100]],
    ];
    for (const [offset, lengths] of reads) {
      const a = lengths.map((n) => new Uint8Array(n));
      const b = lengths.map((n) => new Uint8Array(n));
      const got = await source.readInto(offset, a);
      expect(got).toBe(await plain.readInto(offset, b));
      expect(got).toBe(Math.max(0, Math.min(size, offset + lengths.reduce((s, n) => s + n, 0)) - offset));
      for (let i = 0; i < a.length; i++) expect(same(a[i], b[i])).toBe(true);
      let at = offset;
      for (const t of a) {
        const want = bytes.subarray(at, Math.min(size, at + t.length));
        expect(same(t.subarray(0, want.length), want)).toBe(true);
        at += t.length;
      }
    }
    await source.close();
  });

  it('serves reads made while another is under way from slices of their own', async () => {
    const source = new BlobSource(blob, 'b', { streamAhead: 2 ** 20 });
    const targets = [0, 1, 2, 3].map(() => new Uint8Array(600_000));
    await Promise.all(targets.map((t, i) => source.readInto(i * 600_000, [t])));
    targets.forEach((t, i) => expect(same(t, bytes.subarray(i * 600_000, (i + 1) * 600_000))).toBe(true));
    await source.close();
  });
});

/**
 * A Blob whose streams answer each pull at once with up to `chunk` bytes,
 * after `busyMs` of work, and nothing, ever, from `stallAt` on (Chromium's
 * Blob streams did so now and then); it counts the streams opened and the
 * chunks given.
 */
function fakeBlob(bytes: Uint8Array<ArrayBuffer>, { chunk = 1000, stallAt = Infinity, busyMs = 0 } = {}): Blob & { streams: number; chunks: number } {
  const fake = {
    size: bytes.length,
    type: '',
    streams: 0,
    chunks: 0,
    slice(start = 0, end = bytes.length) {
      const [a, b] = [start, Math.min(end, bytes.length)];
      return {
        size: b - a,
        arrayBuffer: async () => bytes.slice(a, b).buffer,
        stream: () => {
          fake.streams++;
          let at = a;
          return new ReadableStream({
            type: 'bytes',
            pull(controller) {
              const request = controller.byobRequest!;
              // Past the stall point the pull never answers.
              if (at >= stallAt) return new Promise<void>(() => undefined);
              const view = request.view as Uint8Array;
              const n = Math.min(view.length, b - at, chunk, stallAt - at);
              if (n <= 0) return (controller.close(), request.respond(0));
              for (const until = performance.now() + busyMs; performance.now() < until; );
              view.set(bytes.subarray(at, at + n));
              at += n;
              fake.chunks++;
              request.respond(n);
            },
          });
        },
      };
    },
  };
  return fake as unknown as Blob & { streams: number; chunks: number };
}

describe('BlobSource on a stream that stalls', () => {
  const MiB = 2 ** 20;
  const bytes = pattern(3 * MiB);

  it('gives the stream up after stallMs and reads the rest as one slice, the same bytes', async () => {
    const blob = fakeBlob(bytes, { stallAt: 1.5 * MiB });
    const source = new BlobSource(blob, 'stalls.blo', { stallMs: 50 });
    const targets = [new Uint8Array(MiB), new Uint8Array(MiB + 7)];
    const started = Date.now();
    expect(await source.readInto(100_000, targets)).toBe(2 * MiB + 7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(same(targets[0], bytes.subarray(100_000, 100_000 + MiB))).toBe(true);
    expect(same(targets[1], bytes.subarray(100_000 + MiB, 100_000 + 2 * MiB + 7))).toBe(true);
    // A later long read opens a stream again, which streams while it can; a short one is a slice.
    const next = new Uint8Array(1.2 * MiB);
    expect(await source.readInto(100, [next])).toBe(next.length);
    expect(same(next, bytes.subarray(100, 100 + next.length))).toBe(true);
    const frame = new Uint8Array(20_000);
    expect(await source.readInto(2 * MiB, [frame])).toBe(frame.length);
    expect(same(frame, bytes.subarray(2 * MiB, 2 * MiB + frame.length))).toBe(true);
    expect(blob.streams).toBe(2);
    await source.close();
  });

  it('with streams: false reads every range as a slice, opening no stream', async () => {
    const blob = fakeBlob(bytes, { stallAt: 0 });
    const source = new BlobSource(blob, 'stalls.blo', { streams: false, stallMs: 60_000 });
    const target = new Uint8Array(2 * MiB);
    expect(await source.readInto(MiB, [target])).toBe(target.length);
    expect(same(target, bytes.subarray(MiB, 3 * MiB))).toBe(true);
    expect(blob.streams).toBe(0);
  });
});


describe('BlobSource cancelled during a read', () => {
  it('lets a cancel that comes as an event (a message, a timer) stop a read whose chunks are all at hand', async () => {
    const MiB = 2 ** 20;
    // 64 chunks of 2 ms each: with nothing but microtasks between them, a timer could not fire before the end.
    const blob = fakeBlob(pattern(4 * MiB), { chunk: 64 * 1024, busyMs: 2 });
    const source = new BlobSource(blob, 'busy.blo');
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('cancelled')), 20);
    await expect(source.readInto(0, [new Uint8Array(4 * MiB)], abort.signal)).rejects.toThrow('cancelled');
    expect(blob.chunks).toBeLessThan(64);
    await source.close();
  });
});
