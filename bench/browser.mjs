// The viewer's virtual image of a whole file in headless Chromium, beside `blo virtual`'s
// whole-process time for the same file in the same run: through `blo view` (the server runs the
// pass next to the file) and from a local File (Web Workers read it; the first pass after opening
// reads the File, later ones what the workers kept). Run by bench/run.mjs, or alone:
//   node bench/browser.mjs FILE [REPEATS]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Seconds from releasing the mouse after drawing a disk on the pattern to the virtual image shown. */
async function drawDisk(page, dp, r, shift = 0) {
  await page.getByTestId('detector-disk').click();
  const box = await page.getByTestId('pattern-overlay').boundingBox();
  const at = (x, y) => ({ x: box.x + ((x + 0.5) / dp) * box.width, y: box.y + ((y + 0.5) / dp) * box.height });
  const c = (dp - 1) / 2;
  // A later disk is drawn away from the first (a drag on a shape moves it).
  const cy = c + shift;
  const from = at(c, cy);
  const to = at(c + r, cy);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 3 });
  const label = `virtual image: disk cx ${c} cy ${cy} r ${r}`;
  // Timed in the page: from the pointer's release to the label of the image shown.
  const done = page.evaluate(
    (label) =>
      new Promise((resolve) => {
        let t0;
        window.addEventListener('pointerup', () => (t0 = performance.now()), { capture: true, once: true });
        const el = document.querySelector('[data-testid="navigator-label"]');
        const check = () => {
          if (t0 !== undefined && el.textContent === label) {
            observer.disconnect();
            resolve((performance.now() - t0) / 1000);
          }
        };
        const observer = new MutationObserver(check);
        observer.observe(el, { childList: true, characterData: true, subtree: true });
      }),
    label,
  );
  await new Promise((r) => setTimeout(r, 50));
  await page.mouse.up();
  return done;
}

function cliSeconds(file, dp, r, out) {
  // The same disk as the viewer's first.
  const c = (dp - 1) / 2;
  const t = performance.now();
  const run = spawnSync(process.execPath, [join(root, 'bin', 'blo.js'), 'virtual', file, '--disk', `${c},${c},${r}`, '-o', join(out, 'v.npy'), '--overwrite'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return (performance.now() - t) / 1000;
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
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const server = await startViewServer(file);
  const times = { cli: [], served: [], servedAgain: [], fileFirst: [], fileHeld: [] };
  try {
    for (let rep = 0; rep < repeats; rep++) {
      times.cli.push(cliSeconds(file, dp, r, out));
      // blo view: a fresh page each time (its worker threads stay with the server).
      let page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(server.url);
      await page.getByTestId('pattern-label').filter({ hasText: 'pattern at' }).waitFor();
      times.served.push(await drawDisk(page, dp, r));
      times.servedAgain.push(await drawDisk(page, dp, r, 3 * r));
      await page.close();
      times.cli.push(cliSeconds(file, dp, r, out));
      // A local File, picked: new workers, nothing kept yet.
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(server.url.replace(/&file=.*/, ''));
      await page.getByTestId('file-input').setInputFiles(file);
      await page.getByTestId('pattern-label').filter({ hasText: 'pattern at' }).waitFor();
      times.fileFirst.push(await drawDisk(page, dp, r));
      // Once the workers hold the file (read in the background when nothing else runs).
      await page.waitForFunction(() => document.querySelector('[data-testid="navigator-view-root"]')?.dataset.cache === 'full', null, { timeout: 120_000 });
      times.fileHeld.push(await drawDisk(page, dp, r, 3 * r));
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(out, { recursive: true, force: true });
  }
  const cli = median(times.cli);
  const row = (title, xs) => ({ title, seconds: median(xs), best: Math.min(...xs), ratio: median(xs) / cli });
  return {
    rows: [
      row('`blo virtual` (whole process)', times.cli),
      row('viewer via `blo view`, first image', times.served),
      row('viewer via `blo view`, next image', times.servedAgain),
      row('viewer, local File, first pass after opening', times.fileFirst),
      row('viewer, local File, once the workers hold the file', times.fileHeld),
    ],
    detector: `disk r ${r} at the pattern centre`,
    chromium: browser.version?.() ?? '',
  };
}

export function browserMarkdown(measured, repeats) {
  if (measured.skipped) return `Not measured: ${measured.skipped}.`;
  const fmt = (v, d = 3) => v.toFixed(d);
  const lines = ['| route | median s | best s | ÷ CLI |', '|---|---:|---:|---:|'];
  for (const r of measured.rows) lines.push(`| ${r.title} | ${fmt(r.seconds)} | ${fmt(r.best)} | ${fmt(r.ratio, 2)} |`);
  return `A virtual image (${measured.detector}) of the u8 file in headless Chromium, from releasing the mouse
to the image shown, beside \`blo virtual\` writing the same image as a fresh process (median of ${repeats * 2} runs,
interleaved with the viewer's). \`blo view\` runs the pass in the server next to the file, on worker
threads, and streams the result. From a local File, Web Workers read it: the first pass right after
opening (while the page also reads its drag preview); then, when nothing else runs, the workers read
the file into memory in the background (up to a quarter of the device's memory, at most 2 GiB), and
passes read that.

${lines.join('\n')}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? join(root, 'bench-data', 'u8.blo');
  const repeats = Number(process.argv[3] ?? 3);
  const measured = await measureBrowser(file, repeats);
  console.log(browserMarkdown(measured, repeats));
}
