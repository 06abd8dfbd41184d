// How fast headless Chromium hands a local File to Web Workers, by method (the table "How fast
// Chromium hands a File to Web Workers" in BENCHMARKS.md): each configuration reads the whole file
// once per repeat in a fresh page, timed in the page; CPU is read from /proc for the browser process
// and the renderer (the page and its workers). Not part of `npm run bench`. After `npm run build`
// (the last rows use dist/'s BlobSource):
//   node bench/file-read-browser.mjs [FILE=bench-data/u8.blo] [REPEATS=1]
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pageDir = join(root, 'bench', 'file-read-browser');
const file = process.argv[2] ?? join(root, 'bench-data', 'u8.blo');
const repeats = Number(process.argv[3] ?? 1);
const MiB = 2 ** 20;

const BYTES = '`slice().arrayBuffer()`';
const FRS = '`FileReaderSync.readAsArrayBuffer`';
const STREAM = '`slice().stream()`, default reader';
const BYOB = '`slice().stream()`, BYOB reader into a reused 4 MiB buffer';
const PAGE = 'main thread `slice().arrayBuffer()`, transferred to 2 workers';
/** The table's rows: `slice` in MiB, `workers` × `inflight` reads at once in each (for `page`, the page's). */
const CONFIGS = [
  ...[1, 4, 16, 64].map((slice) => ({ label: BYTES, method: 'arrayBuffer', slice, workers: 1, inflight: 1 })),
  { label: BYTES, method: 'arrayBuffer', slice: 16, workers: 2, inflight: 2 },
  { label: BYTES, method: 'arrayBuffer', slice: 16, workers: 4, inflight: 1 },
  ...[4, 16, 64].map((slice) => ({ label: FRS, method: 'frs', slice, workers: 1, inflight: 1 })),
  { label: FRS, method: 'frs', slice: 16, workers: 2, inflight: 1 },
  { label: STREAM, method: 'stream', slice: 16, workers: 1, inflight: 1 },
  { label: STREAM, method: 'stream', slice: 16, workers: 2, inflight: 1 },
  { label: BYOB, method: 'byob', slice: 16, workers: 1, inflight: 1 },
  { label: BYOB, method: 'byob', slice: 16, workers: 1, inflight: 2 },
  { label: BYOB, method: 'byob', slice: 16, workers: 2, inflight: 1 },
  { label: BYOB, method: 'byob', slice: 16, workers: 4, inflight: 1 },
  { label: BYOB, method: 'byob', slice: 64, workers: 1, inflight: 1 },
  ...[64, 128, 512].map((slice) => ({ label: BYOB, method: 'byob', slice, workers: 2, inflight: 1 })),
  // More long streams at once than the 2 cores.
  { label: BYOB, method: 'byob', slice: 128, workers: 3, inflight: 1 },
  { label: BYOB, method: 'byob', slice: 128, workers: 4, inflight: 1 },
  { label: PAGE, method: 'page', slice: 16, workers: 2, inflight: 1 },
  { label: PAGE, method: 'page', slice: 16, workers: 2, inflight: 2 },
  { label: PAGE, method: 'page', slice: 64, workers: 2, inflight: 1 },
  // BlobSource.readInto in 16 MiB reads, one after another in each of 2 workers; `ahead` as the
  // viewer's workers stream (STREAM_AHEAD in src/analysis/worker-pool.ts).
  { label: '`BlobSource.readInto` in 16 MiB reads, 2 workers, each read its own stream', method: 'source', slice: 16, workers: 2, inflight: 1, ahead: 0 },
  { label: 'the same with `streamAhead` (one stream continued)', method: 'source', slice: 16, workers: 2, inflight: 1, ahead: 512 },
  { label: 'the same, 15 ms of work after each read (as a pass reduces)', method: 'source', slice: 16, workers: 2, inflight: 1, ahead: 512, work: 15 },
  { label: 'the same, and two small reads (240 and 512 bytes) before each', method: 'source', slice: 16, workers: 2, inflight: 1, ahead: 512, work: 15, small: true },
  { label: 'the same with `streamAhead`, 4 workers', method: 'source', slice: 16, workers: 4, inflight: 1, ahead: 512 },
];

/** The page, its worker and dist/ (the worker imports BlobSource from it), on a free port of 127.0.0.1. */
async function serve() {
  const types = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url, 'http://localhost').pathname);
    const local = path === '/' ? join(pageDir, 'index.html') : path.startsWith('/dist/') ? join(root, path) : join(pageDir, path);
    try {
      const body = readFileSync(local);
      res.setHeader('content-type', types[local.slice(local.lastIndexOf('.'))] ?? 'application/octet-stream');
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * CPU ticks so far of this process's descendants (the Chromium it launched, not any other one running
 * on the machine), summed by Chromium process type: `browser` (no --type) and `renderer`.
 */
function cpuTicks() {
  const procs = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      // After the command name: state, ppid, … utime (12th), stime (13th).
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      procs.set(Number(pid), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // Gone meanwhile.
    }
  }
  const ours = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of procs) {
      if (ours.has(pid) || !ours.has(p.ppid)) continue;
      ours.add(pid);
      grew = true;
    }
  }
  const byType = { browser: 0, renderer: 0 };
  for (const pid of ours) {
    if (pid === process.pid) continue;
    try {
      const type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
      if (type in byType) byType[type] += procs.get(pid).ticks;
    } catch {
      // Gone meanwhile.
    }
  }
  return byType;
}

/** One configuration read once in a fresh page: MB/s and CPU % of one core. */
async function measure(browser, url, config) {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.locator('#file').setInputFiles(file);
    await page.evaluate((n) => window.start(n), config.workers);
    const before = cpuTicks();
    const t0 = performance.now();
    const { bytes, ms } = await page.evaluate((c) => window.measure(c), { ...config, slice: config.slice * MiB, ahead: (config.ahead ?? 0) * MiB });
    const seconds = (performance.now() - t0) / 1000;
    const after = cpuTicks();
    if (bytes !== size) throw new Error(`read ${bytes} bytes of ${size}`);
    const cpu = (type) => (100 * (after[type] - before[type])) / TICKS / seconds;
    return { mbs: bytes / 1e6 / (ms / 1000), browser: cpu('browser'), renderer: cpu('renderer') };
  } finally {
    await page.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const utc = (d) => d.toISOString().slice(0, 16).replace('T', ' ');

if (!CHROMIUM || !existsSync(file) || !existsSync(join(root, 'dist', 'sources', 'blob.js'))) {
  const why = !CHROMIUM ? 'no Chromium found (set CHROMIUM_PATH)' : !existsSync(file) ? `no ${file}` : 'no dist/ (run `npm run build` first)';
  console.log(`Not measured: ${why}.`);
  process.exit(0);
}

// The table is of a file in the page cache.
for await (const _ of createReadStream(file, { highWaterMark: 16 * MiB }));
const { size } = statSync(file);
const { chromium } = await import('playwright-core');
const server = await serve();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const version = browser.version();
const start = new Date();
const loads = [];
const runs = CONFIGS.map(() => []);
const failures = [];
try {
  // Repeats interleaved, so a change of load touches every row alike.
  for (let rep = 0; rep < repeats; rep++) {
    for (const [i, config] of CONFIGS.entries()) {
      loads.push(loadavg()[0]);
      try {
        runs[i].push(await measure(browser, server.url, config));
      } catch (error) {
        failures.push(`row ${i + 1}, run ${rep + 1}: ${error.message.split('\n')[0]}`);
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}

const lines = ['| method | slice | workers × reads in flight | MB/s | CPU browser / renderer |', '|---|---:|---|---:|---|'];
CONFIGS.forEach((c, i) => {
  const label = i > 0 && CONFIGS[i - 1].label === c.label ? 'the same' : c.label;
  const slice = c.method === 'source' ? `${c.slice} MiB reads` : `${c.slice} MiB`;
  const shape = c.method === 'page' ? `${c.inflight} in flight` : `${c.workers} × ${c.inflight}`;
  const r = runs[i];
  if (!r.length) return lines.push(`| ${label} | ${slice} | ${shape} | failed | |`);
  const mbs = r.map((x) => x.mbs);
  const range = r.length > 1 ? ` (${Math.min(...mbs).toFixed(0)}–${Math.max(...mbs).toFixed(0)})` : '';
  const cpu = `${median(r.map((x) => x.browser)).toFixed(0)} / ${median(r.map((x) => x.renderer)).toFixed(0)} %`;
  lines.push(`| ${label} | ${slice} | ${shape} | ${median(mbs).toFixed(0)}${range} | ${cpu} |`);
});
const [lo, hi] = [Math.min(...loads), Math.max(...loads)].map((v) => v.toFixed(1));
console.log(`**How fast Chromium hands a File to Web Workers.** ${basename(file)} (${(size / 1e6).toFixed(0)} MB, in the page cache) read whole
in headless Chromium ${version}, ${repeats === 1 ? 'each configuration once' : `the median of ${repeats} runs (their range in brackets)`},
${utc(start)}–${utc(new Date()).slice(11)} UTC, load average (1 min) ${lo}–${hi} on ${cpus().length} cores. "Slices" are
\`blob.slice(a, b)\` of that size; workers split the file into contiguous parts; CPU is of the browser process
(\`browser\`) and the renderer (the page and its workers), in % of one core:

${lines.join('\n')}${failures.length ? `\n\nFailed: ${failures.join('; ')}.` : ''}`);
