/** The byte sources: memory, Blob, Node file (with readv and r+ writes) and HTTP Range. */
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobSource, HttpSource, MemorySource, readIntoTargets, type ByteSource } from '../src/sources/index.js';
import { FileSource } from '../src/node/file-source.js';
import { BlockfileError } from '../src/format/errors.js';
import { tempDir } from './helpers/cli.js';

const data = new Uint8Array(5000).map((_, i) => (i * 31 + 7) & 0xff);
const { dir, cleanup } = tempDir();
const path = join(dir, 'data.bin');
writeFileSync(path, data);

type Behaviour = {
  noRange?: boolean;
  failures?: number;
  growAfter?: number;
  wrongRange?: boolean;
  size?: () => number;
  /** Answer with this status and no body. */
  status?: number;
  /** Send the headers and half the body, then drop the connection, this many times. */
  cutBodies?: number;
  /** Answer 416 to a range that runs past the end instead of cutting it (as some servers do). */
  noCut?: boolean;
};
let behaviour: Behaviour = {};
let requests = 0;
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (behaviour.failures && behaviour.failures > 0) {
      behaviour.failures--;
      res.writeHead(503).end();
      return;
    }
    if (behaviour.status) {
      res.writeHead(behaviour.status).end();
      return;
    }
    const size = behaviour.size?.() ?? data.length;
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (behaviour.noRange || !m) {
      res.writeHead(200, { 'Content-Length': size }).end(Buffer.from(data.subarray(0, size)));
      return;
    }
    const start = Number(m[1]);
    if (behaviour.noCut && Number(m[2]) >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    const end = Math.min(Number(m[2]), size - 1);
    if (behaviour.cutBodies && behaviour.cutBodies > 0) {
      behaviour.cutBodies--;
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
      res.write(Buffer.from(data.subarray(start, start + Math.floor((end - start + 1) / 2))), () => res.destroy());
      return;
    }
    const shown = behaviour.wrongRange ? `bytes ${start + 1}-${end + 1}/${size}` : `bytes ${start}-${end}/${size}`;
    res.writeHead(206, { 'Content-Range': shown, 'Content-Length': end - start + 1 }).end(Buffer.from(data.subarray(start, end + 1)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.bin`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  cleanup();
});

async function sources(): Promise<ByteSource[]> {
  behaviour = {};
  return [
    new MemorySource(data),
    new BlobSource(new Blob([data])),
    await FileSource.open(path),
    await HttpSource.open(url, { retryDelayMs: 1 }),
  ];
}

describe('every source', () => {
  it('reads start, middle, end, past the end and nothing', async () => {
    for (const source of await sources()) {
      expect(source.size).toBe(5000);
      expect(await source.read(0, 10)).toEqual(data.subarray(0, 10));
      expect(await source.read(2345, 1000)).toEqual(data.subarray(2345, 3345));
      expect(await source.read(4990, 100)).toEqual(data.subarray(4990));
      expect(await source.read(6000, 10)).toHaveLength(0);
      expect(await source.read(10, 0)).toHaveLength(0);
      await source.close();
    }
  });

  it('scatter-reads into targets, stopping at the end', async () => {
    for (const source of await sources()) {
      const targets = Array.from({ length: 1500 }, () => new Uint8Array(3));
      const got = await readIntoTargets(source, 800, targets);
      expect(got).toBe(4200);
      const joined = new Uint8Array(4500);
      targets.forEach((t, i) => joined.set(t, i * 3));
      expect(joined.subarray(0, 4200)).toEqual(data.subarray(800));
      await source.close();
    }
  });
});

describe('FileSource', () => {
  it('writes in r+ mode and has no write otherwise', async () => {
    const copy = join(dir, 'copy.bin');
    writeFileSync(copy, data);
    const readOnly = await FileSource.open(copy);
    expect(readOnly.write).toBeUndefined();
    await readOnly.close();
    const rw = await FileSource.open(copy, { writable: true });
    await rw.write!(100, new Uint8Array([1, 2, 3]));
    expect(await rw.read(99, 5)).toEqual(new Uint8Array([data[99], 1, 2, 3, data[103]]));
    await rw.close();
    await rw.close();
  });
});

describe('HttpSource', () => {
  /** The error `promise` rejects with, which must be a BlockfileError with `code`. */
  async function failure(promise: Promise<unknown>, code: string): Promise<BlockfileError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BlockfileError);
    expect((error as BlockfileError).code).toBe(code);
    expect((error as BlockfileError).file).toBe(url);
    return error as BlockfileError;
  }

  it('learns the size from the first 240 bytes and keeps them: reading them needs no request', async () => {
    behaviour = {};
    requests = 0;
    const source = await HttpSource.open(url, { retryDelayMs: 1 });
    expect(source.size).toBe(5000);
    expect(requests).toBe(1);
    expect(await source.read(0, 240)).toEqual(data.subarray(0, 240));
    expect(await source.read(0, 1)).toEqual(data.subarray(0, 1));
    expect(requests).toBe(1);
    expect(await source.read(200, 100)).toEqual(data.subarray(200, 300));
    expect(requests).toBe(2);
  });

  it('opens a resource shorter than 240 bytes, whether the server cuts the range or answers 416', async () => {
    for (const noCut of [false, true]) {
      behaviour = { size: () => 100, noCut };
      const source = await HttpSource.open(url, { retryDelayMs: 1 });
      expect(source.size, `noCut: ${noCut}`).toBe(100);
      expect(await source.read(10, 200)).toEqual(data.subarray(10, 100));
    }
  });

  it('says so when the server ignores Range: HTTP_NO_RANGE', async () => {
    behaviour = { noRange: true };
    const error = await failure(HttpSource.open(url), 'HTTP_NO_RANGE');
    expect(error.message).toMatch(/^http:.*: server does not support HTTP Range requests/);
  });

  it('retries transient errors with back-off, then fails with HTTP_STATUS', async () => {
    behaviour = {};
    const source = await HttpSource.open(url, { retryDelayMs: 1 });
    behaviour = { failures: 2 };
    requests = 0;
    expect(await source.read(1000, 5)).toEqual(data.subarray(1000, 1005));
    expect(requests).toBe(3);
    behaviour = { failures: 10 };
    expect((await failure(source.read(1000, 5), 'HTTP_STATUS')).message).toMatch(/server answered 503/);
  });

  it('fails at once on an error status: HTTP_STATUS', async () => {
    for (const status of [404, 403]) {
      behaviour = { status };
      requests = 0;
      expect((await failure(HttpSource.open(url, { retryDelayMs: 1 }), 'HTTP_STATUS')).message).toMatch(new RegExp(`server answered ${status}`));
      expect(requests).toBe(1);
    }
  });

  it('notices a wrong Content-Range (HTTP_BAD_RANGE) and a file that changes size (HTTP_SIZE_CHANGED)', async () => {
    behaviour = {};
    const source = await HttpSource.open(url, { retryDelayMs: 1 });
    behaviour = { wrongRange: true };
    expect((await failure(source.read(1000, 5), 'HTTP_BAD_RANGE')).message).toMatch(/Content-Range "bytes 1001-1005\/5000" does not match the requested bytes 1000-1004/);
    expect((await failure(HttpSource.open(url), 'HTTP_BAD_RANGE')).message).toMatch(/Content-Range "bytes 1-240\/5000"/);
    behaviour = { size: () => 4000 };
    expect((await failure(source.read(1000, 5), 'HTTP_SIZE_CHANGED')).message).toMatch(/the file changed size while being read \(5000 → 4000 bytes\)/);
    // Shrunk below the range asked for: the server's 416 says so.
    behaviour = { size: () => 4000, noCut: true };
    await failure(source.read(4500, 5), 'HTTP_SIZE_CHANGED');
  });

  it('retries a body cut by the network, then fails with HTTP_NETWORK; so does a refused connection', async () => {
    behaviour = {};
    const source = await HttpSource.open(url, { retryDelayMs: 1, retries: 2 });
    behaviour = { cutBodies: 2 };
    expect(await source.read(1000, 3000)).toEqual(data.subarray(1000, 4000));
    behaviour = { cutBodies: 3 };
    expect((await failure(source.read(1000, 3000), 'HTTP_NETWORK')).message).toMatch(/reading the body failed/);
    // A port nothing listens on.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = `http://127.0.0.1:${port}/data.bin`;
    const error = await HttpSource.open(nowhere, { retryDelayMs: 1, retries: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockfileError);
    expect(error).toMatchObject({ code: 'HTTP_NETWORK', file: nowhere });
    expect((error as Error).message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/data\.bin: request failed/);
  });

  it('uses an injected fetch and honours abort', async () => {
    behaviour = {};
    let calls = 0;
    const source = await HttpSource.open(url, {
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    await source.read(1000, 4);
    expect(calls).toBe(2);
    const controller = new AbortController();
    controller.abort();
    await expect(source.read(1000, 4, controller.signal)).rejects.toThrow();
    await expect(source.read(0, 4, controller.signal)).rejects.toThrow();
    expect(calls).toBe(2);
  });
});

describe('a blockfile over HTTP', () => {
  it('loads as from memory', async () => {
    const { buildBlockfile } = await import('./helpers/build.js');
    const { loadBlockfile } = await import('../src/index.js');
    const { bytes, data: frames } = await buildBlockfile({ nx: 3, ny: 2, dpSize: 8 });
    const blo = createServer((req, res) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')!;
      const [start, end] = [Number(m[1]), Math.min(Number(m[2]), bytes.length - 1)];
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}` }).end(Buffer.from(bytes.subarray(start, end + 1)));
    });
    await new Promise<void>((resolve) => blo.listen(0, '127.0.0.1', resolve));
    try {
      const signal = await loadBlockfile(`http://127.0.0.1:${(blo.address() as AddressInfo).port}/scan.blo`);
      expect(signal.data).toEqual(frames);
      expect(signal.metadata.General.original_filename).toBe('scan.blo');
    } finally {
      await new Promise((resolve) => blo.close(resolve));
    }
  });
});
