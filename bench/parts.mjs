// `node bench/parts.mjs` (after `npm run build`): how the time of an analysis
// command scales when it is split into N independent tasks (`--part I/N -o
// results.zarr`, each task one process with one worker thread, as one Slurm
// array task per core would run), with N = 1, 2 and 4 on this machine. Each
// run starts from a fresh store; the N tasks start together and the time is
// until the last one exits. Prints the rows and writes bench/parts.md.
//
// Speedup = T(1) / T(N); parallel efficiency = speedup / N (the fraction of
// N perfectly used tasks), and, since tasks beyond the cores only queue for
// them, also speedup / min(N, cores). The CPU time of all tasks together
// (user + system, each task's own) shows what splitting costs in work
// (start-up, opening the file, the store) whatever else runs on the machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, 'bench-data', 'parts');
const BLO = join(root, 'bin', 'blo.js');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const TASKS = [1, 2, 4];
const cores = availableParallelism();

const scan = join(data, 'scan.blo');
const indexScan = join(data, 'index.blo');
const CU = join(root, 'examples', 'Cu.cif');
const COMMANDS = [
  { name: 'blo virtual (disk + annulus)', args: ['virtual', scan, '--disk', '63.5,63.5,8', '--annulus', '63.5,63.5,20,60'] },
  { name: 'blo com (disk, threshold)', args: ['com', scan, '--disk', '63.5,63.5,40', '--threshold', '3'] },
  { name: 'blo std', args: ['std', scan] },
  // Compute-bound: each task builds its own template library, then indexes its rows.
  { name: 'blo index, Cu, 32 × 32 of 144 × 144', args: ['index', indexScan, '--phase', CU, '--pixel-size', '0.025'] },
];

function bloSync(...args) {
  const r = spawnSync(process.execPath, [BLO, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`blo ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

/** One task as its own process; resolves with its CPU seconds (user + system), reported as it exits. */
function bloAsync(args) {
  const script = `
    process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('cpu-us=' + (u.userCPUTime + u.systemCPUTime) + '\\n'); });
    process.argv = [process.argv[0], 'blo', ...${JSON.stringify(args)}];
    await import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'cli', 'run.js')).href)});
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => {
      const cpu = /cpu-us=(\d+)/.exec(stderr);
      if (status === 0 && cpu) resolve(Number(cpu[1]) / 1e6);
      else reject(new Error(`blo ${args.join(' ')}: ${stderr}`));
    });
  });
}

/** Wall time of N tasks started together, until the last exits, and their CPU time in all. */
async function runTasks(args, n, store) {
  rmSync(store, { recursive: true, force: true });
  const started = performance.now();
  const cpu = await Promise.all(Array.from({ length: n }, (_, i) => bloAsync([...args, '-o', store, '--part', `${i}/${n}`, '--workers', '1'])));
  return { wall: (performance.now() - started) / 1000, cpu: cpu.reduce((a, b) => a + b, 0) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

mkdirSync(data, { recursive: true });
if (!existsSync(scan)) {
  console.log('generating bench-data/parts/scan.blo (256 × 256 scan of 128 × 128 patterns, 8-bit, 1 GB)…');
  bloSync('demo', scan, '--scan', '256x256', '--size', '128', '--bits', '8', '--seed', '5');
}
if (!existsSync(indexScan)) {
  console.log('generating bench-data/parts/index.blo (32 × 32 scan of 144 × 144 patterns simulated from Cu)…');
  bloSync('demo', indexScan, '--phase', CU, '--scan', '32x32', '--size', '144', '--pixel-size', '0.025', '--grains', '8', '--seed', '5');
}
// Warm the page cache: every task reads from memory, as on a node that has the file cached or fast storage.
readFileSync(scan);

const loadBefore = loadavg()[0];
const rows = [];
for (const command of COMMANDS) {
  const store = join(data, 'results.zarr');
  const times = new Map();
  const cpuTimes = new Map();
  for (const n of TASKS) {
    const runs = [];
    for (let r = 0; r < REPEATS; r++) runs.push(await runTasks(command.args, n, store));
    times.set(n, median(runs.map((x) => x.wall)));
    cpuTimes.set(n, median(runs.map((x) => x.cpu)));
  }
  // The split result equals one process, bit for bit (checked here too).
  const single = join(data, 'single.npy');
  const split = join(data, 'split.npy');
  rmSync(single, { force: true });
  rmSync(split, { force: true });
  bloSync(...command.args, '-o', single, '--workers', '1');
  bloSync('convert', store, split);
  const same = readFileSync(single).equals(readFileSync(split));
  for (const n of TASKS) {
    const speedup = times.get(1) / times.get(n);
    rows.push({ command: command.name, n, seconds: times.get(n), cpu: cpuTimes.get(n), speedup, efficiency: speedup / n, perCore: speedup / Math.min(n, cores), work: cpuTimes.get(1) / cpuTimes.get(n), same });
  }
  rmSync(store, { recursive: true, force: true });
}

// What every task pays whatever its share: one task of one scan row (start-up, loading, opening, the store).
const fixed = [];
for (let r = 0; r < REPEATS; r++) {
  const store = join(data, 'fixed.zarr');
  rmSync(store, { recursive: true, force: true });
  const started = performance.now();
  const cpu = await bloAsync([...COMMANDS[0].args, '-o', store, '--part', '255/256', '--workers', '1']);
  fixed.push({ wall: (performance.now() - started) / 1000, cpu });
  rmSync(store, { recursive: true, force: true });
}

const table = [
  '| command | tasks | median s | speedup | efficiency (÷ tasks) | efficiency (÷ cores used) | CPU s, all tasks | CPU(1) ÷ CPU(N) | equal to one process |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ...rows.map(
    (r) =>
      `| ${r.command} | ${r.n} | ${r.seconds.toFixed(2)} | ${r.speedup.toFixed(2)} | ${r.efficiency.toFixed(2)} | ${r.perCore.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.work.toFixed(2)} | ${r.same ? 'yes' : 'NO'} |`,
  ),
];
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const text = [
  '# Split analysis: 1, 2 and 4 tasks',
  '',
  `\`node bench/parts.mjs\` on ${machine}; a 256 × 256 scan of 128 × 128 8-bit patterns (1 GB) in the page cache;`,
  `each task one process with one worker thread (\`--part I/N --workers 1 -o results.zarr\`), all N started together;`,
  `median of ${REPEATS} runs, from the first start to the last exit (start-up, reading, computing, writing the store).`,
  '`blo index`: a 32 × 32 scan of 144 × 144 patterns simulated from copper (`blo demo --phase examples/Cu.cif`), each task building its own',
  "template library. Every split result, converted by `blo convert results.zarr OUT.npy`, is checked equal to one process's .npy.",
  `Load average (1 min) ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after: other processes on the machine share its cores.`,
  '',
  ...table,
  '',
  `One task of one scan row (\`${COMMANDS[0].name.split(' (')[0]} --part 255/256\`): ${median(fixed.map((f) => f.wall)).toFixed(2)} s, ${median(fixed.map((f) => f.cpu)).toFixed(2)} CPU s: what each task pays whatever its share.`,
  '',
].join('\n');
writeFileSync(join(root, 'bench', 'parts.md'), text);
console.log(text);
