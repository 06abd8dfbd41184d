// Orientation indexing in the viewer (headless Chromium, a local File, the analysis Web Workers) beside
// `blo index` on the same file, in the same run: each one's own "indexed N patterns in S s" (library
// build and matching, without process or page start-up), interleaved. After `npm run build`:
//   node bench/orientation-browser.mjs [SCAN.blo] [PHASE.cif …] [--pixel-size 0.025] [--repeats 2]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args.splice(at, 2)[1];
};
const pixel = option('--pixel-size', '0.025');
const repeats = Number(option('--repeats', '2'));
const scan = args.find((a) => a.endsWith('.blo')) ?? join(root, 'bench-data', 'indexing', 'cu-fe-32.blo');
const cifs = args.filter((a) => a.endsWith('.cif'));
const phases = cifs.length ? cifs : [join(root, 'examples', 'Cu.cif'), join(root, 'examples', 'ferrite.cif')];
const seconds = (line) => Number(/indexed \d+ patterns in ([\d.]+) s/.exec(line)?.[1]);

function cli() {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'blo.js'), 'index', scan, ...phases.flatMap((p) => ['--phase', p]), '--pixel-size', pixel, '-o', '/tmp/blo-bench-orientation.ctf', '--overwrite'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return seconds(r.stdout);
}

async function viewer(browser, server) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(`${server.url.replace(/&file=.*/, '')}#cal=${pixel}`);
    await page.getByTestId('file-input').setInputFiles(scan);
    await page.getByTestId('pattern-label').filter({ hasText: 'pattern at' }).waitFor();
    for (const p of phases) await page.getByTestId('phase-input').setInputFiles(p);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="phase-list"] [data-testid^="phase-summary-"]').length === n, phases.length);
    await page.getByTestId('index-run').click();
    const status = page.getByTestId('index-status');
    await status.filter({ hasText: /^indexed/ }).waitFor({ timeout: 600_000 });
    return seconds(await status.textContent());
  } finally {
    await page.close();
  }
}

if (!CHROMIUM || !existsSync(scan)) {
  console.log(`Not measured: ${!CHROMIUM ? 'no Chromium found (set CHROMIUM_PATH)' : `no ${scan} (bench/indexing.mjs simulates it)`}.`);
} else {
  const { chromium } = await import('playwright-core');
  const { startViewServer } = await import(join(root, 'dist', 'node', 'index.js'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const server = await startViewServer(scan);
  const load = loadavg()[0];
  const times = { cli: [], viewer: [] };
  try {
    for (let i = 0; i < repeats; i++) {
      times.cli.push(cli());
      times.viewer.push(await viewer(browser, server));
      console.error(`run ${i + 1}: blo index ${times.cli.at(-1)} s, viewer ${times.viewer.at(-1)} s`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const best = (xs) => Math.min(...xs);
  console.log(`Orientation indexing of ${basename(scan)} (${phases.map((p) => basename(p)).join(', ')}, the default library: 0.5° templates screened at 1°, ${pixel} Å⁻¹/px) on ${availableParallelism()} cores, load average ${load.toFixed(1)} at the start;
each route's own "indexed … in S s" (library and matching), the best of ${repeats}, interleaved:

| route | best s | runs s | ÷ CLI |
|---|---:|---|---:|
| \`blo index\` (worker threads) | ${best(times.cli).toFixed(1)} | ${times.cli.map((t) => t.toFixed(1)).join(', ')} | 1.00 |
| viewer, local File (Web Workers) | ${best(times.viewer).toFixed(1)} | ${times.viewer.map((t) => t.toFixed(1)).join(', ')} | ${(best(times.viewer) / best(times.cli)).toFixed(2)} |`);
}
