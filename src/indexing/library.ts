/**
 * Template libraries for orientation mapping: for each phase, the kinematic
 * precession pattern (see `crystal/simulate.ts`) of every beam direction of
 * a grid over the fundamental sector of its Laue group, reduced to spots in
 * polar coordinates about the direct beam. The turn about the beam (φ1) is
 * not sampled: matching finds it. Beside the templates, a screen: templates
 * on a grid twice as coarse, each listing the templates near it, so that
 * matching looks closely only where the screen points (see match.ts). A
 * library is plain data (typed arrays), so it crosses to workers as it is.
 * Conventions: ../../shared/ORIENTATION.md.
 */
import { eulerToMatrix } from '../crystal/orientation.js';
import type { AtomSite, Phase, SpaceGroupInfo } from '../crystal/phase.js';
import type { Cell } from '../crystal/lattice.js';
import type { SymOp } from '../crystal/symmetry.js';
import { PatternSimulator, type SimulatedPattern } from '../crystal/simulate.js';
import type { Mat3 } from '../crystal/lattice.js';
import { symmetryQuaternions } from './quaternion.js';
import { acos, atan2, cos, pow, sin } from '../crystal/exact-math.js';

export interface LibraryOptions {
  /** Reciprocal calibration of the patterns, Å⁻¹ per pixel. */
  pixelSize: number;
  /** Outer radius of the matched disc about the direct beam, pixels. */
  radius: number;
  /** Spots closer than this to the direct beam are left out (the beam is masked there), pixels. */
  innerRadius: number;
  /**
   * Angular step of the templates' beam-direction grid, degrees (default
   * 0.5). Up to 0.5°, the screen's grid and the in-plane search step are
   * twice it; coarser, there is no screen and the in-plane step is the same.
   */
  resolution?: number;
  /** Precession angle, degrees (default 1). */
  precession?: number;
  /** Accelerating voltage, kV (default 200). */
  voltage?: number;
  /** Crystal thickness the templates are simulated for, nm: the relrod width (default 30; thinner is more forgiving). */
  thickness?: number;
  /** Spot weights are intensity^gamma (default 0.5: evens out strong and weak spots). */
  gamma?: number;
  /** At most this many spots per template, the strongest (default 60). */
  maxSpots?: number;
  /**
   * Each template is the mean of the patterns of its beam direction and of
   * six directions tilted from it by this angle, degrees (default half the
   * resolution; 0 for the direction's own pattern): a precession pattern
   * changes within a fraction of a degree of tilt, so a template made for one
   * point of the grid would miss orientations between grid points. The
   * screen's templates are spread by twice this.
   */
  spread?: number;
}

/** One phase's templates: parallel typed arrays. */
export interface PhaseLibrary {
  /** Index of the phase in the list the library was built from. */
  phase: number;
  name: string;
  laueGroup: string;
  /** Number of templates (beam directions). */
  count: number;
  /** Per template: Bunge Φ and φ2 (radians) of its orientation with φ1 = 0; the beam direction in the crystal is G's third column. */
  angles: Float64Array;
  /** Spots of template t: indices start[t] … start[t + 1] − 1. */
  start: Int32Array;
  /** Per spot: radius, whole pixels. */
  spotR: Uint16Array;
  /** Per spot: polar angle atan2(y − cy, x − cx) in steps of 360°/`angles` of the library. */
  spotA: Uint16Array;
  /** Per spot: weight (intensity^gamma), each template's weights with unit Euclidean norm. */
  spotW: Float32Array;
  /** The Laue group's proper rotations as quaternions (for misorientations). */
  symmetry: Float64Array;
  /**
   * Templates on a grid twice as coarse (spread twice as far), in the same
   * arrays' form, each with its children: the templates (2·t, + 1 for the
   * mirror image) whose beam direction, or its opposite, lies within the
   * screen's grid step of its own under the Laue group. Matching searches
   * the children of the screen's best, and the screen's best themselves.
   * Absent in libraries made before it: matching then scores every template.
   */
  screen?: ScreenTemplates;
  /** The phase as plain data (`makePhase` rebuilds it): refinement simulates near the best template. */
  structure: { name: string; file: string; cell: Cell; sites: AtomSite[]; ops: SymOp[]; spaceGroup: SpaceGroupInfo };
}

/** A phase's screen (see {@link PhaseLibrary.screen}). */
export interface ScreenTemplates {
  count: number;
  /** Per screen template: Bunge Φ and φ2 (radians), as {@link PhaseLibrary.angles} (absent in libraries from before the screen's own templates were searched). */
  angles?: Float64Array;
  start: Int32Array;
  spotR: Uint16Array;
  spotA: Uint16Array;
  spotW: Float32Array;
  /** Children of screen template s: children[childStart[s]] … children[childStart[s + 1] − 1], ascending. */
  childStart: Int32Array;
  children: Int32Array;
}

export interface TemplateLibrary {
  phases: PhaseLibrary[];
  /** Polar angle steps in a full turn, a multiple of 8 ({@link inPlaneSteps}: 360 / (2 · resolution) with a screen, else 360 / resolution). */
  steps: number;
  radius: number;
  innerRadius: number;
  resolution: number;
  pixelSize: number;
  gamma: number;
  maxSpots: number;
  precession: number;
  voltage: number;
  thickness: number;
  /** Tilt of the patterns averaged into each template, degrees (see {@link LibraryOptions.spread}; absent in libraries from before it: 0). */
  spread?: number;
}

/** A generic direction: no rotation of any crystallographic group fixes it. */
const GENERIC = (() => {
  const v = [0.3, 0.11, 1];
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
})();

/**
 * Beam directions (unit vectors, crystal frame) of a quasi-uniform grid of
 * spacing about `resolution` degrees (a Fibonacci sphere) that lie in the
 * fundamental sector of the Laue group given by its proper rotations: the
 * directions closer to a generic direction than any of their images under
 * the group and the inversion (a Dirichlet cell, one of |group|·2 equal
 * sectors). Returns interleaved x, y, z.
 */
export function fundamentalDirections(rotations: readonly (readonly number[])[], resolution: number): Float64Array {
  const step = (resolution * Math.PI) / 180;
  const n = Math.max(2 * rotations.length, Math.ceil((4 * Math.PI) / (step * step)));
  const golden = Math.PI * (3 - Math.sqrt(5));
  // w's images under the group: d is kept when d·w ≥ d·(±S⁻¹w) for every S, i.e. (S d)·w ≤ d·w.
  const images = rotations.map((r) => [0, 1, 2].map((j) => r[j] * GENERIC[0] + r[3 + j] * GENERIC[1] + r[6 + j] * GENERIC[2]));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = 1 - (2 * i + 1) / n;
    const s = Math.sqrt(Math.max(0, 1 - z * z));
    const x = s * cos(i * golden);
    const y = s * sin(i * golden);
    const own = x * GENERIC[0] + y * GENERIC[1] + z * GENERIC[2];
    let keep = true;
    for (const w of images) {
      const d = x * w[0] + y * w[1] + z * w[2];
      if (d > own + 1e-12 || -d > own + 1e-12) {
        keep = false;
        break;
      }
    }
    if (keep) out.push(x, y, z);
  }
  return Float64Array.from(out);
}

/** The simulator of a library's templates: a square detector about the beam reaching `radius`, the beam at its middle, reflections within `radius` (+1 pixel). */
export function templateSimulator(phase: Phase, options: Pick<Required<LibraryOptions>, 'radius' | 'pixelSize' | 'precession' | 'voltage' | 'thickness'>): PatternSimulator {
  const half = Math.ceil(options.radius) + 2;
  // Reflections out to the radius only, not to the square's corners (a third of them): the margin takes the corners' reach away.
  const corner = Math.SQRT2 * (half + 0.5);
  return new PatternSimulator(phase, {
    size: 2 * half + 1,
    pixelSize: options.pixelSize,
    center: [half, half],
    precession: options.precession,
    voltage: options.voltage,
    thickness: options.thickness,
    margin: options.radius + 1 - corner,
  });
}

/** G·R, R the rotation by `angle` radians about the unit sample-frame axis (x, y, 0): a tilt of the beam. */
function tilt(g: Mat3, x: number, y: number, angle: number): Mat3 {
  const c = cos(angle), s = sin(angle), k = 1 - c;
  const r = [c + x * x * k, x * y * k, y * s, x * y * k, c + y * y * k, -x * s, -y * s, x * s, c];
  const out = new Array<number>(9) as Mat3;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[3 * i + j] = g[3 * i] * r[j] + g[3 * i + 1] * r[3 + j] + g[3 * i + 2] * r[6 + j];
  return out;
}

/**
 * The pattern a template stands for: the mean intensity of each reflection
 * over the patterns of G and of G tilted by `spread` degrees towards six
 * directions 60° apart (absent reflections count 0), at G's spot positions
 * (a reflection only the tilts show at the first tilt's).
 */
export function spreadPattern(simulator: PatternSimulator, g: Mat3, spread: number): SimulatedPattern {
  if (!(spread > 0)) return simulator.simulate(g);
  // Every tilt is within `spread` of G: only the reflections that reach (the same patterns, sooner).
  const near = simulator.nearby(g, spread);
  const centre = simulator.simulate(g, near);
  const index = new Map<number, number>();
  const hkl: number[] = [], x: number[] = [], y: number[] = [], excitation: number[] = [], f2: number[] = [], sum: number[] = [];
  const add = (p: SimulatedPattern) => {
    for (let i = 0; i < p.count; i++) {
      // h, k, l as one number (|h|, |k|, |l| < 1024 within any detector's reach).
      const key = ((p.hkl[3 * i] + 1024) * 2048 + p.hkl[3 * i + 1] + 1024) * 2048 + p.hkl[3 * i + 2] + 1024;
      const at = index.get(key);
      if (at !== undefined) {
        sum[at] += p.intensity[i];
        continue;
      }
      index.set(key, sum.length);
      hkl.push(p.hkl[3 * i], p.hkl[3 * i + 1], p.hkl[3 * i + 2]);
      x.push(p.x[i]);
      y.push(p.y[i]);
      excitation.push(p.excitation[i]);
      f2.push(p.f2[i]);
      sum.push(p.intensity[i]);
    }
  };
  add(centre);
  const angle = (spread * Math.PI) / 180;
  for (let j = 0; j < 6; j++) add(simulator.simulate(tilt(g, cos((j * Math.PI) / 3), sin((j * Math.PI) / 3), angle), near));
  return {
    count: sum.length,
    hkl: Int32Array.from(hkl),
    x: Float64Array.from(x),
    y: Float64Array.from(y),
    excitation: Float64Array.from(excitation),
    f2: Float64Array.from(f2),
    intensity: Float64Array.from(sum, (v) => v / 7),
  };
}

/**
 * Whether a library of templates `resolution` degrees apart has a screen:
 * when the screen's grid (twice as coarse) is at most 1°. Coarser libraries
 * are searched whole, as before screens (a 2° screen misses too much).
 */
export function hasScreen(resolution: number): boolean {
  return resolution <= 0.5;
}

/** Polar steps of a library whose templates are `resolution` degrees apart: the screen's step, else the templates'. */
export function inPlaneSteps(resolution: number): number {
  return polarSteps(hasScreen(resolution) ? 2 * resolution : resolution);
}

/** Steps of the polar angle in a full turn for a resolution: about 360/resolution, a multiple of 8. */
export function polarSteps(resolution: number): number {
  return Math.max(64, 8 * Math.round(360 / resolution / 8));
}

/** Templates of `directions` (crystal frame, interleaved x, y, z): spots in polar coordinates, `steps` to the turn. */
function templatesOf(simulator: PatternSimulator, directions: Float64Array, steps: number, spread: number, options: Required<Omit<LibraryOptions, 'spread'>>) {
  const { radius, innerRadius, gamma, maxSpots } = options;
  const half = simulator.center[0];
  const angles: number[] = [];
  const start: number[] = [0];
  const spotR: number[] = [];
  const spotA: number[] = [];
  const spotW: number[] = [];
  const order: number[] = [];
  for (let d = 0; d < directions.length; d += 3) {
    const [x, y, z] = [directions[d], directions[d + 1], directions[d + 2]];
    const Phi = acos(Math.max(-1, Math.min(1, z)));
    const phi2 = Math.hypot(x, y) < 1e-12 ? 0 : atan2(x, y);
    const pattern = spreadPattern(simulator, eulerToMatrix(0, Phi, phi2), spread);
    order.length = 0;
    for (let i = 0; i < pattern.count; i++) {
      const r = Math.hypot(pattern.x[i] - half, pattern.y[i] - half);
      if (r >= innerRadius && r <= radius && pattern.intensity[i] > 0) order.push(i);
    }
    if (order.length === 0) continue;
    order.sort((a, b) => pattern.intensity[b] - pattern.intensity[a] || a - b);
    const kept = order.slice(0, maxSpots);
    let norm = 0;
    for (const i of kept) norm += pow(pattern.intensity[i], 2 * gamma);
    norm = Math.sqrt(norm);
    for (const i of kept) {
      const dx = pattern.x[i] - half;
      const dy = pattern.y[i] - half;
      spotR.push(Math.round(Math.hypot(dx, dy)));
      const a = Math.round((atan2(dy, dx) / (2 * Math.PI)) * steps);
      spotA.push(((a % steps) + steps) % steps);
      spotW.push(pow(pattern.intensity[i], gamma) / norm);
    }
    angles.push(Phi, phi2);
    start.push(spotR.length);
  }
  return {
    count: angles.length / 2,
    angles: Float64Array.from(angles),
    start: Int32Array.from(start),
    spotR: Uint16Array.from(spotR),
    spotA: Uint16Array.from(spotA),
    spotW: Float32Array.from(spotW),
  };
}

/** The beam directions (crystal frame, interleaved x, y, z) of templates with Bunge angles (Φ, φ2) and φ1 = 0. */
function beamDirections(angles: Float64Array): Float64Array {
  const out = new Float64Array((3 * angles.length) / 2);
  for (let t = 0; 2 * t < angles.length; t++) {
    const s = sin(angles[2 * t]);
    out[3 * t] = s * sin(angles[2 * t + 1]);
    out[3 * t + 1] = s * cos(angles[2 * t + 1]);
    out[3 * t + 2] = cos(angles[2 * t]);
  }
  return out;
}

/**
 * For each screen direction, the templates (2·t, + 1 through the mirror
 * image: the opposite direction) whose direction some rotation of the group
 * brings within `degrees` of it, ascending. Directions are bucketed in cubes
 * of that chord, so only neighbouring cubes are compared.
 */
function childrenOf(screen: Float64Array, templates: Float64Array, rotations: readonly (readonly number[])[], degrees: number): { childStart: Int32Array; children: Int32Array } {
  const chord = 2 * sin((degrees * Math.PI) / 360);
  const near = 1 - (chord * chord) / 2;
  const cell = (v: number) => Math.floor((v + 1) / chord);
  const key = (i: number, j: number, k: number) => (i * 4096 + j) * 4096 + k;
  const buckets = new Map<number, number[]>();
  // The screen's bounding box, a cell wider: most images of a direction lie far from the sector and are skipped at once.
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < screen.length; i++) {
    lo[i % 3] = Math.min(lo[i % 3], screen[i] - chord);
    hi[i % 3] = Math.max(hi[i % 3], screen[i] + chord);
  }
  for (let s = 0; 3 * s < screen.length; s++) {
    const k = key(cell(screen[3 * s]), cell(screen[3 * s + 1]), cell(screen[3 * s + 2]));
    let list = buckets.get(k);
    if (!list) buckets.set(k, (list = []));
    list.push(s);
  }
  const lists: Set<number>[] = Array.from({ length: screen.length / 3 }, () => new Set<number>());
  for (let t = 0; 3 * t < templates.length; t++) {
    const [x, y, z] = [templates[3 * t], templates[3 * t + 1], templates[3 * t + 2]];
    for (const r of rotations) {
      const v = [r[0] * x + r[1] * y + r[2] * z, r[3] * x + r[4] * y + r[5] * z, r[6] * x + r[7] * y + r[8] * z];
      for (const sign of [1, -1]) {
        const [a, b, c] = [sign * v[0], sign * v[1], sign * v[2]];
        if (a < lo[0] || a > hi[0] || b < lo[1] || b > hi[1] || c < lo[2] || c > hi[2]) continue;
        const [ci, cj, ck] = [cell(a), cell(b), cell(c)];
        for (let di = -1; di <= 1; di++) {
          for (let dj = -1; dj <= 1; dj++) {
            for (let dk = -1; dk <= 1; dk++) {
              for (const s of buckets.get(key(ci + di, cj + dj, ck + dk)) ?? []) {
                if (a * screen[3 * s] + b * screen[3 * s + 1] + c * screen[3 * s + 2] >= near) lists[s].add(2 * t + (sign < 0 ? 1 : 0));
              }
            }
          }
        }
      }
    }
  }
  const childStart = new Int32Array(lists.length + 1);
  const children: number[] = [];
  lists.forEach((list, s) => {
    children.push(...[...list].sort((p, q) => p - q));
    childStart[s + 1] = children.length;
  });
  return { childStart, children: Int32Array.from(children) };
}

/** A phase as plain data (`makePhase` rebuilds it): what a library keeps, and what crosses to workers. */
export function phaseStructure(phase: Phase): PhaseLibrary['structure'] {
  return {
    name: phase.name,
    file: phase.file,
    cell: { ...phase.cell },
    sites: phase.sites.map((site) => ({ ...site })),
    ops: phase.ops.map((op) => ({ r: [...op.r], t: [...op.t] })),
    spaceGroup: { ...phase.spaceGroup },
  };
}

/** One level of a phase's library: its templates (`own`, on the library's grid) or its screen's (twice as coarse). */
export type LibraryLevel = 'own' | 'screen';

/** The grid of a level's beam directions, and its templates' spread. */
function levelGrid(phase: Phase, options: Required<Omit<LibraryOptions, 'spread'>> & Pick<LibraryOptions, 'spread'>, level: LibraryLevel) {
  const spread = options.spread ?? 0;
  const scale = level === 'own' ? 1 : 2;
  return { directions: fundamentalDirections(phase.laueRotations, scale * options.resolution), spread: scale * spread };
}

/** The number of beam directions of a level (the chunks of a parallel build split them). */
export function levelSize(phase: Phase, options: Required<LibraryOptions>, level: LibraryLevel): number {
  return levelGrid(phase, options, level).directions.length / 3;
}

/**
 * The templates of directions [from, to) of a level's grid, as one worker
 * of a parallel build makes them: concatenated in order, the chunks give
 * that level's arrays exactly (see `buildLibraryOn` in engine.ts).
 */
export function templateChunk(phase: Phase, options: Required<LibraryOptions>, level: LibraryLevel, from: number, to: number) {
  const { directions, spread } = levelGrid(phase, options, level);
  return templatesOf(templateSimulator(phase, options), directions.subarray(3 * from, 3 * to), inPlaneSteps(options.resolution), spread, options);
}

/** Template arrays as `templatesOf` gives them. */
export type TemplateArrays = ReturnType<typeof templatesOf>;

/** Chunks of one level concatenated in order (their `start` offsets shifted). */
export function joinChunks(chunks: readonly TemplateArrays[]): TemplateArrays {
  const count = chunks.reduce((n, c) => n + c.count, 0);
  const spots = chunks.reduce((n, c) => n + c.spotR.length, 0);
  const out = {
    count,
    angles: new Float64Array(2 * count),
    start: new Int32Array(count + 1),
    spotR: new Uint16Array(spots),
    spotA: new Uint16Array(spots),
    spotW: new Float32Array(spots),
  };
  let t = 0, spot = 0;
  for (const c of chunks) {
    out.angles.set(c.angles, 2 * t);
    for (let i = 1; i <= c.count; i++) out.start[t + i] = spot + c.start[i];
    out.spotR.set(c.spotR, spot);
    out.spotA.set(c.spotA, spot);
    out.spotW.set(c.spotW, spot);
    t += c.count;
    spot += c.spotR.length;
  }
  return out;
}

/** A phase's library from its two levels' templates: the screen's children found, the phase kept as plain data. */
export function assemblePhaseLibrary(phase: Phase, index: number, resolution: number, own: TemplateArrays, screen: TemplateArrays | undefined): PhaseLibrary {
  const library: PhaseLibrary = { phase: index, name: phase.name, laueGroup: phase.laueGroup, ...own, symmetry: symmetryQuaternions(phase.laueRotations), structure: phaseStructure(phase) };
  if (screen) {
    library.screen = { ...screen, ...childrenOf(beamDirections(screen.angles), beamDirections(own.angles), phase.laueRotations, 2 * resolution) };
  }
  return library;
}

/**
 * Builds the template library of one phase (see {@link buildLibrary}):
 * `directions` (crystal frame, interleaved x, y, z) default to the
 * fundamental sector's grid; the screen's (see {@link hasScreen}) are the grid twice as coarse.
 */
export function buildPhaseLibrary(
  phase: Phase,
  index: number,
  options: Required<Omit<LibraryOptions, 'spread'>> & Pick<LibraryOptions, 'spread'>,
  directions = fundamentalDirections(phase.laueRotations, options.resolution),
): PhaseLibrary {
  const spread = options.spread ?? 0;
  const steps = inPlaneSteps(options.resolution);
  const simulator = templateSimulator(phase, options);
  const own = templatesOf(simulator, directions, steps, spread, options);
  if (!hasScreen(options.resolution)) return assemblePhaseLibrary(phase, index, options.resolution, own, undefined);
  const coarse = levelGrid(phase, options, 'screen');
  return assemblePhaseLibrary(phase, index, options.resolution, own, templatesOf(simulator, coarse.directions, steps, coarse.spread, options));
}

/** The options with their defaults filled in, checked. */
export function libraryOptions(options: LibraryOptions): Required<LibraryOptions> {
  const full = {
    resolution: 0.5,
    precession: 1,
    voltage: 200,
    thickness: 30,
    gamma: 0.5,
    maxSpots: 60,
    ...options,
  };
  const spread = full.spread ?? full.resolution / 2;
  if (!(full.pixelSize > 0)) throw new RangeError(`pixelSize must be positive (Å⁻¹ per pixel), got ${full.pixelSize}`);
  if (!(full.radius > 2)) throw new RangeError(`radius must be more than 2 pixels, got ${full.radius}`);
  if (!(full.innerRadius >= 0 && full.innerRadius < full.radius)) throw new RangeError(`innerRadius must be 0 to radius (${full.radius}), got ${full.innerRadius}`);
  if (!(full.resolution >= 0.25 && full.resolution <= 10)) throw new RangeError(`resolution must be 0.25 to 10 degrees, got ${full.resolution}`);
  if (!(full.gamma > 0 && full.gamma <= 2)) throw new RangeError(`gamma must be in (0, 2], got ${full.gamma}`);
  if (!(Number.isInteger(full.maxSpots) && full.maxSpots >= 1)) throw new RangeError(`maxSpots must be a positive integer, got ${full.maxSpots}`);
  if (!(spread >= 0 && spread <= 5)) throw new RangeError(`spread must be 0 to 5 degrees, got ${spread}`);
  return { ...full, spread };
}

/**
 * Template libraries of several phases for {@link indexFrames}: beam
 * directions over each Laue group's fundamental sector at `resolution`
 * degrees, simulated with the scan's precession angle and voltage. Pure;
 * runs in browsers.
 *
 * ```ts
 * const library = buildLibrary([copper, ferrite], { pixelSize: 0.025, radius: 68, innerRadius: 9 });
 * library.phases[0].count;   // templates of the first phase
 * ```
 */
export function buildLibrary(phases: readonly Phase[], options: LibraryOptions): TemplateLibrary {
  if (phases.length < 1 || phases.length > 255) throw new RangeError(`give 1 to 255 phases, got ${phases.length}`);
  const full = libraryOptions(options);
  return libraryOf(phases.map((p, i) => buildPhaseLibrary(p, i, full)), full);
}

/** A library of phase libraries built with the options `full`. */
export function libraryOf(phases: PhaseLibrary[], full: Required<LibraryOptions>): TemplateLibrary {
  return {
    phases,
    steps: inPlaneSteps(full.resolution),
    radius: full.radius,
    innerRadius: full.innerRadius,
    resolution: full.resolution,
    pixelSize: full.pixelSize,
    gamma: full.gamma,
    maxSpots: full.maxSpots,
    precession: full.precession,
    voltage: full.voltage,
    thickness: full.thickness,
    spread: full.spread,
  };
}

/** Number of templates and spots of a library, and the bytes its arrays take. */
export function librarySize(library: TemplateLibrary): { templates: number; spots: number; bytes: number } {
  let templates = 0, spots = 0, bytes = 0;
  for (const p of library.phases) {
    templates += p.count;
    spots += p.spotR.length;
    bytes += p.angles.byteLength + p.start.byteLength + p.spotR.byteLength + p.spotA.byteLength + p.spotW.byteLength + p.symmetry.byteLength;
    const screen = p.screen;
    if (screen) bytes += (screen.angles?.byteLength ?? 0) + screen.start.byteLength + screen.spotR.byteLength + screen.spotA.byteLength + screen.spotW.byteLength + screen.childStart.byteLength + screen.children.byteLength;
  }
  return { templates, spots, bytes };
}
