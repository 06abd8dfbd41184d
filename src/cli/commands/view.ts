/** `blo view FILE.blo [--port N] [--no-open]`: the viewer in a browser, served from this machine only. */
import { spawn } from 'node:child_process';
import { startViewServer } from '../../node/view-server.js';
import { numberOption } from '../numbers.js';

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // no browser to open: the printed URL is enough
    child.unref();
  } catch {
    // as above
  }
}

export async function viewCommand(file: string, options: { port?: string; open?: boolean }, out: (line: string) => void): Promise<void> {
  let port: number | undefined;
  if (options.port !== undefined) {
    port = numberOption('--port', options.port, { integer: true, min: 0, max: 65535 });
  }
  const server = await startViewServer(file, { port });
  out(`Serving ${file} at 127.0.0.1 only. Open this URL (it carries the access token):`);
  out(`    ${server.url}`);
  out('Press Ctrl+C to stop.');
  if (options.open !== false) openBrowser(server.url);
  await new Promise<void>((resolve) => {
    // Ctrl+C may arrive twice (from the terminal and from a parent such as `npm start`): stop once.
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
