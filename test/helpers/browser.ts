/** Real headless Chromium (Debian's `chromium`) driven by playwright-core, where installed. */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { readFile } from 'node:fs/promises';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
export const CHROMIUM = process.env.CHROMIUM_PATH ?? CANDIDATES.find((p) => existsSync(p));

/**
 * Chromium's switches: as root, no sandbox; and no omnibox popup, a WebUI page
 * headless Chromium builds for every new window (about 2 s of CPU in a renderer
 * of its own and the browser process, on this project's 2-core machine),
 * which a user's browser builds once per window, not per page.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup'];

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.map': 'application/json' };

/**
 * Serves files under `root` and byte arrays at fixed paths, with Range
 * support for the arrays, on 127.0.0.1.
 */
export async function serveForBrowser(root: string, blobs: Record<string, Uint8Array>): Promise<{ origin: string; close: () => Promise<void> }> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const bytes = blobs[path];
    if (bytes) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!m) return res.writeHead(200, { 'Content-Length': bytes.length, 'Accept-Ranges': 'bytes' }).end(Buffer.from(bytes));
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), bytes.length - 1);
      return res
        .writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': end - start + 1 })
        .end(Buffer.from(bytes.subarray(start, end + 1)));
    }
    if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>test</title>');
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
