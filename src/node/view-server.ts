/**
 * The server behind `blo view`: the built viewer and one blockfile, on the
 * loopback interface only, behind a random token (as Jupyter does). The
 * file is served by HTTP Range requests of bounded size; nothing else on
 * the machine can be reached through it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { BlockfileError } from '../format/errors.js';

/** Largest byte range one request may ask for: the viewer reads blocks of a few MiB. */
export const MAX_RANGE_BYTES = 64 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
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

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Only this machine, by its loopback names: a page elsewhere cannot rebind a name onto us.
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 403, 'forbidden host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
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
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
