/**
 * Opening a blockfile over HTTP from real static servers started here:
 * `vite preview` (sirv, which answers `Range: bytes=0-0` with the whole
 * length) and nginx. Each must give the same header, note, navigator and
 * frames as the file itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlockfile as openUrl } from '../src/index.js';
import { openBlockfile as openPath } from '../src/node/open.js';
import type { Blockfile } from '../src/reader/blockfile.js';
import { buildBlockfile } from './helpers/build.js';
import { tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir();
const www = join(dir, 'www');
const file = join(www, 'scan.blo');
let local: Blockfile;

beforeAll(async () => {
  mkdirSync(www);
  const { bytes } = await buildBlockfile({ nx: 21, ny: 13, dpSize: 32 });
  writeFileSync(file, bytes);
  local = await openPath(file);
});
afterAll(async () => {
  await local?.close();
  cleanup();
});

/** Header, note, shape, navigator and every frame (by blocks, and a few by position) read from `url` equal the file's. */
async function expectSameAsFile(url: string): Promise<void> {
  const remote = await openUrl(url);
  try {
    expect(remote.header).toEqual(local.header);
    expect(remote.note).toBe(local.note);
    expect(remote.shape).toEqual(local.shape);
    expect(remote.shape).toEqual([13, 21, 32, 32]);
    expect(await remote.navigator()).toEqual(await local.navigator());
    const frames = async (bf: Blockfile) => {
      const parts: number[][] = [];
      for await (const block of bf.blocks()) parts.push(Array.from(block.data));
      return parts.flat();
    };
    const [a, b] = [await frames(remote), await frames(local)];
    expect(a.length).toBe(13 * 21 * 32 * 32);
    expect(a).toEqual(b);
    for (const [y, x] of [[0, 0], [12, 20], [6, 3]]) expect(await remote.frameAt(y, x)).toEqual(await local.frameAt(y, x));
  } finally {
    await remote.close();
  }
}

/** A loopback port free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('vite preview (sirv)', () => {
  let server: Awaited<ReturnType<typeof import('vite').preview>> | undefined;
  let base = '';
  beforeAll(async () => {
    const { preview } = await import('vite');
    server = await preview({
      configFile: false,
      root: www,
      logLevel: 'silent',
      build: { outDir: www },
      preview: { host: '127.0.0.1', port: await freePort(), strictPort: true, open: false },
    });
    base = server.resolvedUrls!.local[0];
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers bytes=0-0 with more than one byte, which is why the size is not probed that way', async () => {
    const answer = await fetch(`${base}scan.blo`, { headers: { Range: 'bytes=0-0' } });
    await answer.arrayBuffer();
    expect(answer.status).toBe(206);
    expect(answer.headers.get('Content-Range')).not.toMatch(/^bytes 0-0\//);
  });

  it('serves a blockfile that openBlockfile(url) reads as the file', async () => {
    await expectSameAsFile(`${base}scan.blo`);
  });
});

/** The nginx binary on PATH or in the sbin folders, if any. */
function findNginx(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    try {
      accessSync(join(d, 'nginx'), constants.X_OK);
      return join(d, 'nginx');
    } catch {
      // not here
    }
  }
  return undefined;
}

const NGINX = findNginx();
if (!NGINX) console.warn('skipping the nginx test: no nginx binary found (apt-get install nginx-light)');

describe.skipIf(!NGINX)('nginx', () => {
  let child: ChildProcess | undefined;
  let base = '';
  const prefix = join(dir, 'nginx');

  /** Starts nginx on `port`; resolves once it answers, or rejects with what it printed. */
  async function start(port: number): Promise<void> {
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((m) => `  ${m}_temp_path ${join(prefix, m)};`).join('\n');
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(
      conf,
      [
        'daemon off;',
        'master_process off;',
        'worker_processes 1;',
        `pid ${join(prefix, 'nginx.pid')};`,
        'error_log stderr warn;',
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        temp,
        '  types { application/octet-stream blo; }',
        `  server { listen 127.0.0.1:${port}; root ${www}; }`,
        '}',
        '',
      ].join('\n'),
    );
    const proc = spawn(NGINX!, ['-p', prefix, '-c', conf, '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout!.on('data', (c: Buffer) => (output += c));
    proc.stderr!.on('data', (c: Buffer) => (output += c));
    let exited = false;
    proc.on('exit', () => (exited = true));
    for (let i = 0; i < 200; i++) {
      if (exited) throw new Error(`nginx exited: ${output.trim()}`);
      const ok = await fetch(`http://127.0.0.1:${port}/scan.blo`, { method: 'HEAD' }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    proc.kill('SIGTERM');
    throw new Error(`nginx did not answer in 10 s: ${output.trim()}`);
  }

  beforeAll(async () => {
    mkdirSync(prefix);
    let lastError: unknown;
    // The free port may be taken between finding it and nginx binding it: a few tries.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      try {
        await start(port);
        base = `http://127.0.0.1:${port}/`;
        return;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('serves a blockfile that openBlockfile(url) reads as the file', async () => {
    await expectSameAsFile(`${base}scan.blo`);
  });
});
