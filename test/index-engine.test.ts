/**
 * Orientation indexing: the fundamental sector, matching simulated patterns
 * of known orientation, and the worker pool giving the same maps as one
 * thread (cancellable, with progress).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eulerDegreesToMatrix, zoneAxisOrientation } from '../src/crystal/orientation.js';
import { readCifPhase, type Phase } from '../src/crystal/phase.js';
import { PatternSimulator, renderPattern } from '../src/crystal/simulate.js';
import { buildLibrary, fundamentalDirections, libraryOptions, librarySize, spreadPattern, templateSimulator } from '../src/indexing/library.js';
import { createIndexMaps, orientationOf, PatternMatcher } from '../src/indexing/match.js';
import { buildLibraryOn, indexOrientations, precessionFromNote, type IndexProgress, type JobPool } from '../src/indexing/engine.js';
import { matrixToQuaternion, misorientation, quaternionToMatrix, symmetryQuaternions } from '../src/indexing/quaternion.js';
import { openBlockfile } from '../src/node/open.js';
import { writeSpedDemoFile } from '../src/node/sped-demo-file.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { tempDir } from './helpers/cli.js';

const cif = (name: string) => readCifPhase(readFileSync(join(REPO_ROOT, 'examples', name), 'utf8'), name);
const copper = cif('Cu.cif');
const titanium = cif('Ti-alpha.cif');

describe('fundamental sector of beam directions', () => {
  it.each([
    ['Cu.cif', 24],
    ['Ti-alpha.cif', 12],
    ['Si.cif', 24],
  ])('%s: about 1/(2·%i) of the sphere, and its images under the group and the inversion cover the sphere once', (name, order) => {
    const phase = cif(name);
    expect(phase.laueRotations.length).toBe(order);
    const resolution = 3;
    const dirs = fundamentalDirections(phase.laueRotations, resolution);
    const all = Math.ceil((4 * Math.PI) / ((resolution * Math.PI) / 180) ** 2);
    const kept = dirs.length / 3;
    expect(kept / (all / (2 * order))).toBeGreaterThan(0.9);
    expect(kept / (all / (2 * order))).toBeLessThan(1.1);
    // Every direction of a random set has an image within about a grid step of a kept one.
    let worst = 0;
    for (let i = 0; i < 200; i++) {
      const z = 2 * ((i * 0.618034) % 1) - 1;
      const a = i * 2.39996;
      const v = [Math.sqrt(1 - z * z) * Math.cos(a), Math.sqrt(1 - z * z) * Math.sin(a), z];
      let best = -1;
      for (const r of phase.laueRotations) {
        const w = [0, 1, 2].map((row) => r[3 * row] * v[0] + r[3 * row + 1] * v[1] + r[3 * row + 2] * v[2]);
        for (const sign of [1, -1]) {
          for (let d = 0; d < dirs.length; d += 3) best = Math.max(best, sign * (w[0] * dirs[d] + w[1] * dirs[d + 1] + w[2] * dirs[d + 2]));
        }
      }
      worst = Math.max(worst, (Math.acos(Math.min(1, best)) * 180) / Math.PI);
    }
    expect(worst).toBeLessThan(1.5 * resolution);
  });
});

describe("a library's screen", () => {
  /** Beam direction of template t (Bunge Φ, φ2 with φ1 = 0). */
  const direction = (angles: Float64Array, t: number) => {
    const [P, f] = [angles[2 * t], angles[2 * t + 1]];
    return [Math.sin(P) * Math.sin(f), Math.sin(P) * Math.cos(f), Math.cos(P)];
  };
  it.each([
    ['Cu.cif', 0.5],
    ['Ti-alpha.cif', 0.5],
  ])('%s at %s°: every template is a child of the screen, each within the screen step of its parent under the group (and the inversion, for a mirror image)', (name, resolution) => {
    const phase = cif(name);
    const lib = buildLibrary([phase], { pixelSize: 0.04, radius: 40, innerRadius: 4, resolution }).phases[0];
    const screen = lib.screen!;
    expect(screen.count).toBeGreaterThan(lib.count / 5);
    expect(screen.count).toBeLessThan(lib.count / 3);
    // The screen's directions: its grid twice as coarse, as its templates' angles say.
    const screenDirs = fundamentalDirections(phase.laueRotations, 2 * resolution);
    expect(screenDirs.length / 3).toBe(screen.count);
    const covered = new Set<number>();
    for (let s = 0; s < screen.count; s++) {
      const sd = direction(screen.angles!, s);
      for (let k = 0; k < 3; k++) expect(sd[k]).toBeCloseTo(screenDirs[3 * s + k], 12);
      let previous = -1;
      for (let c = screen.childStart[s]; c < screen.childStart[s + 1]; c++) {
        const child = screen.children[c];
        expect(child).toBeGreaterThan(previous);
        previous = child;
        // A child 2t is template t plain under a plain screen template and mirrored under a mirrored one; 2t + 1 the reverse.
        covered.add(child >> 1);
        // Some rotation of the group (and, for a mirror image, the inversion) brings the child within the screen step.
        const d = direction(lib.angles, child >> 1);
        const sign = child & 1 ? -1 : 1;
        let best = -1;
        for (const r of phase.laueRotations) {
          const w = [0, 1, 2].map((row) => sign * (r[3 * row] * d[0] + r[3 * row + 1] * d[1] + r[3 * row + 2] * d[2]));
          best = Math.max(best, w[0] * sd[0] + w[1] * sd[1] + w[2] * sd[2]);
        }
        expect((Math.acos(Math.min(1, best)) * 180) / Math.PI).toBeLessThanOrEqual(2 * resolution + 1e-9);
      }
    }
    expect(covered.size).toBe(lib.count);
  });
});

describe('quaternions and misorientation', () => {
  it('round-trips matrices and finds symmetry-equivalent orientations 0° apart', () => {
    const g = eulerDegreesToMatrix(30, 40, 50);
    const q = matrixToQuaternion(g);
    quaternionToMatrix(q).forEach((v, i) => expect(v).toBeCloseTo(g[i], 12));
    const sym = symmetryQuaternions(copper.laueRotations);
    for (const s of copper.laueRotations) {
      const sg = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => s[3 * r] * g[c] + s[3 * r + 1] * g[3 + c] + s[3 * r + 2] * g[6 + c]));
      expect(misorientation(q, matrixToQuaternion(sg as never), sym)).toBeLessThan(1e-4);
    }
    expect(misorientation(q, matrixToQuaternion(eulerDegreesToMatrix(33, 40, 50)), sym)).toBeCloseTo(3, 6);
    // A half turn about the beam counts only with beamFlip.
    const flipped = matrixToQuaternion(eulerDegreesToMatrix(210, 40, 50));
    expect(misorientation(q, flipped, sym)).toBeGreaterThan(10);
    expect(misorientation(q, flipped, sym, true)).toBeLessThan(1e-4);
  });
});

describe('matching simulated patterns', () => {
  const size = 128;
  const pixelSize = 0.028;
  const library = (phase: Phase) => buildLibrary([phase], { pixelSize, radius: 86, innerRadius: 8, resolution: 1.5, precession: 1, thickness: 40 });
  const cuLibrary = library(copper);
  const tiLibrary = library(titanium);

  function render(phase: Phase, g: number[], center: [number, number]) {
    const sim = new PatternSimulator(phase, { size, pixelSize, center, precession: 1, thickness: 40 });
    const image = renderPattern(sim.simulate(g as never), size, center, { spotSigma: 1.5, directBeam: 3, background: 2, counts: 400, seed: 3 });
    return Uint16Array.from(image, (v) => Math.min(v, 65535));
  }

  it('a mirrored template is the pattern of G₀·diag(−1, 1, −1)', () => {
    const lib = cuLibrary.phases[0];
    const t = 17;
    const sim = new PatternSimulator(copper, { size, pixelSize, precession: 1, thickness: 40 });
    const plain = sim.simulate(orientationOf(lib, t, false, 0));
    const mirrored = sim.simulate(orientationOf(lib, t, true, 0));
    const c = (size - 1) / 2;
    const key = (x: number, y: number, v: number) => `${Math.round((x - c) * 1e6)},${Math.round((y - c) * 1e6)},${v.toPrecision(8)}`;
    const a = new Set(Array.from({ length: plain.count }, (_, i) => key(plain.x[i], 2 * c - plain.y[i], plain.intensity[i])));
    const b = new Set(Array.from({ length: mirrored.count }, (_, i) => key(mirrored.x[i], mirrored.y[i], mirrored.intensity[i])));
    expect(plain.count).toBeGreaterThan(3);
    expect(b).toEqual(a);
  });

  it.each([
    ['Cu', [12.5, 33.3, 71.2]],
    ['Cu', [200.1, 87.4, 8.9]],
    ['Cu', [301.7, 122.9, 155.5]],
    // A pseudo-symmetric twin 6.6° away scores within 0.4 % of this one: either may come out.
    ['Ti', [45.2, 61.7, 13.3], 'tie'],
    ['Ti', [170.4, 20.8, 250.1]],
  ])('%s at Bunge (%j): found within 1.5° (a half turn about the beam allowed), beam centre within 0.3 px', (name, euler, tie?: string) => {
    const phase = name === 'Cu' ? copper : titanium;
    const lib = name === 'Cu' ? cuLibrary : tiLibrary;
    const g = eulerDegreesToMatrix(euler[0], euler[1], euler[2]);
    const center: [number, number] = [64.3, 61.8];
    const matcher = new PatternMatcher(lib, size);
    const maps = createIndexMaps(1, 5);
    matcher.match(render(phase, g, center), maps, 0);
    expect(maps.phase[0]).toBe(1);
    const error = misorientation(maps.quaternion, matrixToQuaternion(g), lib.phases[0].symmetry, true);
    if (tie && error >= 1.5) {
      // The twin won: only by a hair, and the reliability says so.
      expect(matcher.correlationAt(0, g)).toBeLessThan(1.01 * maps.correlation[0]);
      expect(maps.reliability[0]).toBeLessThan(5);
    } else {
      expect(error).toBeLessThan(1.5);
    }
    expect(Math.hypot(maps.center[0] - center[0], maps.center[1] - center[1])).toBeLessThan(0.3);
    expect(maps.correlation[0]).toBeGreaterThan(0);
    expect(maps.spots[0]).toBeGreaterThanOrEqual(2);
    expect(maps.solutions.correlation[0]).toBe(maps.correlation[0]);
    // Without the profile fit, solutions come in the order of their correlation (the fit reorders those it decided between).
    const plain = createIndexMaps(1, 5);
    new PatternMatcher(lib, size, { fit: false }).match(render(phase, g, center), plain, 0);
    for (let i = 1; i < 5; i++) expect(plain.solutions.correlation[i]).toBeLessThanOrEqual(plain.solutions.correlation[i - 1]);
    expect(plain.solutions.correlation[0]).toBe(plain.correlation[0]);
  });

  it('tells copper from titanium (phase reliability), and a zone axis has a low reliability (its half-turn twin)', () => {
    const both = buildLibrary([copper, titanium], { pixelSize, radius: 86, innerRadius: 8, resolution: 1.5, precession: 1, thickness: 40 });
    const matcher = new PatternMatcher(both, size);
    const maps = createIndexMaps(2, 3);
    matcher.match(render(titanium, eulerDegreesToMatrix(45.2, 61.7, 13.3), [63.5, 63.5]), maps, 0);
    const zone = zoneAxisOrientation(copper.lattice, [0, 1, 1], 20).matrix;
    matcher.match(render(copper, zone, [63.5, 63.5]), maps, 1);
    expect(Array.from(maps.phase)).toEqual([2, 1]);
    expect(maps.phaseReliability[0]).toBeGreaterThan(5);
    expect(maps.phaseReliability[1]).toBeGreaterThan(5);
    expect(misorientation(maps.quaternion.subarray(4, 8), matrixToQuaternion(zone), both.phases[0].symmetry, true)).toBeLessThan(1.5);
    expect(maps.reliability[1]).toBeLessThan(maps.reliability[0] + 50);
  });

  it('leaves a blank pattern unindexed, and takes a fixed beam centre when given', () => {
    const maps = createIndexMaps(2, 2);
    new PatternMatcher(cuLibrary, size).match(new Uint8Array(size * size), maps, 0);
    expect(maps.phase[0]).toBe(0);
    expect(maps.correlation[0]).toBe(0);
    const g = eulerDegreesToMatrix(12.5, 33.3, 71.2);
    new PatternMatcher(cuLibrary, size, { center: [64.3, 61.8] }).match(render(copper, g, [64.3, 61.8]), maps, 1);
    expect(Array.from(maps.center.subarray(2, 4))).toEqual([Math.fround(64.3), Math.fround(61.8)]);
    expect(misorientation(maps.quaternion.subarray(4, 8), matrixToQuaternion(g), cuLibrary.phases[0].symmetry, true)).toBeLessThan(1.5);
  });

  it('reads the precession angle from an ASTAR note', () => {
    expect(precessionFromNote('Precession angle : 0.6\r\nPrecession Frequency : 100')).toBe(0.6);
    expect(precessionFromNote('no such line')).toBeUndefined();
  });

  it('a template is the mean of its direction\'s pattern and six tilted by the spread (default half the resolution)', () => {
    const options = libraryOptions({ pixelSize, radius: 86, innerRadius: 8, resolution: 1.5, precession: 1, thickness: 40 });
    expect(options.spread).toBe(0.75);
    expect(() => libraryOptions({ pixelSize, radius: 86, innerRadius: 8, spread: -1 })).toThrow(RangeError);
    const sim = templateSimulator(copper, options);
    const g = eulerDegreesToMatrix(0, 37.1, 21.4);
    expect(spreadPattern(sim, g, 0)).toEqual(sim.simulate(g));
    // The seven patterns, tilted here by turning about sample axes x·cos a + y·sin a (G·R, Rodrigues' formula).
    const tilted = [sim.simulate(g)];
    const angle = (0.75 * Math.PI) / 180;
    for (let j = 0; j < 6; j++) {
      const [x, y] = [Math.cos((j * Math.PI) / 3), Math.sin((j * Math.PI) / 3)];
      const [c, s, k] = [Math.cos(angle), Math.sin(angle), 1 - Math.cos(angle)];
      const r = [c + x * x * k, x * y * k, y * s, x * y * k, c + y * y * k, -x * s, -y * s, x * s, c];
      tilted.push(sim.simulate([0, 1, 2].flatMap((i) => [0, 1, 2].map((col) => g[3 * i] * r[col] + g[3 * i + 1] * r[3 + col] + g[3 * i + 2] * r[6 + col])) as never));
    }
    const mean = new Map<string, number>();
    for (const p of tilted) for (let i = 0; i < p.count; i++) mean.set(`${p.hkl.subarray(3 * i, 3 * i + 3)}`, (mean.get(`${p.hkl.subarray(3 * i, 3 * i + 3)}`) ?? 0) + p.intensity[i] / 7);
    const spread = spreadPattern(sim, g, 0.75);
    expect(spread.count).toBe(mean.size);
    expect(spread.count).toBeGreaterThan(tilted[0].count);
    for (let i = 0; i < spread.count; i++) expect(spread.intensity[i]).toBeCloseTo(mean.get(`${spread.hkl.subarray(3 * i, 3 * i + 3)}`)!, 10);
    // Spots the beam direction itself shows keep its positions.
    for (let i = 0; i < tilted[0].count; i++) {
      expect(spread.x[i]).toBe(tilted[0].x[i]);
      expect(spread.y[i]).toBe(tilted[0].y[i]);
    }
  });

  it('finds orientations between the grid\'s beam directions (the farthest points from a 1° grid: about 0.6° off), within 1.5°', () => {
    const lib = buildLibrary([copper], { pixelSize, radius: 86, innerRadius: 8, resolution: 1, precession: 1, thickness: 40 });
    const dirs = fundamentalDirections(copper.laueRotations, 1);
    const matcher = new PatternMatcher(lib, size);
    const maps = createIndexMaps(1, 5);
    // Beam directions in the sector's interior, each the farthest of a few trial points from every grid direction.
    let found = 0;
    const trials = [[0.21, 0.12, 0.97], [0.33, 0.16, 0.93], [0.41, 0.3, 0.86], [0.5, 0.1, 0.86], [0.3, 0.25, 0.92], [0.15, 0.05, 0.99]];
    for (const [i, t] of trials.entries()) {
      let far = t, worst = 0;
      for (let k = 0; k < 64; k++) {
        const v = [t[0] + 0.012 * Math.cos(k * 2.4), t[1] + 0.012 * Math.sin(k * 2.4), t[2]];
        const n = Math.hypot(...v);
        let near = 0;
        for (let d = 0; d < dirs.length; d += 3) near = Math.max(near, (v[0] * dirs[d] + v[1] * dirs[d + 1] + v[2] * dirs[d + 2]) / n);
        if (Math.acos(Math.min(1, near)) > worst) [worst, far] = [Math.acos(Math.min(1, near)), v.map((x) => x / n)];
      }
      expect((worst * 180) / Math.PI).toBeGreaterThan(0.4);
      const g = eulerDegreesToMatrix(40 + 70 * i, (Math.acos(far[2]) * 180) / Math.PI, (Math.atan2(far[0], far[1]) * 180) / Math.PI);
      matcher.match(render(copper, g, [64.3, 61.8]), maps, 0);
      if (misorientation(maps.quaternion, matrixToQuaternion(g), lib.phases[0].symmetry, true) < 1.5) found++;
    }
    expect(found).toBe(trials.length);
  });

  it("scores the screen's best templates in the full search too: with every child taken away, the screen alone finds the orientations", () => {
    const lib = buildLibrary([copper], { pixelSize, radius: 86, innerRadius: 8, resolution: 0.5, precession: 1, thickness: 40 });
    const screen = lib.phases[0].screen!;
    const childless = { ...lib, phases: [{ ...lib.phases[0], screen: { ...screen, childStart: new Int32Array(screen.count + 1), children: new Int32Array(0) } }] };
    const maps = createIndexMaps(1, 5);
    const orientations = [[30, 20, 10], [123, 41, 27], [250, 33, 5]].map(([a, b, c]) => eulerDegreesToMatrix(a, b, c));
    const found = (library: typeof lib) => {
      const matcher = new PatternMatcher(library, size, { fit: false });
      return orientations.map((g) => {
        matcher.match(render(copper, g, [64.3, 61.8]), maps, 0);
        return maps.phase[0] === 1 && misorientation(maps.quaternion, matrixToQuaternion(g), lib.phases[0].symmetry, true) < 1.5;
      });
    };
    expect(found(childless)).toEqual([true, true, true]);
    // The screen's templates are found by their angles: without them (a library from before), nothing is left to search.
    const { angles: _, ...anglesGone } = childless.phases[0].screen;
    const matcher = new PatternMatcher({ ...childless, phases: [{ ...childless.phases[0], screen: anglesGone }] }, size, { fit: false });
    const unindexed = createIndexMaps(1, 5);
    matcher.match(render(copper, orientations[0], [64.3, 61.8]), unindexed, 0);
    expect(unindexed.phase[0]).toBe(0);
  });

  it("matches a position again with its neighbours' solutions, only where one of them correlates better", () => {
    const matcher = new PatternMatcher(cuLibrary, size, { fit: false });
    const g = eulerDegreesToMatrix(47, 28, 13);
    const pattern = render(copper, g, [64.3, 61.8]);
    const maps = createIndexMaps(1, 5);
    matcher.match(pattern, maps, 0);
    const first = misorientation(maps.quaternion, matrixToQuaternion(g), cuLibrary.phases[0].symmetry, true);
    // A wrong solution planted where the search put its answer: a neighbour's solution, near the truth, replaces it.
    const wrong = eulerDegreesToMatrix(60, 35, 20);
    maps.quaternion.set(matrixToQuaternion(wrong));
    maps.correlation[0] = matcher.correlationAt(0, wrong);
    maps.solutions.correlation.fill(0);
    maps.solutions.correlation[0] = maps.correlation[0];
    expect(matcher.rematch(pattern, maps, 0, [{ phase: 0, g: eulerDegreesToMatrix(47.3, 28.2, 13) }])).toBe(true);
    expect(misorientation(maps.quaternion, matrixToQuaternion(g), cuLibrary.phases[0].symmetry, true)).toBeLessThan(Math.max(first, 0.5) + 1e-9);
    // A neighbour's solution that correlates worse than those the search found changes nothing.
    const held = Float64Array.from(maps.quaternion);
    expect(matcher.rematch(pattern, maps, 0, [{ phase: 0, g: wrong }])).toBe(false);
    expect(maps.quaternion).toEqual(held);
  });

  it('searches a library coarser than 0.5° whole, without a screen, as before screens (and matches one made before them)', () => {
    const one = buildLibrary([copper], { pixelSize: 0.04, radius: 40, innerRadius: 4, resolution: 1 });
    expect(one.phases[0].screen).toBeUndefined();
    expect(one.steps).toBe(360);
    expect(buildLibrary([copper], { pixelSize: 0.04, radius: 40, innerRadius: 4, resolution: 0.5 }).steps).toBe(360);
    // cuLibrary (1.5°) has no screen: the tests above match it whole.
    expect(cuLibrary.phases[0].screen).toBeUndefined();
  });

  it('sizes the library as the sector: about 1/48 of a 1.5° sphere grid for copper', () => {
    const { templates, spots, bytes } = librarySize(cuLibrary);
    expect(templates).toBeGreaterThan(300);
    expect(templates).toBeLessThan(460);
    expect(spots).toBeGreaterThan(templates);
    expect(bytes).toBeGreaterThan(0);
  });
});

describe('indexing a scan on worker threads', () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'demo.blo');
  let pool: JobPool & { close(): Promise<void> };
  beforeAll(async () => {
    await writeSpedDemoFile(path, { phases: [copper], nx: 7, ny: 5, dpSize: 96, bits: 8, seed: 3, grains: 4, pixelSize: 0.04 });
    // The pool runs the compiled worker script: import it from the build that `npm test` makes first.
    const node = await import(join(REPO_ROOT, 'dist', 'node', 'index.js'));
    pool = node.createNodeAnalysisPool(2);
  });
  afterAll(async () => {
    await pool.close();
    cleanup();
  });

  it("builds the library on the workers, in chunks, to the bit the one thread's", async () => {
    const options = { pixelSize: 0.04, radius: 32, innerRadius: 4, resolution: 0.5, precession: 0.8, thickness: 35 };
    const parallel = await buildLibraryOn(pool, [copper, titanium], options);
    expect(parallel).toEqual(buildLibrary([copper, titanium], options));
    expect(parallel.phases[1].screen!.children.length).toBeGreaterThan(0);
  });

  it('gives bit-identical maps to one thread, with progress, over a region', async () => {
    const bf = await openBlockfile(path);
    const options = { pixelSize: 0.04, resolution: 3, region: { x0: 1, y0: 1, x1: 6, y1: 5 } };
    const single = await indexOrientations(bf, [copper], options);
    const progress: number[] = [];
    const totals = new Set<number>();
    const passes: IndexProgress[] = [];
    const parallel = await indexOrientations(bf, [copper], options, {
      pool,
      blockFrames: 3,
      onProgress: (p) => (progress.push(p.frames), totals.add(p.totalFrames), passes.push(p)),
    });
    await bf.close();
    // The region's rows, twice: the second pass (neighbours' solutions) reads them again.
    expect(progress.at(-1)).toBe(2 * 4 * 7);
    expect([...totals]).toEqual([2 * 4 * 7]);
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1])).toBe(true);
    // Each pass counts its own patterns: the search first, then the neighbours' pass.
    const searched = passes.findIndex((p) => p.pass === 'neighbours');
    expect(searched).toBeGreaterThan(0);
    expect(passes.slice(searched).every((p) => p.pass === 'neighbours' && p.frames === 4 * 7 + p.passFrames)).toBe(true);
    expect(passes.slice(0, searched).every((p) => p.pass === 'search' && p.frames === p.passFrames)).toBe(true);
    expect(passes[searched - 1]).toMatchObject({ passFrames: 4 * 7, passTotal: 4 * 7 });
    expect(passes.at(-1)).toMatchObject({ passFrames: 4 * 7, passTotal: 4 * 7 });
    for (const key of ['phase', 'euler', 'quaternion', 'correlation', 'reliability', 'phaseReliability', 'spots', 'center'] as const) {
      expect(parallel[key]).toEqual(single[key]);
    }
    expect(parallel.solutions).toEqual(single.solutions);
    expect(single.precession).toBe(1); // from the demo's note
    // Inside the region every pattern is indexed; outside none is.
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 7; x++) expect(single.phase[y * 7 + x]).toBe(x >= 1 && x < 6 && y >= 1 ? 1 : 0);
    }
  });

  it('a band of rows, its neighbouring rows seeding the second pass, gives what the whole scan gives there', async () => {
    const bf = await openBlockfile(path);
    const options = { pixelSize: 0.04, resolution: 3 };
    const whole = await indexOrientations(bf, [copper], options);
    const band = await indexOrientations(bf, [copper], { ...options, region: { x0: 0, y0: 2, x1: 7, y1: 4 }, seedRegion: { x0: 0, y0: 1, x1: 7, y1: 5 } }, { pool });
    const rows = (a: Float64Array | Uint8Array, per: number, y0: number, y1: number) => Array.from(a.subarray(y0 * 7 * per, y1 * 7 * per));
    expect(rows(band.quaternion, 4, 2, 4)).toEqual(rows(whole.quaternion, 4, 2, 4));
    expect(rows(band.phase, 1, 2, 4)).toEqual(rows(whole.phase, 1, 2, 4));
    // The seed rows stay out of the maps.
    expect([...band.phase.subarray(0, 14), ...band.phase.subarray(28)].every((p) => p === 0)).toBe(true);
    await expect(indexOrientations(bf, [copper], { ...options, region: { x0: 0, y0: 2, x1: 7, y1: 4 }, seedRegion: { x0: 0, y0: 3, x1: 7, y1: 5 } })).rejects.toThrow(/must hold the region/);
    await bf.close();
  });

  it('stops when cancelled', async () => {
    const bf = await openBlockfile(path);
    const abort = new AbortController();
    const run = indexOrientations(bf, [copper], { pixelSize: 0.04, resolution: 2 }, { pool, blockFrames: 1, signal: abort.signal, onProgress: () => abort.abort(new Error('stop')) });
    await expect(run).rejects.toThrow('stop');
    await bf.close();
  });
});
