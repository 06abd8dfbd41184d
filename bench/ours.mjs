// One benchmark task with this project, in a fresh process: prints
// {"seconds", "rss_mb", "check"} as JSON. Run by bench/run.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, createNodeAnalysisPool, loadBlockfile, openBlockfile, writeBlockfile } from '../dist/node/index.js';
// The CLI's convert module is imported where used, as `blo convert` would load it.

const [task, file, ...rest] = process.argv.slice(2);
const out = mkdtempSync(join(tmpdir(), 'blo-bench-'));
const now = () => performance.now() / 1000;
let seconds;
let check;

/** The same pseudo-random positions as bench/reference.py. */
function positions(n, ny, nx) {
  let state = 12345; // MINSTD: exact in doubles
  const next = () => (state = (state * 48271) % 2147483647);
  return Array.from({ length: n }, () => [next() % ny, next() % nx]);
}

try {
  if (task === 'load') {
    const t = now();
    const s = await loadBlockfile(file);
    seconds = now() - t;
    check = s.data[s.data.length - 1] + s.data[12345];
  } else if (task === 'random-frames') {
    const t = now();
    const bf = await openBlockfile(file);
    const [ny, nx] = bf.shape;
    let sum = 0;
    for (const [y, x] of positions(Number(rest[0] ?? 1000), ny, nx)) sum += (await bf.frameAt(y, x))[100];
    seconds = now() - t;
    check = sum;
    await bf.close();
  } else if (task === 'first-pattern') {
    const t = now();
    const bf = await openBlockfile(file);
    const frame = await bf.frameAt(0, 0);
    seconds = now() - t;
    check = frame[100];
    await bf.close();
  } else if (task === 'virtual') {
    const t = now();
    const bf = await openBlockfile(file);
    const dp = bf.header.DP_SZ;
    const pool = createNodeAnalysisPool();
    const r = await analyze(bf, { virtual: [{ kind: 'disk', cx: dp / 2, cy: dp / 2, r: dp / 8 }] }, { pool });
    seconds = now() - t;
    check = r.virtual[0].reduce((a, b) => a + b, 0);
    await pool.close();
    await bf.close();
  } else if (task === 'to-npy') {
    const { convertCommand } = await import('../dist/cli/commands/convert.js');
    const t = now();
    await convertCommand(file, join(out, 'out.npy'), {}, () => undefined);
    seconds = now() - t;
    check = 0;
  } else if (task === 'write-blo') {
    const s = await loadBlockfile(file);
    const t = now();
    await writeBlockfile(join(out, 'out.blo'), s);
    seconds = now() - t;
    check = 0;
  } else {
    throw new Error(`unknown task ${task}`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ seconds, rss_mb: process.resourceUsage().maxRSS / 1024, check })}\n`);
process.exit(0);
