/**
 * The `blo view` server's HTTP edges: descriptors released when a client
 * aborts (under a real descriptor limit), malformed paths, ranges clamped
 * to the file before the cap, unknown range units, the Host check's case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RANGE_BYTES, startViewServer, type ViewServer } from '../src/node/view-server.js';
import { tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const VIEWER = join(REPO_ROOT, 'dist', 'viewer');
const { dir, cleanup } = tempDir();
afterAll(() => cleanup());

interface Answer {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw HTTP GET (fetch would fix the Host header for us), bounded in time. */
function get(url: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Starts a GET, waits for the status line and the first body bytes, then drops the connection. */
function abortedGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = request(url, { headers, timeout: 10_000 }, (res) => {
      res.on('error', () => {});
      res.once('data', () => {
        settled = true;
        req.destroy();
        resolve(res.statusCode!);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', (e) => {
      if (!settled) reject(e);
    });
    req.end();
  });
}

/** A sparse file of `size` bytes whose first bytes are `head`. */
function sparseFile(path: string, size: number, head: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    writeSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
}

const head = Uint8Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) & 0xff);

describe('blo view server: requests at the edges', () => {
  const file = join(dir, 'edges.blo');
  const size = 10_000;
  let server: ViewServer;
  let auth: Record<string, string>;
  beforeAll(async () => {
    sparseFile(file, size, head);
    server = await startViewServer(file, { viewerDir: VIEWER });
    auth = { Cookie: `blo_token=${server.token}` };
  });
  afterAll(() => server?.close());
  const at = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  it('answers 400 to a malformed percent-encoding, and keeps serving', async () => {
    for (const path of ['/assets/%E0%A4%A', '/assets/%', '/assets/a%zz.js']) {
      const answer = await get(at(path), auth);
      expect(answer.status, path).toBe(400);
    }
    expect((await get(at('/files/edges.blo'), { ...auth, Range: 'bytes=0-9' })).status).toBe(206);
  });

  it('clamps a range that starts inside the file to the file before applying the cap', async () => {
    const answer = await get(at('/files/edges.blo'), { ...auth, Range: 'bytes=4000-99999999' });
    expect(answer.status).toBe(206);
    expect(answer.headers['content-range']).toBe(`bytes 4000-${size - 1}/${size}`);
    expect(answer.body.length).toBe(size - 4000);
    expect(answer.body.subarray(0, 96)).toEqual(Buffer.from(head.subarray(4000)));
    const tail = await get(at('/files/edges.blo'), { ...auth, Range: `bytes=${size - 1}-${10 * MAX_RANGE_BYTES}` });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes ${size - 1}-${size - 1}/${size}`);
    // Outside the file stays unsatisfiable, with the size for the client.
    const outside = await get(at('/files/edges.blo'), { ...auth, Range: `bytes=${size}-99999999` });
    expect(outside.status).toBe(416);
    expect(outside.headers['content-range']).toBe(`bytes */${size}`);
  });

  it('ignores a range unit other than bytes, as HTTP says: the whole file', async () => {
    for (const range of ['items=0-9', 'lines=5-', 'x']) {
      const answer = await get(at('/files/edges.blo'), { ...auth, Range: range });
      expect(answer.status, range).toBe(200);
      expect(answer.headers['content-range'], range).toBeUndefined();
      expect(answer.body.length, range).toBe(size);
    }
    // The unit itself is case-insensitive.
    const upper = await get(at('/files/edges.blo'), { ...auth, Range: 'Bytes=0-9' });
    expect(upper.status).toBe(206);
    expect(upper.body).toEqual(Buffer.from(head.subarray(0, 10)));
  });

  it('compares the Host without regard to case', async () => {
    for (const host of [`LOCALHOST:${server.port}`, `Localhost:${server.port}`, `127.0.0.1:${server.port}`]) {
      expect((await get(at('/'), { ...auth, Host: host })).status, host).toBe(200);
    }
    expect((await get(at('/'), { ...auth, Host: `EVIL.example:${server.port}` })).status).toBe(403);
  });
});

describe('blo view server: a file over the cap', () => {
  const file = join(dir, 'big.blo');
  let server: ViewServer;
  beforeAll(async () => {
    sparseFile(file, MAX_RANGE_BYTES + 1000, head);
    server = await startViewServer(file, { viewerDir: VIEWER });
  });
  afterAll(() => server?.close());

  it('refuses a range over the cap, and an unknown range unit like a request without Range: 416', async () => {
    const auth = { Cookie: `blo_token=${server.token}` };
    const url = `http://127.0.0.1:${server.port}/files/big.blo`;
    const tooMuch = await get(url, { ...auth, Range: `bytes=10-${MAX_RANGE_BYTES + 10}` });
    expect(tooMuch.status).toBe(416);
    expect(String(tooMuch.body)).toMatch(/ranges are limited/);
    for (const headers of [auth, { ...auth, Range: 'items=0-9' }]) {
      const answer = await get(url, headers);
      expect(answer.status).toBe(416);
      expect(answer.headers['content-range']).toBe(`bytes */${MAX_RANGE_BYTES + 1000}`);
    }
  });
});

const hasBash = existsSync('/bin/bash');
if (!hasBash) console.warn('skipping the descriptor-limit test: no /bin/bash to set `ulimit -n`');

describe.skipIf(!hasBash)('blo view under a descriptor limit', () => {
  const LIMIT = 120;
  const ABORTS = 150;
  // A whole-file download of this size is still in flight when the client drops it.
  const file = join(dir, 'whole.blo');
  let child: ChildProcess | undefined;
  let url = '';
  beforeAll(async () => {
    sparseFile(file, MAX_RANGE_BYTES, head);
    child = spawn('/bin/bash', ['-c', `ulimit -n ${LIMIT} && exec "$0" "$@"`, process.execPath, join(REPO_ROOT, 'bin', 'blo.js'), 'view', file, '--no-open'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`blo view printed no URL: ${text}`)), 30_000);
      child!.stdout!.on('data', (c: Buffer) => {
        text += c;
        const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=([^&\s]+)/.exec(text);
        if (m) {
          clearTimeout(timer);
          resolve(`${m[1]}/files/whole.blo?token=${m[2]}`);
        }
      });
      child!.stderr!.on('data', (c: Buffer) => (text += c));
      child!.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`blo view exited: ${text}`));
      });
    });
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  /** Descriptors of the server process that are open on the served file. */
  function openOnFile(): number {
    const fds = `/proc/${child!.pid}/fd`;
    let n = 0;
    for (const fd of readdirSync(fds)) {
      try {
        if (readlinkSync(join(fds, fd)) === file) n++;
      } catch {
        // closed meanwhile
      }
    }
    return n;
  }

  it(`releases the file after each of ${ABORTS} aborted whole-file downloads, and still answers`, async () => {
    // The limit is real: the server process carries it.
    if (existsSync(`/proc/${child!.pid}/limits`)) {
      expect(readFileSync(`/proc/${child!.pid}/limits`, 'utf8')).toMatch(new RegExp(`Max open files\\s+${LIMIT}\\s`));
    }
    const statuses: number[] = [];
    for (let i = 0; i < ABORTS; i += 5) {
      statuses.push(...(await Promise.all(Array.from({ length: Math.min(5, ABORTS - i) }, () => abortedGet(url, {})))));
    }
    expect(statuses).toHaveLength(ABORTS);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // The descriptors go once the server has seen the connections close.
    if (existsSync(`/proc/${child!.pid}/fd`)) {
      let open = openOnFile();
      for (let i = 0; i < 100 && open > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        open = openOnFile();
      }
      expect(open).toBe(0);
    }
    const answer = await get(url, { Range: 'bytes=0-4095' });
    expect(answer.status).toBe(206);
    expect(answer.body).toEqual(Buffer.from(head));
  }, 120_000);
});
