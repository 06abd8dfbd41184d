// Why a two-phase demo scan falls short of 95 % within 2° (docs/indexing-accuracy.md): for each position
// of a scan simulated with --truth, where the true orientation ranks among the matcher's solutions, how
// the correlation index scores the truth against the solution found, and how a full-profile fit does:
// the pattern modelled pixel by pixel as background (the ring medians the matcher uses) plus every
// reflection as a Gaussian spot of the demo's width, intensity scale and crystal thickness fitted
// (weighted least squares; the score is the drop in χ² from the background alone), first at the
// orientations as found, then with the found one refined under the same fit (a ±0.5° grid of beam
// tilts at 0.1° for each thickness, then steps of 0.05° and 0.025° about the three axes).
// Run after bench/indexing.mjs has made the scans:
//   node bench/indexing-ties.mjs [NAME=cu-fe-32] [PHASES=Cu.cif,ferrite.cif]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
const node = await import(pathToFileURL(join(root, 'dist', 'node', 'index.js')).href);
const name = process.argv[2] ?? 'cu-fe-32';
const phaseFiles = (process.argv[3] ?? 'Cu.cif,ferrite.cif').split(',');
const PIXEL = 0.025;
const data = join(root, 'bench-data', 'indexing');
const phases = [];
for (const f of phaseFiles) phases.push(await node.loadPhase(join(root, 'examples', f)));
const bf = await node.openBlockfile(join(data, `${name}.blo`));
const truth = lib.parseCtf(readFileSync(join(data, `${name}-truth.ctf`), 'utf8'));
const library = lib.buildLibrary(phases, lib.libraryOptionsFor(bf, phases, { pixelSize: PIXEL }));
const dp = bf.header.DP_SZ;
const K = 8;
const matcher = new lib.PatternMatcher(library, dp, { solutions: K });
const symmetry = library.phases.map((p) => p.symmetry);

// The full-profile fit.
const THICKNESS = [30, 40, 50]; // nm: the demo's grains are 30–50 nm thick
const simulators = phases.map((phase) => THICKNESS.map((thickness) => new lib.PatternSimulator(phase, { size: dp, pixelSize: PIXEL, precession: 1, voltage: 200, thickness, margin: 8 })));
const sigma = Math.max(1, dp / 80); // the demo's spot width
const reach = Math.ceil(2.5 * sigma);
const k = 1 / (2 * sigma * sigma);
const c0 = (dp - 1) / 2;
const model = new Float64Array(dp * dp);

/** Background (ring medians of the 3 × 3-smoothed frame about the beam), residual e = frame − background, weights 1/background; saturated pixels weigh 0. */
function prepare(frame, bx, by) {
  const smooth = new Float64Array(dp * dp);
  for (let y = 0; y < dp; y++) {
    for (let x = 0; x < dp; x++) {
      let s = 0, w = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const v = frame[Math.min(dp - 1, Math.max(0, y + dy)) * dp + Math.min(dp - 1, Math.max(0, x + dx))];
          const ww = (dx ? 1 : 2) * (dy ? 1 : 2);
          s += ww * v;
          w += ww;
        }
      }
      smooth[y * dp + x] = s / w;
    }
  }
  const rings = [];
  for (let q = 0; q < dp * dp; q++) (rings[Math.round(Math.hypot((q % dp) - bx, Math.floor(q / dp) - by))] ??= []).push(smooth[q]);
  const median = rings.map((v) => v.sort((a, b) => a - b)[v.length >> 1]);
  const e = new Float64Array(dp * dp);
  const w = new Float64Array(dp * dp);
  for (let q = 0; q < dp * dp; q++) {
    const r = Math.hypot((q % dp) - bx, Math.floor(q / dp) - by);
    const r0 = Math.floor(r);
    const b = median[r0] * (r0 + 1 - r) + (median[r0 + 1] ?? median[r0]) * (r - r0);
    if (frame[q] >= 255 || r < library.innerRadius) continue;
    e[q] = frame[q] - b;
    w[q] = 1 / Math.max(1, b);
  }
  return { e, w, bx, by };
}

/** max over the scale s of χ²(background) − χ²(background + s·model): (Σ w e m)² / Σ w m², 0 when the best scale is negative. */
function fitScore(fit, pattern) {
  const touched = [];
  for (let i = 0; i < pattern.count; i++) {
    const x = pattern.x[i] + fit.bx - c0, y = pattern.y[i] + fit.by - c0, v = pattern.intensity[i];
    for (let r = Math.max(0, Math.ceil(y - reach)); r <= Math.min(dp - 1, Math.floor(y + reach)); r++) {
      const gy = v * Math.exp(-k * (r - y) ** 2);
      for (let col = Math.max(0, Math.ceil(x - reach)); col <= Math.min(dp - 1, Math.floor(x + reach)); col++) {
        const q = r * dp + col;
        if (model[q] === 0) touched.push(q);
        model[q] += gy * Math.exp(-k * (col - x) ** 2);
      }
    }
  }
  let em = 0, mm = 0;
  for (const q of touched) {
    const m = model[q];
    model[q] = 0;
    em += fit.w[q] * fit.e[q] * m;
    mm += fit.w[q] * m * m;
  }
  return em > 0 ? (em * em) / mm : 0;
}

/** G·R, R a turn by `angle` radians about sample axis `axis` (0 x, 1 y, 2 z). */
function turn(g, axis, angle) {
  const c = Math.cos(angle), s = Math.sin(angle), i = (axis + 1) % 3, j = (axis + 2) % 3;
  const out = [...g];
  for (let row = 0; row < 3; row++) {
    out[3 * row + i] = g[3 * row + i] * c + g[3 * row + j] * s;
    out[3 * row + j] = -g[3 * row + i] * s + g[3 * row + j] * c;
  }
  return out;
}

const best = (fit, p, g) => Math.max(...simulators[p].map((sim) => fitScore(fit, sim.simulate(g))));

/** The best fit near g: a grid of beam tilts, then small turns about the three axes. */
function refined(fit, p, g) {
  const degree = Math.PI / 180;
  let top = -1, at = g, t = 0;
  simulators[p].forEach((sim, ti) => {
    for (let i = -5; i <= 5; i++) {
      for (let j = -5; j <= 5; j++) {
        const trial = turn(turn(g, 0, i * 0.1 * degree), 1, j * 0.1 * degree);
        const s = fitScore(fit, sim.simulate(trial));
        if (s > top) [top, at, t] = [s, trial, ti];
      }
    }
  });
  for (const step of [0.05, 0.025]) {
    for (let round = 0; round < 6; round++) {
      let next;
      for (let axis = 0; axis < 3; axis++) {
        for (const sign of [1, -1]) {
          const trial = turn(at, axis, sign * step * degree);
          const s = fitScore(fit, simulators[p][t].simulate(trial));
          if (s > top) [top, next] = [s, trial];
        }
      }
      if (!next) break;
      at = next;
    }
  }
  return top;
}

const n = truth.nx * truth.ny;
const maps = lib.createIndexMaps(n, K);
const rank = new Array(K + 1).fill(0);
let misses = 0, correlationPrefersFound = 0;
const fitAsFound = { misses: 0, truthWins: 0, correct: 0, runnerUpWins: 0 };
const fitRefined = { misses: 0, truthWins: 0, margins: [] };
for (let idx = 0; idx < n; idx++) {
  const frame = await bf.frameAt(Math.floor(idx / truth.nx), idx % truth.nx);
  matcher.match(frame, maps, idx);
  const p = truth.phase[idx] - 1;
  const gt = lib.eulerDegreesToMatrix(truth.euler[3 * idx], truth.euler[3 * idx + 1], truth.euler[3 * idx + 2]);
  const qt = lib.matrixToQuaternion(gt);
  const within = (j) => maps.solutions.phase[idx * K + j] === p + 1 && lib.misorientation(maps.solutions.quaternion.subarray(4 * (idx * K + j), 4 * (idx * K + j) + 4), qt, symmetry[p], true) <= 2;
  let r = 0;
  while (r < K && maps.solutions.phase[idx * K + r] !== 0 && !within(r)) r++;
  rank[maps.solutions.phase[idx * K + r] === 0 ? K : r]++;
  const miss = r !== 0;
  const found = { p: maps.phase[idx] - 1, g: lib.quaternionToMatrix(maps.quaternion.subarray(4 * idx, 4 * idx + 4)) };
  if (miss) {
    misses++;
    // The half turn about the beam gives the same kinematic pattern: the truth scores as the better of the two.
    const flipped = gt.map((v, i) => ([0, 1, 3, 4, 6, 7].includes(i) ? -v : v));
    if (Math.max(matcher.correlationAt(p, gt), matcher.correlationAt(p, flipped)) < maps.correlation[idx]) correlationPrefersFound++;
  }
  // The fit on a sample: every third miss, every 24th position indexed right (against its runner-up).
  const sampled = miss ? misses % 3 === 1 : idx % 24 === 0 && maps.solutions.phase[idx * K + 1] !== 0;
  if (!sampled) continue;
  const fit = prepare(frame, maps.center[2 * idx], maps.center[2 * idx + 1]);
  const truthFit = best(fit, p, gt);
  if (miss) {
    fitAsFound.misses++;
    if (truthFit > best(fit, found.p, found.g)) fitAsFound.truthWins++;
    fitRefined.misses++;
    const truthRefined = refined(fit, p, gt);
    const foundRefined = refined(fit, found.p, found.g);
    if (truthRefined > foundRefined) fitRefined.truthWins++;
    fitRefined.margins.push((truthRefined - foundRefined) / truthRefined);
  } else {
    const j = idx * K + 1;
    fitAsFound.correct++;
    if (best(fit, maps.solutions.phase[j] - 1, lib.quaternionToMatrix(maps.solutions.quaternion.subarray(4 * j, 4 * j + 4))) > truthFit) fitAsFound.runnerUpWins++;
  }
}
await bf.close();
const margins = fitRefined.margins.sort((a, b) => a - b);
const pct = (v) => `${(100 * v).toFixed(1)} %`;
console.log(`${name} (${n} positions): within 2° ${pct(rank[0] / n)}; misses ${misses}.
Where the truth ranks among the ${K} solutions kept (rank: positions): ${rank.slice(0, K).map((v, i) => `${i + 1}: ${v}`).join(', ')}; not among them: ${rank[K]}.
Misses where the correlation index scores the truth (or its half turn) below the solution found: ${correlationPrefersFound} of ${misses}.
Full-profile fit, orientations as found: the truth fits better on ${fitAsFound.truthWins} of ${fitAsFound.misses} sampled misses; the runner-up fits better than the truth on ${fitAsFound.runnerUpWins} of ${fitAsFound.correct} sampled right ones.
Full-profile fit, both refined under it: the truth fits better on ${fitRefined.truthWins} of ${fitRefined.misses} sampled misses; (truth − found) / truth, median ${margins.length ? margins[margins.length >> 1].toExponential(1) : '—'}, range ${margins.length ? `${margins[0].toExponential(1)} … ${margins[margins.length - 1].toExponential(1)}` : '—'}.`);
