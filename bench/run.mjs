// `npm run bench`: this project against HyperSpy 1.7.3 and numpy, side by side
// in one run, each measurement in a fresh process with the page cache warm.
// Prints a table of medians and ratios and writes BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, 'bench-data');
const PYTHON = '/usr/bin/python3';
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const RANDOM_FRAMES = 1000;

const DATASETS = [
  { name: 'u8', label: '8-bit, 256 × 256 scan of 128 × 128 patterns', args: ['--scan', '256x256', '--size', '128', '--bits', '8'], hyperspy: true },
  { name: 'u16', label: '16-bit, 128 × 256 scan of 128 × 128 patterns', args: ['--scan', '128x256', '--size', '128', '--bits', '16'], hyperspy: false },
];

const TASKS = [
  { task: 'load', title: 'whole dataset into memory', tools: ['ours', 'hyperspy', 'numpy'] },
  { task: 'random-frames', title: `${RANDOM_FRAMES} random frames (lazy)`, tools: ['ours', 'hyperspy'] },
  { task: 'first-pattern', title: 'open and show the first pattern', tools: ['ours', 'hyperspy'] },
  { task: 'virtual', title: 'virtual disk image of the whole file', tools: ['ours', 'hyperspy', 'numpy'] },
  { task: 'to-npy', title: 'conversion to .npy', tools: ['ours', 'hyperspy'] },
  { task: 'write-blo', title: 'writing a .blo from memory', tools: ['ours', 'hyperspy'] },
];

const TOOL_NAMES = { ours: 'blockfile', hyperspy: 'HyperSpy 1.7.3', numpy: 'numpy on raw bytes' };

function blo(...args) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'blo.js'), ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`blo ${args.join(' ')} failed`);
}

/** Reads a file through once, so that every tool finds it in the page cache. */
function warm(path) {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(16 << 20);
  while (readSync(fd, buffer) > 0);
  closeSync(fd);
}

/**
 * One task in a fresh process: the in-process time it reports, and the
 * whole process's wall time (start-up, imports, the work, exit): what a
 * user waits for.
 */
function measure(tool, task, file) {
  const extra = task === 'random-frames' ? [String(RANDOM_FRAMES)] : [];
  const started = performance.now();
  const r =
    tool === 'ours'
      ? spawnSync(process.execPath, [join(root, 'bench', 'ours.mjs'), task, file, ...extra], { encoding: 'utf8' })
      : spawnSync(PYTHON, [join(root, 'bench', 'reference.py'), tool, task, file, ...extra], { encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  const line = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line?.startsWith('{')) return { error: (r.stderr || r.stdout).trim().split('\n').pop() };
  return { ...JSON.parse(line), wall };
}

/** Wall time of a command run to completion, output discarded. */
function wallTime(command, args) {
  const started = performance.now();
  const r = spawnSync(command, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
  return (performance.now() - started) / 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function python(code) {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'absent';
}

const started = Date.now();
mkdirSync(data, { recursive: true });
const hyperspyVersion = python('import hyperspy; print(hyperspy.__version__)');
const numpyVersion = python('import numpy; print(numpy.__version__)');
if (numpyVersion === 'absent') {
  console.error(`bench: ${PYTHON} with numpy is needed (apt-get install python3-hyperspy)`);
  process.exit(1);
}

const results = [];
for (const set of DATASETS) {
  const file = join(data, `${set.name}.blo`);
  if (!existsSync(file)) blo('demo', file, ...set.args, '--seed', '1');
  warm(file);
  for (const { task, title, tools } of TASKS) {
    const usable = tools.filter((t) => (t !== 'hyperspy' || (set.hyperspy && hyperspyVersion !== 'absent')) && !(task === 'write-blo' && !set.hyperspy));
    if (usable.length < 2) continue;
    const runs = Object.fromEntries(usable.map((t) => [t, []]));
    // Alternate the tools within each repetition, so that drift hits all alike.
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const tool of rep % 2 === 0 ? usable : [...usable].reverse()) runs[tool].push(measure(tool, task, file));
    }
    const checks = new Set(usable.map((t) => JSON.stringify(runs[t].find((r) => !r.error)?.check)));
    for (const tool of usable) {
      const ok = runs[tool].filter((r) => !r.error);
      results.push({
        dataset: set.name,
        task,
        title,
        tool,
        seconds: ok.length ? median(ok.map((r) => r.seconds)) : undefined,
        best: ok.length ? Math.min(...ok.map((r) => r.seconds)) : undefined,
        wall: ok.length ? median(ok.map((r) => r.wall)) : undefined,
        rss: ok.length ? Math.max(...ok.map((r) => r.rss_mb)) : undefined,
        error: ok.length ? undefined : runs[tool][0].error,
        sameResult: task === 'to-npy' || task === 'write-blo' ? true : checks.size === 1,
      });
    }
    console.error(`${set.name} ${task}: ${usable.map((t) => `${t} ${results.find((r) => r.dataset === set.name && r.task === task && r.tool === t).seconds?.toFixed(3) ?? 'failed'} s`).join(', ')}`);
  }
}

// Start-up: what `blo --version` and `blo info` cost over Node itself, and the same for Python and HyperSpy.
const STARTUP_REPEATS = Math.max(REPEATS * 3, 15);
const startupFile = join(data, `${DATASETS[0].name}.blo`);
const bloJs = join(root, 'bin', 'blo.js');
const STARTUP = [
  { name: 'node -e 0 (Node itself)', command: process.execPath, args: ['-e', '0'] },
  { name: 'blo --version', command: process.execPath, args: [bloJs, '--version'], over: 0 },
  { name: 'blo info FILE --no-check (header and note)', command: process.execPath, args: [bloJs, 'info', startupFile, '--no-check'], over: 0 },
  { name: 'blo info FILE (and the 65,536 record prefixes)', command: process.execPath, args: [bloJs, 'info', startupFile], over: 0 },
  { name: 'blo --help', command: process.execPath, args: [bloJs, '--help'], over: 0 },
  { name: 'python3 -c pass (Python itself)', command: PYTHON, args: ['-c', 'pass'] },
  { name: 'HyperSpy: import, open lazily, print', command: PYTHON, args: ['-c', `import hyperspy.api as hs; print(hs.load(${JSON.stringify(startupFile)}, lazy=True))`], over: 5 },
];
const startup = STARTUP.filter((s) => s.command !== PYTHON || !s.args[1].includes('hyperspy') || hyperspyVersion !== 'absent').map((s) => {
  const times = [];
  for (let i = 0; i < STARTUP_REPEATS; i++) times.push(wallTime(s.command, s.args));
  return { ...s, median: median(times), best: Math.min(...times) };
});
for (const s of startup) console.error(`start-up ${s.name}: ${(s.median * 1000).toFixed(0)} ms`);
const startupOver = (name) => {
  const s = startup.find((x) => x.name === name);
  const base = s && startup[s.over];
  return s && base ? (s.median - base.median) * 1000 : undefined;
};

// The viewer in headless Chromium beside the CLI, both routes (bench/browser.mjs).
const { measureBrowser, browserMarkdown } = await import('./browser.mjs');
const browserRepeats = Math.max(2, Math.ceil(REPEATS / 2));
const viewer = await measureBrowser(join(data, 'u8.blo'), browserRepeats).catch((error) => ({ skipped: error.message }));
console.error(browserMarkdown(viewer, browserRepeats));
const viewerRatio = (title) => [...(viewer.rows ?? []), ...(viewer.meanRows ?? [])].find((r) => r.title.startsWith(title))?.ratio;

const get = (dataset, task, tool) => results.find((r) => r.dataset === dataset && r.task === task && r.tool === tool);
const ratio = (dataset, task, tool) => {
  const a = get(dataset, task, 'ours')?.seconds;
  const b = get(dataset, task, tool)?.seconds;
  return a !== undefined && b !== undefined ? a / b : undefined;
};
const fmt = (v, d = 3) => (v === undefined ? '—' : v.toFixed(d));
const wallRatio = (dataset, task, tool) => {
  const a = get(dataset, task, 'ours')?.wall;
  const b = get(dataset, task, tool)?.wall;
  return a !== undefined && b !== undefined ? a / b : undefined;
};

const targets = [
  ['virtual image ≤ 0.2 × HyperSpy', ratio('u8', 'virtual', 'hyperspy'), (r) => r <= 0.2],
  ['virtual image ≤ 1.5 × numpy on raw bytes', ratio('u8', 'virtual', 'numpy'), (r) => r <= 1.5],
  ['conversion to .npy ≤ 0.2 × HyperSpy', ratio('u8', 'to-npy', 'hyperspy'), (r) => r <= 0.2],
  ['random frames faster than HyperSpy lazy', ratio('u8', 'random-frames', 'hyperspy'), (r) => r < 1],
  ['reading into memory ≤ 1.3 × numpy fromfile', ratio('u8', 'load', 'numpy'), (r) => r <= 1.3],
  ['virtual image, 16-bit ≤ 1.5 × numpy on raw bytes', ratio('u16', 'virtual', 'numpy'), (r) => r <= 1.5],
  ['reading into memory, 16-bit ≤ 1.3 × numpy fromfile', ratio('u16', 'load', 'numpy'), (r) => r <= 1.3],
];
const streaming = results.filter((r) => r.tool === 'ours' && ['random-frames', 'first-pattern', 'virtual', 'to-npy'].includes(r.task));
const peak = Math.max(...streaming.map((r) => r.rss ?? 0));
targets.push(['streaming work peaks under 300 MB (largest, MB)', peak, (v) => v < 300]);
targets.push(['viewer via `blo view` ≤ 1.5 × `blo virtual`', viewerRatio('viewer via `blo view`, first'), (r) => r <= 1.5]);
targets.push(['viewer, local File, first pass ≤ 1.5 × `blo virtual`', viewerRatio('viewer, local File, first'), (r) => r <= 1.5]);
targets.push(['viewer, local File, held in memory ≤ 1.5 × `blo virtual`', viewerRatio('viewer, local File, once'), (r) => r <= 1.5]);
targets.push(['viewer\'s mean intensity on opening via `blo view` ≤ 1.5 × `blo virtual`', viewerRatio('viewer via `blo view`, from navigating'), (r) => r <= 1.5]);
targets.push(['viewer\'s mean intensity on opening a local File ≤ 1.5 × `blo virtual`', viewerRatio('viewer, local File, from picking'), (r) => r <= 1.5]);
targets.push(['blo --version within 50 ms of node -e 0 (ms over it)', startupOver('blo --version'), (v) => v <= 50]);
targets.push(['blo info --no-check within 50 ms of node -e 0 (ms over it)', startupOver('blo info FILE --no-check (header and note)'), (v) => v <= 50]);

const lines = [];
lines.push('| data | task | tool | median s | best s | whole process s | peak RSS MB | ours ÷ this | ours ÷ this, whole process | same result |');
lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---|');
for (const r of results) {
  const rr = r.tool === 'ours' ? undefined : ratio(r.dataset, r.task, r.tool);
  const wr = r.tool === 'ours' ? undefined : wallRatio(r.dataset, r.task, r.tool);
  lines.push(
    `| ${r.dataset} | ${r.title} | ${TOOL_NAMES[r.tool]} | ${r.error ? `failed: ${r.error.slice(0, 60)}` : fmt(r.seconds)} | ${fmt(r.best)} | ${fmt(r.wall)} | ${fmt(r.rss, 0)} | ${r.tool === 'ours' ? '' : fmt(rr, 2)} | ${r.tool === 'ours' ? '' : fmt(wr, 2)} | ${r.sameResult ? 'yes' : 'NO'} |`,
  );
}
const startupLines = ['| command | median ms | best ms | over its interpreter, ms |', '|---|---:|---:|---:|'];
for (const s of startup) {
  const base = s.over === undefined ? undefined : startup[s.over];
  startupLines.push(`| \`${s.name}\` | ${(s.median * 1000).toFixed(0)} | ${(s.best * 1000).toFixed(0)} | ${base ? ((s.median - base.median) * 1000).toFixed(0) : ''} |`);
}
const targetLines = ['| target | measured | met |', '|---|---:|---|'];
for (const [name, value, ok] of targets) targetLines.push(`| ${name} | ${fmt(value, name.includes('MB') ? 0 : 2)} | ${value === undefined ? 'not measured' : ok(value) ? 'yes' : 'no'} |`);

const minutes = ((Date.now() - started) / 60000).toFixed(1);
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${process.platform}`;
const versions = `Node ${process.version}; ${PYTHON}: numpy ${numpyVersion}, HyperSpy ${hyperspyVersion}`;
console.log(`\n${lines.join('\n')}\n\n${startupLines.join('\n')}\n\n${browserMarkdown(viewer, browserRepeats)}\n\n${targetLines.join('\n')}\n\n${machine}; ${versions}; ${minutes} min`);

const md = `# Benchmarks

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}; ${versions}.
The whole run took ${minutes} minutes.

Each number is the median of ${REPEATS} runs, each in a fresh process, the tools alternating, with the
page cache warm. "median s" and "best s" time the work inside the process (imports not timed);
"whole process s" is the wall time of that fresh process from start to exit (interpreter start-up,
imports, the work): what a user waits for, HyperSpy's \`import hyperspy.api\` included. "ours ÷ this" is our time divided by that tool's in the same run
(below 1: we are faster), from the medians; "best" is the fastest run, for a view less affected by the
machine's noise (numpy's \`fromfile\` of 1 GB varies from 0.3 to 2.5 s here). Peak RSS is the largest of the runs. Datasets are made by \`blo demo\`:

${DATASETS.map((d) => `- ${d.name}: ${d.label} (\`blo demo ${d.args.join(' ')} --seed 1\`)`).join('\n')}

HyperSpy 1.7.3 cannot read 16-bit (format 1.3) blockfiles, so the 16-bit rows compare with numpy only.

${lines.join('\n')}

## Start-up

What a command costs before it does anything: each command run ${STARTUP_REPEATS} times, median and best wall
time; "over its interpreter" is the median minus that of \`node -e 0\` (for blo) or \`python3 -c pass\`
(for HyperSpy). \`blo\` loads a command's code only when it runs (\`scripts/build-cli.mjs\` bundles each
command into one file); \`blo --version\` reads package.json and nothing else.

${startupLines.join('\n')}

## The viewer

${browserMarkdown(viewer, browserRepeats)}

## Targets

${targetLines.join('\n')}

## Reproduce

\`\`\`sh
npm install
apt-get install python3-hyperspy     # the reference, run with ${PYTHON}
npm run bench                        # writes this file; BENCH_REPEATS=9 for more runs
\`\`\`

The tasks are in \`bench/ours.mjs\` and \`bench/reference.py\`, the same work on both sides:
\`load\` is \`loadBlockfile\` vs \`hs.load\` vs \`np.fromfile\` and a strided view; \`random-frames\` is
\`openBlockfile\` + \`frameAt\` vs \`hs.load(lazy=True)\` and \`s.data[y, x].compute()\`; \`virtual\` is
\`analyze\` on worker threads vs \`hs.load\` + a boolean-mask sum vs the same sum on \`np.memmap\`;
\`to-npy\` is \`blo convert\` vs \`hs.load\` + \`np.save\`; \`write-blo\` writes a loaded signal (ours includes the
fsync before the temporary file is renamed into place, which HyperSpy does not do: it depends on the disk).
`;
writeFileSync(join(root, 'BENCHMARKS.md'), md);

// Orientation indexing: its own script and section (bench/indexing.mjs), appended to BENCHMARKS.md.
const indexing = spawnSync(process.execPath, [join(root, 'bench', 'indexing.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (indexing.status === 0) appendFileSync(join(root, 'BENCHMARKS.md'), `\n${indexing.stdout}`);
else console.error('bench: bench/indexing.mjs failed');

// The viewer's indexing (Chromium, Web Workers) beside blo index on the same file (bench/orientation-browser.mjs).
const orientation = spawnSync(process.execPath, [join(root, 'bench', 'orientation-browser.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (orientation.status === 0) appendFileSync(join(root, 'BENCHMARKS.md'), `\n## Orientation indexing in the viewer\n\n${orientation.stdout}`);
else console.error('bench: bench/orientation-browser.mjs failed');
