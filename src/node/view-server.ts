/**
 * The server behind `blo view`: the built viewer and one blockfile, on the
 * loopback interface only, behind a random token (as Jupyter does). The
 * file is served by HTTP Range requests of bounded size; nothing else on
 * the machine can be reached through it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { analyze, type AnalysisPool } from '../analysis/engine.js';
import type { AnalysisRequest } from '../analysis/request.js';
import { encodeWireMessage, type WireMessage } from '../analysis/wire.js';
import { BlockfileError } from '../format/errors.js';
import type { Blockfile } from '../reader/blockfile.js';
import { createNodeAnalysisPool } from './analysis-pool.js';
import { openBlockfile } from './open.js';

/** Largest byte range one request may ask for: the viewer reads blocks of a few MiB. */
export const MAX_RANGE_BYTES = 64 * 1024 * 1024;

/** Largest analysis request body (a mask detector has one weight per pattern pixel). */
export const MAX_ANALYSIS_REQUEST_BYTES = 64 * 1024 * 1024;

/** Where the viewer asks the server to run an analysis pass over the served file. */
export const ANALYZE_PATH = '/api/analyze';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  // moyo's symmetry finder, fetched for CIFs listed in P 1; compiled as it streams in only with this type.
  '.wasm': 'application/wasm',
};

export interface ViewServer {
  /** The URL to open: it carries the token. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export interface ViewServerOptions {
  port?: number;
  /** Folder of the built viewer (default: dist/viewer beside this module). */
  viewerDir?: string;
  token?: string;
  /** Worker threads for analysis passes run here (default: one per core; 0 runs them in the server's thread). */
  workers?: number;
}

function defaultViewerDir(): string {
  return fileURLToPath(new URL('../viewer/', import.meta.url));
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === 'blo_token') return v;
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers }).end(`${text}\n`);
}

/**
 * Parses one `bytes=` range against `size`; a string says why it cannot be
 * served; `undefined` means the header is to be ignored (a unit other than
 * bytes: HTTP says to ignore it and answer as without a Range).
 */
export function parseRange(header: string, size: number): { start: number; end: number } | string | undefined {
  const unit = /^\s*([^\s=]*)\s*=/.exec(header);
  if (!unit || unit[1].toLowerCase() !== 'bytes') return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)-(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return 'only single byte ranges (bytes=A-B) are served';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Number(m[2]);
  }
  // Clamped to the file first: the bound applies to the bytes that would be sent.
  end = Math.min(end, size - 1);
  if (start >= size || end < start) return `range ${header} is outside the file's ${size} bytes`;
  if (end - start + 1 > MAX_RANGE_BYTES) return `ranges are limited to ${MAX_RANGE_BYTES} bytes`;
  return { start, end };
}

/** Starts serving `file` with the viewer; resolves once listening. */
export async function startViewServer(file: string, options: ViewServerOptions = {}): Promise<ViewServer> {
  const info = await stat(file).catch((cause) => {
    throw new BlockfileError('READ_FAILED', file, (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message, { cause });
  });
  if (!info.isFile()) throw new BlockfileError('READ_FAILED', file, 'not a regular file');
  // Fail now, not on the first request, if the file cannot be read.
  await (await open(file, 'r')).close();
  const viewerDir = normalize(options.viewerDir ?? defaultViewerDir());
  const index = await readFile(join(viewerDir, 'index.html')).catch(() => {
    throw new BlockfileError('UNSUPPORTED', viewerDir, 'the viewer is not built; run `npm run build`');
  });
  const token = options.token ?? randomBytes(24).toString('base64url');
  const name = basename(file);
  const filePath = `/files/${encodeURIComponent(name)}`;
  let port = 0;

  // Analysis passes over the file run here, on worker threads reading it from the page cache,
  // as `blo virtual` does: the browser then receives results, not the file's bytes.
  let analysis: { blockfile: Promise<Blockfile>; pool: AnalysisPool | undefined } | undefined;
  const analysisState = () => {
    if (!analysis) {
      const blockfile = openBlockfile(file);
      blockfile.catch(() => undefined);
      // Run from the TypeScript sources (tests), there is no compiled worker script: passes run in this thread.
      const threads = options.workers !== 0 && existsSync(fileURLToPath(new URL('./analysis-worker.js', import.meta.url)));
      const pool = threads ? createNodeAnalysisPool(options.workers) : undefined;
      // A newer request goes first and stops the running tasks of older ones (they run again after): the image a
      // user just asked for does not wait behind the opening's mean intensity.
      if (pool) pool.preempt = true;
      analysis = { blockfile, pool };
    }
    return analysis;
  };
  /** Requests so far: each one's priority over those before it. */
  let requests = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Only this machine, by its loopback names: a page elsewhere cannot rebind a name onto us.
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 403, 'forbidden host');
    const post = req.method === 'POST' && (req.url ?? '').split('?')[0] === ANALYZE_PATH;
    if (req.method !== 'GET' && req.method !== 'HEAD' && !post) return send(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${host}`);
    } catch {
      return send(res, 400, 'malformed request target');
    }
    const given = url.searchParams.get('token') ?? cookieToken(req);
    if (given === null || given === undefined) return send(res, 401, 'a token is required: open the URL that `blo view` printed');
    if (!same(given, token)) return send(res, 403, 'wrong token');
    const headers: Record<string, string> = {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Set-Cookie': `blo_token=${token}; HttpOnly; SameSite=Strict; Path=/`,
    };
    const path = url.pathname;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html'] });
      return void res.end(req.method === 'HEAD' ? undefined : index);
    }
    if (path === filePath) return serveFile(req, res, headers);
    if (path === ANALYZE_PATH) {
      if (req.method !== 'POST') return send(res, 405, 'method not allowed', { ...headers, Allow: 'POST' });
      return serveAnalysis(req, res, headers);
    }
    if (path.startsWith('/assets/')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(path);
      } catch {
        return send(res, 400, 'malformed percent-encoding in the path');
      }
      const target = normalize(join(viewerDir, decoded));
      if (!target.startsWith(join(viewerDir, 'assets') + sep)) return send(res, 404, 'not found');
      const body = await readFile(target).catch(() => undefined);
      if (!body) return send(res, 404, 'not found');
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream' });
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    return send(res, 404, 'not found');
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): Promise<void> => {
    const { size } = await stat(file);
    const common = { ...headers, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
    const rangeHeader = req.headers.range;
    let range = rangeHeader ? parseRange(rangeHeader, size) : undefined;
    const partial = range !== undefined;
    range ??= size <= MAX_RANGE_BYTES ? { start: 0, end: size - 1 } : `the file is ${size} bytes: ask for ranges of at most ${MAX_RANGE_BYTES}`;
    if (typeof range === 'string') return send(res, 416, range, { 'Content-Range': `bytes */${size}` });
    const length = range.end - range.start + 1;
    res.writeHead(partial ? 206 : 200, {
      ...common,
      'Content-Length': String(length),
      ...(partial ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || length === 0) return void res.end();
    // pipeline destroys the file stream (closing its descriptor) when the client goes away.
    pipeline(createReadStream(file, { start: range.start, end: range.end }), res, () => {});
  };

  const serveAnalysis = async (req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): Promise<void> => {
    // JSON only: a form on another site cannot send it, and fetch from another origin needs a preflight we do not answer.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, 'send the analysis request as application/json', headers);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > MAX_ANALYSIS_REQUEST_BYTES) return send(res, 413, `analysis requests are limited to ${MAX_ANALYSIS_REQUEST_BYTES} bytes`, { ...headers, Connection: 'close' });
      chunks.push(chunk);
    }
    let body: { request?: AnalysisRequest; order?: string };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return send(res, 400, 'the analysis request is not JSON', headers);
    }
    if (typeof body?.request !== 'object' || body.request === null) return send(res, 400, 'the analysis request has no "request" object', headers);
    const abort = new AbortController();
    res.on('close', () => abort.abort(new Error('the viewer went away')));
    res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream' });
    const write = (message: WireMessage) => {
      if (!res.destroyed) res.write(encodeWireMessage(message));
    };
    let lastProgress = 0;
    try {
      const state = analysisState();
      const blockfile = await state.blockfile;
      const result = await analyze(blockfile, body.request, {
        pool: state.pool,
        signal: abort.signal,
        order: body.order === 'sequential' ? 'sequential' : 'interleaved',
        priority: ++requests,
        // Ranges of about 32 MiB: partial results often enough to redraw while the pass runs.
        pieces: Math.max(state.pool ? state.pool.size * 4 : 1, Math.ceil(blockfile.source.size / (32 * 2 ** 20))),
        onProgress: ({ frames, totalFrames }) => {
          const now = performance.now();
          if (now - lastProgress < 40 && frames < totalFrames) return;
          lastProgress = now;
          write({ type: 'progress', frames, totalFrames });
        },
        onPartial: (partial) => write({ type: 'partial', partial }),
      });
      write({ type: 'result', result });
    } catch (error) {
      if (abort.signal.aborted) return void res.destroy();
      const e = error as Partial<BlockfileError>;
      write({ type: 'error', error: { message: String(e?.message ?? error), code: e?.code, file: e?.file } });
    }
    res.end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'server error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new BlockfileError('BAD_OPTION', file, error.code === 'EADDRINUSE' ? `port ${options.port} is in use; choose another with --port` : error.message)),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}&file=${encodeURIComponent(name)}`,
    port,
    token,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      const state = analysis;
      analysis = undefined;
      await state?.pool?.close();
      await (await state?.blockfile.catch(() => undefined))?.close();
    },
  };
}
