// Orientation indexing (`blo index`), run by `npm run bench` after the rest
// (or alone, after `npm run build`: `node bench/indexing.mjs`). Simulates
// ground-truth scans with `blo demo --phase … --truth` (cached in
// bench-data/indexing/), indexes each with `blo index` in a fresh process
// (one worker thread per core) and reports: patterns per second for the
// whole command (start-up, CIF reading, library, reading, matching,
// writing), the library's size and build time, peak memory, and the
// accuracy against the truth (symmetry-aware misorientation, the half turn
// about the beam that a kinematic pattern cannot tell allowed, as
// ORIENTATION.md says). Prints a Markdown section on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, 'bench-data', 'indexing');
const BLO = join(root, 'bin', 'blo.js');
const example = (name) => join(root, 'examples', name);
const PIXEL = '0.025';

const SCANS = [
  { name: 'cu-64', label: 'copper (m-3m), 64 × 64 scan, 40 grains', phases: ['Cu.cif'], scan: '64x64', grains: 40, seed: 11, speed: true },
  { name: 'ti-32', label: 'α-titanium (6/mmm), 32 × 32 scan, 40 grains', phases: ['Ti-alpha.cif'], scan: '32x32', grains: 40, seed: 5 },
  { name: 'cu-fe-32', label: 'copper + ferrite (m-3m, m-3m), 32 × 32 scan, 40 grains', phases: ['Cu.cif', 'ferrite.cif'], scan: '32x32', grains: 40, seed: 9, group: 'copper + ferrite' },
  // The same kind of scan with other grains (seeds): how much one scan's 40 grains decide its figure. Run once each.
  // Seeds 4–6 were added after the fit's settings were chosen on 9 and 1–3: the figures of scans it was not tuned on.
  ...[1, 2, 3, 4, 5, 6].map((seed) => ({
    name: `cu-fe-32-s${seed}`,
    label: `copper + ferrite, another 40 grains (seed ${seed}${seed > 3 ? ', not tuned on' : ''})`,
    phases: ['Cu.cif', 'ferrite.cif'],
    scan: '32x32',
    grains: 40,
    seed,
    group: 'copper + ferrite',
    once: true,
  })),
];

function run(args) {
  const r = spawnSync(process.execPath, [BLO, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`blo ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

/** `blo ARGS` in a fresh process: wall time and the process's peak RSS (worker threads included). */
function timed(args) {
  const script = `
    process.on('exit', () => process.stderr.write('maxrss-kb=' + process.resourceUsage().maxRSS + '\\n'));
    process.argv = [process.argv[0], 'blo', ...${JSON.stringify(args)}];
    await import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'cli', 'run.js')).href)});
  `;
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  const peak = /maxrss-kb=(\d+)/.exec(r.stderr);
  if (r.status !== 0 || !peak) throw new Error(`blo ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { seconds, rssMb: Number(peak[1]) / 1024, stdout: r.stdout };
}

const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
const node = await import(pathToFileURL(join(root, 'dist', 'node', 'index.js')).href);

/** Misses (right phase, more than 2° off) whose found orientation's kinematic pattern is at least TWIN alike the truth's at every thickness the demo gives a grain (30–50 nm): patterns no indexer can tell apart. */
const TWIN = 0.99;
function kinematicTwins(found, truth, cmp, phases, options) {
  const sims = phases.map((phase) =>
    [30, 40, 50].map((thickness) => new lib.PatternSimulator(phase, { size: 144, pixelSize: Number(PIXEL), precession: options.precession, voltage: options.voltage, thickness })),
  );
  const matrix = (e, i) => lib.eulerDegreesToMatrix(e[3 * i], e[3 * i + 1], e[3 * i + 2]);
  let count = 0;
  for (let i = 0; i < cmp.errors.length; i++) {
    if (!(cmp.errors[i] > 2)) continue;
    if (lib.patternSimilarity(sims[truth.phase[i] - 1], matrix(truth.euler, i), matrix(found.euler, i), 144 / 80) >= TWIN) count++;
  }
  return count;
}

mkdirSync(data, { recursive: true });
const load = loadavg()[0];
const started = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const rows = [];
for (const s of SCANS) {
  const scan = join(data, `${s.name}.blo`);
  const truth = join(data, `${s.name}-truth.ctf`);
  const phaseArgs = s.phases.flatMap((p) => ['--phase', example(p)]);
  if (!existsSync(scan) || !existsSync(truth)) {
    run(['demo', scan, ...phaseArgs, '--scan', s.scan, '--size', '144', '--pixel-size', PIXEL, '--grains', String(s.grains), '--seed', String(s.seed), '--truth', truth, '--overwrite']);
  }
  // The library as blo index builds it, alone: its size and build time.
  const phases = [];
  for (const p of s.phases) phases.push(await node.loadPhase(example(p)));
  const bf = await node.openBlockfile(scan);
  const options = lib.libraryOptionsFor(bf, phases, { pixelSize: Number(PIXEL) });
  await bf.close();
  const t0 = performance.now();
  const library = lib.buildLibrary(phases, options);
  const buildSeconds = (performance.now() - t0) / 1000;
  const size = lib.librarySize(library);
  // The whole command, twice; the faster counts (the machine is shared).
  const out = join(data, `${s.name}-map.ctf`);
  const runs = (s.once ? [0] : [0, 1]).map(() => timed(['index', scan, ...phaseArgs, '--pixel-size', PIXEL, '-o', out, '--overwrite']));
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const found = lib.parseCtf(readFileSync(out, 'utf8'));
  const expected = lib.parseCtf(readFileSync(truth, 'utf8'));
  const cmp = lib.compareOrientationMaps(found, expected, phases.map((p) => lib.symmetryQuaternions(p.laueRotations)));
  const n = found.nx * found.ny;
  const twins = kinematicTwins(found, expected, cmp, phases, options);
  rows.push({ ...s, n, seconds: best.seconds, rss: Math.max(...runs.map((r) => r.rssMb)), templates: size.templates, spots: size.spots, kb: size.bytes / 1024, buildSeconds, cmp, twins });
  console.error(`indexing ${s.name}: ${(n / best.seconds).toFixed(0)} patterns/s, ${(100 * cmp.withinTolerance).toFixed(1)} % within 2°, phase ${(100 * cmp.phaseCorrect).toFixed(1)} %`);
}

const pct = (v) => `${(100 * v).toFixed(1)} %`;
const lines = [
  '| scan | patterns | whole command s | patterns/s | ms per pattern | templates (spots) | library KB | library build s | peak RSS MB | within 2° | within 2°, no half turn | right phase | median error | misses that are kinematic twins | within 2° or a twin |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.n} | ${r.seconds.toFixed(1)} | ${(r.n / r.seconds).toFixed(0)} | ${((1000 * r.seconds) / r.n).toFixed(1)} | ${r.templates} (${r.spots}) | ${r.kb.toFixed(0)} | ${r.buildSeconds.toFixed(2)} | ${r.rss.toFixed(0)} | ${pct(r.cmp.withinTolerance)} | ${pct(r.cmp.withinToleranceStrict)} | ${pct(r.cmp.phaseCorrect)} | ${r.cmp.medianError.toFixed(2)}° | ${r.twins} of ${Math.round(r.n * (1 - r.cmp.withinTolerance))} | ${pct(r.cmp.withinTolerance + r.twins / r.n)} |`,
  ),
];
const speed = rows.find((r) => r.speed);
// Scans of one kind pooled: every position of every seed counts once.
const groups = [...new Set(rows.filter((r) => r.group).map((r) => r.group))].map((group) => {
  const members = rows.filter((r) => r.group === group);
  const n = members.reduce((a, r) => a + r.n, 0);
  const within = members.reduce((a, r) => a + r.n * r.cmp.withinTolerance, 0) / n;
  const twins = members.reduce((a, r) => a + r.twins, 0) / n;
  return { label: `${group}, ${members.length} scans of 40 grains pooled (${n} positions)`, within, twins };
});
const targets = [
  ['at least 100 patterns/s for the whole command (64 × 64 cubic scan, 144 × 144 pixels, default library)', speed.n / speed.seconds, (v) => v >= 100, 0],
  ...rows.map((r) => [`${r.label}: at least 95 % within 2°`, 100 * r.cmp.withinTolerance, (v) => v >= 95, 1]),
  ...groups.map((g) => [`${g.label}: at least 95 % within 2°`, 100 * g.within, (v) => v >= 95, 1]),
  ...rows.map((r) => [`${r.label}: at least 98 % with the right phase`, 100 * r.cmp.phaseCorrect, (v) => v >= 98, 1]),
];
console.log(`## Orientation indexing

\`bench/indexing.mjs\`: \`blo index\` (template matching with the default library: templates on a 0.5° grid screened on a 1° one, ${availableParallelism()} worker threads) on scans simulated by
\`blo demo --phase … --size 144 --pixel-size ${PIXEL} --truth\` (kinematic precession patterns, 1° precession, 200 kV, grains 30–50 nm
thick, a drifting saturated direct beam, diffuse background, Poisson noise, 8-bit), each in a fresh process, the faster of two runs
(one run for the copper + ferrite scans of other seeds, there for their accuracy);
"whole command" is the process's wall time from start to exit (CIF reading, the library, reading, matching, writing the .ctf).
Accuracy against the true map: misorientation over the Laue group's rotations, the half turn about the beam allowed
(kinematic patterns cannot tell it), and without that allowance. A miss is a kinematic twin when the orientation found
has a kinematic pattern at least ${100 * TWIN} % alike the truth's (\`patternSimilarity\`: the overlap of the two patterns' spots, the
lowest over 30, 40 and 50 nm): the pattern does not tell them apart, so no indexer can. Measured ${started}; load average (1 min) ${load.toFixed(1)} when it started: the
machine's ${availableParallelism()} cores are shared with other processes, so the speeds are lower bounds.

${lines.join('\n')}

| target | measured | met |
|---|---:|---|
${targets.map(([name, v, ok, d]) => `| ${name} | ${v.toFixed(d)} | ${ok(v) ? 'yes' : 'no'} |`).join('\n')}

For scale: pyxem's published CPU figures (Cautaerts et al., Ultramicroscopy 2022, 16 cores) are about 30–130 patterns/s
for libraries of about a thousand templates.

${groups.map((g) => `${g.label}: ${pct(g.within)} within 2°, ${pct(g.within + g.twins)} within 2° or a kinematic twin.`).join('\n')}

How the spot-profile fit decides near-ties, and where the two cubic phases still fall short of 95 %: [docs/indexing-accuracy.md](docs/indexing-accuracy.md).
`);
