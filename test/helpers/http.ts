/** A local HTTP server answering Range requests for one byte array, on 127.0.0.1. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function serveBytes(bytes: Uint8Array): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { 'Content-Length': bytes.length }).end(Buffer.from(bytes));
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), bytes.length - 1);
    res
      .writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': end - start + 1 })
      .end(Buffer.from(bytes.subarray(start, end + 1)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/scan.blo`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
