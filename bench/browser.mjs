// The viewer's virtual image of a whole file in headless Chromium, beside `blo virtual`'s
// whole-process time for the same file in the same run: through `blo view` (the server runs the
// pass next to the file) and from a local File (Web Workers read it; the first pass after opening
// reads the File, later ones what the workers kept). Run by bench/run.mjs, or alone:
//   node bench/browser.mjs FILE [REPEATS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** How long one image may take before the measurement fails (not hangs): BENCH_BROWSER_TIMEOUT seconds. */
const STEP_MS = 1000 * Number(process.env.BENCH_BROWSER_TIMEOUT ?? 300);

/** `promise`, or a rejection naming `what` after STEP_MS (or when the page crashes). */
function bounded(page, promise, what) {
  let timer;
  let onCrash;
  const fail = new Promise((_, reject) => {
    // A little after the page's own limit, whose message says more.
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${STEP_MS / 1000} s`)), STEP_MS + 5000);
    onCrash = () => reject(new Error(`${what}: the page crashed`));
    page.once('crash', onCrash);
  });
  return Promise.race([promise, fail]).finally(() => {
    clearTimeout(timer);
    page.off('crash', onCrash);
  });
}

/**
 * Seconds from releasing the mouse after drawing a disk on the pattern to
 * the full virtual image shown, and the disk drawn (as the viewer read the
 * drag), or an error after STEP_MS saying what was last shown.
 */
async function drawDisk(page, dp, r, shift, what) {
  await page.getByTestId('detector-disk').click();
  const c = (dp - 1) / 2;
  // A later disk is drawn away from the first (a drag on a shape moves it).
  const cy = c + shift;
  // The pattern's place on the page, read just before each move: the layout may shift as images arrive.
  const at = async (x, y) => {
    const box = await page.getByTestId('pattern-overlay').boundingBox();
    return { x: box.x + ((x + 0.5) / dp) * box.width, y: box.y + ((y + 0.5) / dp) * box.height };
  };
  const from = await at(c, cy);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  const to = await at(c + r, cy);
  await page.mouse.move(to.x, to.y, { steps: 3 });
  // Timed in the page: from the pointer's release to a full (not partial, not preview) image of a disk
  // centred where this one was drawn. The watch is in place before the release (under load a watch
  // set up alongside it could miss the release and wait for ever).
  await page.evaluate(
    ({ ms, what, cy }) => {
      window.__benchImage = new Promise((resolve, reject) => {
        let t0;
        const el = document.querySelector('[data-testid="navigator-label"]');
        const full = /^virtual image: (disk cx [\d.]+ cy ([\d.]+) r [\d.]+)$/;
        window.addEventListener('pointerup', () => (t0 = performance.now()), { capture: true, once: true });
        const check = () => {
          const m = full.exec(el.textContent ?? '');
          if (t0 !== undefined && m && Number(m[2]) === cy) {
            observer.disconnect();
            clearTimeout(timer);
            resolve({ seconds: (performance.now() - t0) / 1000, disk: m[1] });
          }
        };
        const observer = new MutationObserver(check);
        observer.observe(el, { childList: true, characterData: true, subtree: true });
        const timer = setTimeout(() => {
          observer.disconnect();
          const status = document.getElementById('status')?.textContent ?? '';
          reject(new Error(`${what}: no full virtual image after ${ms / 1000} s${t0 === undefined ? ' (the release was not seen)' : ''}; shown: "${el.textContent}", status: "${status}"`));
        }, ms);
      });
    },
    { ms: STEP_MS, what, cy },
  );
  await page.mouse.up();
  return bounded(page, page.evaluate(() => window.__benchImage), what);
}

function cliSeconds(file, dp, r, out) {
  // The same disk as the viewer's first.
  const c = (dp - 1) / 2;
  const t = performance.now();
  const run = spawnSync(process.execPath, [join(root, 'bin', 'blo.js'), 'virtual', file, '--disk', `${c},${c},${r}`, '-o', join(out, 'v.npy'), '--overwrite'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: STEP_MS,
  });
  if (run.status !== 0) throw new Error(`blo virtual failed: ${run.error?.message ?? run.stderr}`);
  return (performance.now() - t) / 1000;
}

/** `blo virtual` of a detector covering the whole pattern: each pattern's total, the viewer's mean intensity times its pixel count. */
function cliMeanSeconds(file, dp, out) {
  const t = performance.now();
  const run = spawnSync(process.execPath, [join(root, 'bin', 'blo.js'), 'virtual', file, '--rect', `0,0,${dp},${dp}`, '-o', join(out, 'm.npy'), '--overwrite'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: STEP_MS,
  });
  if (run.status !== 0) throw new Error(`blo virtual --rect failed: ${run.error?.message ?? run.stderr}`);
  return (performance.now() - t) / 1000;
}

/**
 * Seconds from `since` (a time on the page's clock: 0 is the navigation's start) to the whole mean-intensity
 * image shown (the opening's view when the stored VBF is constant, as the demo's is).
 */
async function meanShown(page, since, what) {
  const shownAt = await bounded(
    page,
    page.waitForFunction(
      () => document.querySelector('[data-testid="navigator-label"]')?.textContent === 'mean intensity of each pattern' && (window.__meanAt ??= performance.now()),
      null,
      { polling: 'raf', timeout: STEP_MS },
    ),
    what,
  ).then((handle) => handle.jsonValue());
  return (shownAt - (await since())) / 1000;
}

/** Rows { title, seconds, best, ratio } for the file, or a reason they could not be measured. */
export async function measureBrowser(file, repeats = 3) {
  if (!CHROMIUM) return { skipped: 'no Chromium found (set CHROMIUM_PATH)' };
  const { chromium } = await import('playwright-core');
  const { startViewServer } = await import(join(root, 'dist', 'node', 'index.js'));
  const { openBlockfile } = await import(join(root, 'dist', 'node', 'index.js'));
  const bf = await openBlockfile(file);
  const dp = bf.header.DP_SZ;
  await bf.close();
  const r = Math.round(dp / 16);
  const out = mkdtempSync(join(tmpdir(), 'blo-bench-browser-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: STEP_MS });
  const version = browser.version();
  const server = await startViewServer(file);
  const times = { cli: [], served: [], servedAgain: [], fileFirst: [], fileHeld: [], cliMean: [], servedMean: [], fileMean: [] };
  const loads = [];
  const notes = [];
  const disks = new Set();
  const image = async (page, list, shift, what) => {
    loads.push(loadavg()[0]);
    const { seconds, disk } = await drawDisk(page, dp, r, shift, what);
    list.push(seconds);
    if (!shift) disks.add(disk);
  };
  const newPage = async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Every wait ends: opening, the pattern, the workers' memory.
    page.setDefaultTimeout(STEP_MS);
    return page;
  };
  try {
    for (let rep = 0; rep < repeats; rep++) {
      times.cli.push(cliSeconds(file, dp, r, out));
      // blo view: a fresh page each time (its worker threads stay with the server).
      let page = await newPage();
      await page.goto(server.url);
      await page.getByTestId('pattern-label').filter({ hasText: 'pattern at' }).waitFor();
      await image(page, times.served, 0, '`blo view`, first image');
      await image(page, times.servedAgain, 3 * r, '`blo view`, next image');
      await page.close();
      times.cli.push(cliSeconds(file, dp, r, out));
      // A local File, picked: new workers, nothing kept yet.
      page = await newPage();
      await page.goto(server.url.replace(/&file=.*/, ''));
      await page.getByTestId('file-input').setInputFiles(file);
      await page.getByTestId('pattern-label').filter({ hasText: 'pattern at' }).waitFor();
      await image(page, times.fileFirst, 0, 'local File, first pass');
      // Once the workers hold the file (read in the background when nothing else runs); a run where they
      // do not in time is said, not waited for.
      const held = await bounded(
        page,
        page.waitForFunction(() => document.querySelector('[data-testid="navigator-view-root"]')?.dataset.cache === 'full', null, { timeout: STEP_MS }),
        'the workers holding the file',
      ).then(
        () => true,
        async () => {
          const state = await page.evaluate(() => document.querySelector('[data-testid="navigator-view-root"]')?.dataset.cache).catch(() => 'unknown');
          notes.push(`in run ${rep + 1} the workers did not hold the file after ${STEP_MS / 1000} s (state: ${state})`);
          return false;
        },
      );
      if (held) await image(page, times.fileHeld, 3 * r, 'local File, held');
      await page.close();
      // The opening's mean intensity, waited for: from navigating to the server's page, and from picking the File.
      times.cliMean.push(cliMeanSeconds(file, dp, out));
      page = await newPage();
      await page.goto(server.url);
      times.servedMean.push(await meanShown(page, async () => 0, '`blo view`, mean intensity at opening'));
      await page.close();
      times.cliMean.push(cliMeanSeconds(file, dp, out));
      page = await newPage();
      await page.goto(server.url.replace(/&file=.*/, ''));
      await page.evaluate(() => {
        const input = document.querySelector('[data-testid="file-input"]');
        input.addEventListener('change', () => (window.__picked = performance.now()), { capture: true, once: true });
      });
      await page.getByTestId('file-input').setInputFiles(file);
      times.fileMean.push(await meanShown(page, () => page.evaluate(() => window.__picked), 'local File, mean intensity at opening'));
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(out, { recursive: true, force: true });
  }
  const cli = median(times.cli);
  const row = (title, xs, reference = cli) => ({ title, seconds: median(xs), best: Math.min(...xs), ratio: median(xs) / reference, runs: xs.length });
  const cliMean = median(times.cliMean);
  return {
    rows: [
      row('`blo virtual` (whole process)', times.cli),
      row('viewer via `blo view`, first image', times.served),
      row('viewer via `blo view`, next image', times.servedAgain),
      row('viewer, local File, first pass after opening', times.fileFirst),
      row('viewer, local File, once the workers hold the file', times.fileHeld),
    ].filter((r) => r.runs > 0),
    meanRows: [
      row('`blo virtual --rect` over the whole pattern (whole process)', times.cliMean, cliMean),
      row('viewer via `blo view`, from navigating to the page', times.servedMean, cliMean),
      row('viewer, local File, from picking it', times.fileMean, cliMean),
    ].filter((r) => r.runs > 0),
    notes,
    detector: `disk r ${r} at the pattern centre`,
    drawn: [...disks],
    load: [Math.min(...loads), median(loads), Math.max(...loads)],
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    chromium: version,
  };
}

export function browserMarkdown(measured, repeats) {
  if (measured.skipped) return `Not measured: ${measured.skipped}.`;
  const fmt = (v, d = 3) => v.toFixed(d);
  const lines = ['| route | median s | best s | ÷ CLI |', '|---|---:|---:|---:|'];
  for (const r of measured.rows) lines.push(`| ${r.title} | ${fmt(r.seconds)} | ${fmt(r.best)} | ${fmt(r.ratio, 2)} |`);
  const meanLines = ['| route | median s | best s | ÷ CLI |', '|---|---:|---:|---:|'];
  for (const r of measured.meanRows) meanLines.push(`| ${r.title} | ${fmt(r.seconds)} | ${fmt(r.best)} | ${fmt(r.ratio, 2)} |`);
  const [lo, mid, hi] = measured.load.map((v) => v.toFixed(1));
  const drawn = measured.drawn.length === 1 ? measured.drawn[0] : measured.drawn.join(', ');
  return `A virtual image (${measured.detector}; the viewer read the drag as ${drawn}) of the u8 file in headless
Chromium ${measured.chromium}, from releasing the mouse to the full image shown, beside \`blo virtual\` writing the same
image as a fresh process (median of ${repeats * 2} runs, interleaved with the viewer's), measured ${measured.date}
with the machine's load average (1 min) ${lo}–${hi} (median ${mid}) on its ${cpus().length} cores: the ratios are what to read.
\`blo view\` runs the pass in the server next to the file, on worker threads, and streams the result (a newer request
goes first there, stopping the opening's mean-intensity pass, which runs again after). From a local
File, Web Workers read it: the first pass right after opening (while the opening's mean-intensity pass is still
reading: the new pass goes first, it resumes after); then, when nothing else runs, the drag preview is read, and the
workers read the file into memory in the background (up to a quarter of the device's memory, at most 2 GiB), and
passes read that.

${lines.join('\n')}

The mean intensity of each pattern, the view the viewer opens on when the stored VBF is constant (the demo's is),
from navigating to \`blo view\`'s page or from picking the File to the whole image shown (nothing else asked for
meanwhile), beside \`blo virtual\` summing each whole pattern as a fresh process (the same pass; median of
${repeats * 2} runs):

${meanLines.join('\n')}${measured.notes.length ? `\n\nNot timed: ${measured.notes.join('; ')}.` : ''}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? join(root, 'bench-data', 'u8.blo');
  const repeats = Number(process.argv[3] ?? 3);
  try {
    const measured = await measureBrowser(file, repeats);
    console.log(browserMarkdown(measured, repeats));
  } catch (error) {
    console.error(`bench/browser.mjs: ${error.message}`);
    process.exitCode = 1;
  }
}
