/**
 * Matching one diffraction pattern against template libraries: find the
 * direct beam, a polar transform about it, the diffuse background removed
 * ring by ring and the beam masked, then every template correlated over
 * all turns about the beam (a cyclic correlation over the polar angle), for
 * the template and its mirror image (together they cover every orientation:
 * see `orientationOf`); spots a turn puts off the detector count neither in
 * the correlation nor in the template's norm. A coarse pass (each template's strongest spots on
 * 2-step bins) over the library's screen (a grid twice as coarse), then over
 * the templates near the screen's best, keeps the best few for the full search;
 * the best few are then refined off the grid, and near-ties decided by a
 * spot-profile fit (profile-fit.ts). Pure and deterministic: the same
 * numbers in any thread.
 */
import { eulerToMatrix, matrixToEuler } from '../crystal/orientation.js';
import type { Mat3 } from '../crystal/lattice.js';
import { makePhase } from '../crystal/phase.js';
import type { PatternSimulator } from '../crystal/simulate.js';
import { matrixToQuaternion, misorientation, type Quaternion } from './quaternion.js';
import { templateSimulator, type PhaseLibrary, type TemplateLibrary } from './library.js';
import { atan2, cos, pow, sin } from '../crystal/exact-math.js';
import { kthSmallest } from '../numeric/order-statistics.js';
import { ProfileFitter, TILT_STAGES, turnAbout, type ProfileFitOptions } from './profile-fit.js';

export interface MatchOptions {
  /** A fixed direct-beam position (x column, y row) for every pattern; default: found in each pattern. */
  center?: [number, number];
  /** Solutions kept per pattern (default 5). */
  solutions?: number;
  /** Templates the coarse pass keeps for the full search, as a fraction of the screen's (default 0.03; at least 24). */
  keep?: number;
  /** Solutions closer than this (degrees) to the best do not count for the reliability (default 5). */
  distinct?: number;
  /** Best grid solutions refined off the grid (turns about the sample axes by 0.5° down to 0.125°), per phase (default 3; 0 for none). */
  refine?: number;
  /**
   * The spot-profile fit that decides between near-tied solutions (see
   * profile-fit.ts): its options, or false for none (faster, less accurate
   * where a pattern shows little more than a systematic row). Default: on.
   */
  fit?: ProfileFitOptions | false;
}

/** Indexing results for a set of scan positions: parallel typed arrays. */
export interface IndexMaps {
  /** Positions (the scan's, row-major). */
  count: number;
  /** Solutions per position kept in `solutions`. */
  solutionsPerPosition: number;
  /** 1-based phase (order of the phases given), 0 when not indexed. */
  phase: Uint8Array;
  /** Bunge Euler angles (φ1, Φ, φ2) in degrees, interleaved. */
  euler: Float64Array;
  /** The orientation G as a unit quaternion (w, x, y, z), interleaved (see quaternion.ts). */
  quaternion: Float64Array;
  /** Normalised correlation of the best solution, 0–1. */
  correlation: Float32Array;
  /** 100·(1 − Q₂/Q₁), Q₂ the best solution of the same phase more than `distinct` degrees away. */
  reliability: Float32Array;
  /** 100·(1 − Q/Q₁), Q the best solution of another phase (100 with one phase). */
  phaseReliability: Float32Array;
  /** Template spots of the best solution found in the pattern. */
  spots: Uint16Array;
  /** Direct-beam position found (or given), x and y interleaved. */
  center: Float32Array;
  /** The best solutions, best first: phase (1-based), quaternion, correlation. */
  solutions: { phase: Uint8Array; quaternion: Float64Array; correlation: Float32Array };
}

/** Empty maps for `count` positions. */
export function createIndexMaps(count: number, solutionsPerPosition: number): IndexMaps {
  const n = count * solutionsPerPosition;
  return {
    count,
    solutionsPerPosition,
    phase: new Uint8Array(count),
    euler: new Float64Array(3 * count),
    quaternion: new Float64Array(4 * count),
    correlation: new Float32Array(count),
    reliability: new Float32Array(count),
    phaseReliability: new Float32Array(count),
    spots: new Uint16Array(count),
    center: new Float32Array(2 * count),
    solutions: { phase: new Uint8Array(n), quaternion: new Float64Array(4 * n), correlation: new Float32Array(n) },
  };
}

/** The typed arrays of maps (for postMessage's transfer list). */
export function indexMapBuffers(maps: IndexMaps): ArrayBuffer[] {
  const s = maps.solutions;
  return [maps.phase, maps.euler, maps.quaternion, maps.correlation, maps.reliability, maps.phaseReliability, maps.spots, maps.center, s.phase, s.quaternion, s.correlation].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/**
 * The orientation of a match: template `t` of `library` (Φ, φ2 with φ1 = 0:
 * G₀), mirrored or not, turned by `turn` radians about the beam. A turn τ
 * moves every spot from polar angle θ to θ + τ, which is G₀·Rz(τ) with Rz
 * the passive rotation (Bunge φ1 = τ). The mirror image of a pattern
 * (y → −y) is, by Friedel's law, exactly the pattern of G₀·diag(−1, 1, −1),
 * the orientation whose beam direction is −d.
 */
export function orientationOf(library: PhaseLibrary, t: number, mirrored: boolean, turn: number): Mat3 {
  const { angles, index } = templateAt(library, t);
  const g0 = eulerToMatrix(0, angles[2 * index], angles[2 * index + 1]);
  if (mirrored) for (const i of [0, 2, 3, 5, 6, 8]) g0[i] = -g0[i];
  const c = cos(turn);
  const s = sin(turn);
  // G₀ · [[c, s, 0], [−s, c, 0], [0, 0, 1]]
  return [
    g0[0] * c - g0[1] * s, g0[0] * s + g0[1] * c, g0[2],
    g0[3] * c - g0[4] * s, g0[3] * s + g0[4] * c, g0[5],
    g0[6] * c - g0[7] * s, g0[6] * s + g0[7] * c, g0[8],
  ];
}

/**
 * Template t of a phase's library: its own templates first (0 … count − 1),
 * then its screen's (count + s), which the full search scores too.
 */
export function templateAt(library: PhaseLibrary, t: number): { angles: Float64Array; start: Int32Array; spotR: Uint16Array; spotA: Uint16Array; spotW: Float32Array; index: number } {
  const own = t < library.count;
  const set = own ? library : library.screen;
  if (!set?.angles) throw new RangeError(`template ${t} is past the ${library.count} templates of ${library.name}`);
  return { angles: set.angles, start: set.start, spotR: set.spotR, spotA: set.spotA, spotW: set.spotW, index: own ? t : t - library.count };
}

/** Fraction of a screen's templates (with their mirror images) whose children the coarse pass scores. */
const SCREEN_KEEP = 0.05;

/** The full search scores 1/SCREEN_OWN as many of the screen's own best templates as of their children. */
const SCREEN_OWN = 4;

/** Spots per template in the coarse pass: the strongest. */
const COARSE_SPOTS = 8;

/** Step sizes of the off-grid refinement, degrees. */
const REFINE_STEPS = [0.5, 0.25, 0.125];

/** How far (degrees) the refinement's reflection subset reaches before it is gathered again. */
const REFINE_REACH = 1.5;

/** Grid solutions closer than this (degrees) to one already refined are not refined again. */
const REFINE_APART = 2;

/** Distinct solutions the profile fit decides between. */
const FIT_SOLUTIONS = 3;

/**
 * When the fit leaves those undecided (the best rival within FIT_UNDECIDED of
 * the best's fit score), the correlation's distinct solutions down to this
 * many are screened too: fitted on SCREEN_STAGE's coarse tilt grid, and those
 * within SCREEN_GAP of the best then on the fit's finer grids from there.
 * Measured in docs/indexing-accuracy.md.
 */
const FIT_MORE = 20;
const FIT_UNDECIDED = 0.01;
const SCREEN_GAP = 0.02;
/** The screening's tilt grid, [half-width, step] in degrees (see ProfileFitter.fit): the fit's first, 2× coarser. */
const SCREEN_STAGE = [1, 0.2] as const;

/**
 * The fit runs when the second distinct solution's correlation is within this fraction of the best's (0.08 until
 * 2026-11-30, when a grain whose truth refined 8–12 % below a wrong solution was lost; docs/indexing-accuracy.md).
 */
const FIT_GAP = 0.16;


interface Candidate {
  phase: number;
  template: number;
  mirrored: boolean;
  /** Turn, polar steps (fractional after refinement). */
  turn: number;
  score: number;
  /** The orientation once refined off the grid. */
  refined?: Mat3;
  /** A seed's orientation (template < 0: no template). */
  seed?: Mat3;
}

/** An orientation to try at a position (a neighbour's solution): phase index into the library, and G. */
export interface Seed {
  phase: number;
  g: Mat3;
}

/**
 * Matches patterns one at a time against a library, reusing its buffers.
 * `size` is the pattern side in pixels.
 */
export class PatternMatcher {
  readonly library: TemplateLibrary;
  readonly size: number;
  readonly options: Required<Omit<MatchOptions, 'center' | 'fit'>> & { center: [number, number] | undefined; fit: ProfileFitOptions | false };
  readonly #rows: number;
  readonly #steps: number;
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  /** Polar image, each row twice over (2·steps per row) for cyclic shifts without a modulo. */
  readonly #polar: Float32Array;
  /** Coarse polar image: 2-step bins (see `#coarsen`), each row twice. */
  readonly #coarse: Float64Array;
  readonly #coarseBins: number;
  readonly #ring: Float32Array;
  /** The diffuse background: each ring's median (rings inside the beam mask hold the first one outside). */
  readonly #ringMedian: Float64Array;
  readonly #fitter: ProfileFitter | undefined;
  /** 1 where a polar sample lies on the detector, 0 off it; rows twice, as the polar image. */
  readonly #visible: Float32Array;
  /** The first ring reaching off the detector. */
  #partialFrom = 0;
  readonly #norm2: Float64Array;
  readonly #boxRows: Float64Array;
  readonly #smoothed: Float32Array;
  readonly #smoothRows: Float32Array;
  readonly #corr: Float64Array;
  /** Per phase: coarse bin of each spot, plain and mirrored. */
  readonly #coarseA: Uint16Array[];
  readonly #coarseM: Uint16Array[];
  readonly #coarseScore: Float64Array[];
  /** Per phase: the screen's coarse bins, plain and mirrored, and its scores. */
  readonly #screenA: Uint16Array[];
  readonly #screenM: Uint16Array[];
  readonly #screenScore: Float64Array[];
  /** Per phase and template (2·t + mirrored): the stamp of the pattern that last scored it; and those scored. */
  readonly #mark: Int32Array[];
  readonly #keys: Int32Array;
  #stamp = 0;
  readonly #simulators: (PatternSimulator | undefined)[];
  readonly #order: number[] = [];
  readonly #bases = new Int32Array(COARSE_SPOTS + 3);
  readonly #weights = new Float64Array(COARSE_SPOTS + 3);
  #norm = 0;
  #center: [number, number] = [0, 0];

  constructor(library: TemplateLibrary, size: number, options: MatchOptions = {}) {
    this.library = library;
    this.size = size;
    this.options = {
      solutions: options.solutions ?? 5,
      keep: options.keep ?? 0.03,
      distinct: options.distinct ?? 5,
      refine: options.refine ?? 3,
      center: options.center,
      fit: options.fit ?? {},
    };
    if (!(Number.isInteger(this.options.solutions) && this.options.solutions >= 1 && this.options.solutions <= 64)) {
      throw new RangeError(`solutions must be an integer from 1 to 64, got ${this.options.solutions}`);
    }
    if (!(this.options.keep > 0 && this.options.keep <= 1)) throw new RangeError(`keep must be in (0, 1], got ${this.options.keep}`);
    const steps = library.steps;
    this.#steps = steps;
    this.#rows = Math.floor(library.radius) + 1;
    this.#cos = new Float64Array(steps);
    this.#sin = new Float64Array(steps);
    for (let a = 0; a < steps; a++) {
      this.#cos[a] = cos((2 * Math.PI * a) / steps);
      this.#sin[a] = sin((2 * Math.PI * a) / steps);
    }
    this.#polar = new Float32Array(this.#rows * 2 * steps);
    this.#coarseBins = steps / 2;
    this.#coarse = new Float64Array(this.#rows * 2 * this.#coarseBins);
    this.#ring = new Float32Array(steps);
    this.#ringMedian = new Float64Array(this.#rows);
    this.#fitter = this.options.fit === false ? undefined : new ProfileFitter(library, size, this.options.fit);
    this.#visible = new Float32Array(this.#rows * 2 * steps);
    this.#norm2 = new Float64Array(steps);
    this.#boxRows = new Float64Array(size * size);
    this.#smoothed = new Float32Array(size * size);
    this.#smoothRows = new Float32Array(size * size);
    this.#corr = new Float64Array(steps);
    const bins = this.#coarseBins;
    this.#coarseA = library.phases.map((p) => Uint16Array.from(p.spotA, (a) => a >> 1));
    this.#coarseM = library.phases.map((p) => Uint16Array.from(p.spotA, (a) => ((steps - a) % steps) >> 1));
    this.#coarseScore = library.phases.map((p) => new Float64Array(2 * p.count));
    this.#simulators = library.phases.map(() => undefined);
    const screens = library.phases.map((p) => p.screen?.spotA ?? new Uint16Array(0));
    this.#screenA = screens.map((spotA) => Uint16Array.from(spotA, (a) => a >> 1));
    this.#screenM = screens.map((spotA) => Uint16Array.from(spotA, (a) => ((steps - a) % steps) >> 1));
    this.#screenScore = library.phases.map((p) => new Float64Array(2 * (p.screen?.count ?? 0)));
    this.#mark = library.phases.map((p) => new Int32Array(p.screen ? 2 * p.count : 0));
    this.#keys = new Int32Array(2 * Math.max(0, ...library.phases.map((p) => p.count)));
  }

  /** Phase p's template simulator, made when first needed. */
  #simulator(p: number): PatternSimulator {
    const lib = this.library;
    return (this.#simulators[p] ??= templateSimulator(makePhase(lib.phases[p].structure), lib));
  }

  /** The correlation of orientation g with the current polar image, spots at their exact positions (bilinear in radius and angle). */
  #scoreAt(p: number, g: Mat3, among?: Int32Array): number {
    const lib = this.library;
    const sim = this.#simulator(p);
    const pattern = sim.simulate(g, among);
    const half = sim.center[0];
    const order = this.#strongest(pattern, half);
    if (order.length === 0) return 0;
    const steps = this.#steps;
    const polar = this.#polar;
    let norm = 0, sum = 0;
    const [cx, cy] = this.#center;
    const edge = this.size - 1;
    for (const i of order) {
      const dx = pattern.x[i] - half;
      const dy = pattern.y[i] - half;
      // Spots off the detector are unseen: they count neither way.
      if (!(cx + dx >= 0 && cx + dx < edge && cy + dy >= 0 && cy + dy < edge)) continue;
      const w = pow(pattern.intensity[i], lib.gamma);
      norm += w * w;
      const r = Math.hypot(dx, dy);
      let a = (atan2(dy, dx) / (2 * Math.PI)) * steps;
      if (a < 0) a += steps;
      const r0 = Math.min(Math.floor(r), this.#rows - 2);
      const a0 = Math.floor(a) % steps;
      const fr = Math.min(1, r - r0);
      const fa = a - Math.floor(a);
      const i0 = r0 * 2 * steps + a0;
      const i1 = i0 + 2 * steps;
      const v = (polar[i0] * (1 - fa) + polar[i0 + 1] * fa) * (1 - fr) + (polar[i1] * (1 - fa) + polar[i1 + 1] * fa) * fr;
      sum += w * v;
    }
    return norm > 0 ? sum / Math.sqrt(norm) : 0;
  }

  /**
   * The normalised correlation of orientation `g` of phase `phase` (index
   * into the library's phases) with the pattern last given to `match`.
   */
  correlationAt(phase: number, g: Mat3): number {
    return this.#norm > 0 ? this.#scoreAt(phase, g) / this.#norm : 0;
  }

  /** Hill-climbs a candidate off the grid: turns about the sample x, y and z axes by 0.5°, 0.25°, 0.125°. */
  #refine(c: Candidate, g: Mat3): void {
    // Only the reflections the climb could show near where it is (PatternSimulator.nearby): the same scores, sooner.
    const sim = this.#simulator(c.phase);
    let near = sim.nearby(g, REFINE_REACH);
    let drift = 0;
    let best = this.#scoreAt(c.phase, g, near);
    for (const degrees of REFINE_STEPS) {
      const step = (degrees * Math.PI) / 180;
      for (let round = 0; round < 6; round++) {
        if (drift + degrees > REFINE_REACH) {
          near = sim.nearby(g, REFINE_REACH);
          drift = 0;
        }
        let next: Mat3 | undefined;
        for (let axis = 0; axis < 3; axis++) {
          for (const sign of [1, -1]) {
            const trial = turnAbout(g, axis, sign * step);
            const score = this.#scoreAt(c.phase, trial, near);
            if (score > best) {
              best = score;
              next = trial;
            }
          }
        }
        if (!next) break;
        g = next;
        drift += degrees;
      }
    }
    c.refined = g;
    c.score = best;
  }

  /**
   * The frame smoothed by a 3 × 3 binomial kernel (edges repeated): a
   * matched filter for spots a few pixels wide, it takes most of the
   * counting noise out before the background is removed and the gamma
   * raises what is left.
   */
  #smooth(frame: ArrayLike<number>): Float32Array {
    const n = this.size;
    const out = this.#smoothed;
    const rows = this.#smoothRows;
    for (let y = 0; y < n; y++) {
      const row = y * n;
      for (let x = 0; x < n; x++) rows[row + x] = 0.25 * frame[row + (x > 0 ? x - 1 : 0)] + 0.5 * frame[row + x] + 0.25 * frame[row + (x < n - 1 ? x + 1 : x)];
    }
    for (let y = 0; y < n; y++) {
      const up = (y > 0 ? y - 1 : 0) * n;
      const row = y * n;
      const down = (y < n - 1 ? y + 1 : y) * n;
      for (let x = 0; x < n; x++) out[row + x] = 0.25 * rows[up + x] + 0.5 * rows[row + x] + 0.25 * rows[down + x];
    }
    return out;
  }

  /**
   * The direct beam: the brightest box (side about n/16) within n/4 of the
   * middle, then the centroid of what rises above half its peak about it.
   */
  findCenter(frame: ArrayLike<number>): [number, number] {
    const n = this.size;
    const reach = Math.max(3, Math.round(n / 4));
    const half = Math.max(2, Math.round(n / 32));
    const mid = (n - 1) / 2;
    const lo = Math.max(half, Math.floor(mid - reach));
    const hi = Math.min(n - 1 - half, Math.ceil(mid + reach));
    // Sums over rows of a window of 2·half + 1, then over columns.
    const rowSums = this.#boxRows;
    for (let y = lo - half; y <= hi + half; y++) {
      let s = 0;
      for (let x = lo - half; x <= lo + half; x++) s += frame[y * n + x];
      rowSums[y * n + lo] = s;
      for (let x = lo + 1; x <= hi; x++) {
        s += frame[y * n + x + half] - frame[y * n + x - half - 1];
        rowSums[y * n + x] = s;
      }
    }
    let best = -1, bx = Math.round(mid), by = Math.round(mid);
    for (let x = lo; x <= hi; x++) {
      let s = 0;
      for (let y = lo - half; y <= lo + half; y++) s += rowSums[y * n + x];
      for (let y = lo; y <= hi; y++) {
        if (y > lo) s += rowSums[(y + half) * n + x] - rowSums[(y - half - 1) * n + x];
        if (s > best || (s === best && (y < by || (y === by && x < bx)))) {
          best = s;
          bx = x;
          by = y;
        }
      }
    }
    const w = Math.max(3, Math.round(n / 24));
    let peak = 0, floor = Infinity;
    for (let y = Math.max(0, by - w); y <= Math.min(n - 1, by + w); y++) {
      for (let x = Math.max(0, bx - w); x <= Math.min(n - 1, bx + w); x++) {
        const v = frame[y * n + x];
        if (v > peak) peak = v;
        if (v < floor) floor = v;
      }
    }
    const threshold = floor + 0.5 * (peak - floor);
    let sw = 0, sx = 0, sy = 0;
    for (let y = Math.max(0, by - w); y <= Math.min(n - 1, by + w); y++) {
      for (let x = Math.max(0, bx - w); x <= Math.min(n - 1, bx + w); x++) {
        const v = frame[y * n + x] - threshold;
        if (v > 0) {
          sw += v;
          sx += v * x;
          sy += v * y;
        }
      }
    }
    return sw > 0 ? [sx / sw, sy / sw] : [bx, by];
  }

  /**
   * The polar image about (cx, cy): bilinear samples at whole-pixel radii,
   * each ring's median subtracted (the diffuse background) and clipped at
   * 0, raised to the library's gamma, rings inside the beam mask zeroed.
   * Returns the image's Euclidean norm and its largest value.
   */
  #transform(frame: ArrayLike<number>, cx: number, cy: number): { norm: number; peak: number } {
    const n = this.size;
    const steps = this.#steps;
    const polar = this.#polar;
    const ring = this.#ring;
    const gamma = this.library.gamma;
    const inner = this.library.innerRadius;
    const visible = this.#visible;
    let sum2 = 0, peak = 0;
    this.#partialFrom = this.#rows;
    for (let r = 0; r < this.#rows; r++) {
      const row = r * 2 * steps;
      if (r < inner) {
        polar.fill(0, row, row + 2 * steps);
        visible.fill(1, row, row + 2 * steps);
        continue;
      }
      let valid = 0;
      for (let a = 0; a < steps; a++) {
        const x = cx + r * this.#cos[a];
        const y = cy + r * this.#sin[a];
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        let v = -1;
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < n && y0 + 1 < n) {
          const fx = x - x0;
          const fy = y - y0;
          const i = y0 * n + x0;
          v = (frame[i] * (1 - fx) + frame[i + 1] * fx) * (1 - fy) + (frame[i + n] * (1 - fx) + frame[i + n + 1] * fx) * fy;
          this.#corr[valid++] = v;
        }
        ring[a] = v;
      }
      // Samples off the detector (marked −1) are 0 after the ring's median (of those on it) is taken away.
      const median = valid > 0 ? kthSmallest(this.#corr, valid >> 1, valid) : 0;
      this.#ringMedian[r] = median;
      if (valid < steps && this.#partialFrom === this.#rows) this.#partialFrom = r;
      for (let a = 0; a < steps; a++) {
        visible[row + a] = visible[row + steps + a] = ring[a] < 0 ? 0 : 1;
        const d = ring[a] < 0 ? 0 : ring[a] - median;
        const v = d > 0 ? (gamma === 1 ? d : pow(d, gamma)) : 0;
        polar[row + a] = v;
        polar[row + steps + a] = v;
        sum2 += v * v;
        if (v > peak) peak = v;
      }
    }
    return { norm: Math.sqrt(sum2), peak };
  }

  /**
   * The coarse polar image: bins of 2 steps, bin b summing steps 2b − 1 …
   * 2b + 2, so that a spot at step a (bin ⌊a/2⌋) turned by any whole number
   * of steps meets its bin at the nearest even turn.
   */
  #coarsen(): void {
    const steps = this.#steps;
    const bins = this.#coarseBins;
    const polar = this.#polar;
    const coarse = this.#coarse;
    for (let r = 0; r < this.#rows; r++) {
      const row = r * 2 * steps;
      const out = r * 2 * bins;
      for (let b = 0; b < bins; b++) {
        const a = 2 * b;
        const s = polar[row + ((a + steps - 1) % steps)] + polar[row + a] + polar[row + a + 1] + polar[row + a + 2];
        coarse[out + b] = s;
        coarse[out + bins + b] = s;
      }
    }
  }

  /**
   * The templates (2·t, + 1 mirrored) of phase p for the full search. With
   * a screen: its templates scored by the coarse pass, the children of its
   * best fraction (SCREEN_KEEP) scored the same way, and the best of those
   * kept, with a quarter as many of the screen's own best (keys from 2·count
   * on: see {@link templateAt}). Without a screen (a library coarser than 0.5°, or
   * from before screens): every template scored. `keep` is a fraction of the
   * screen's templates, so the full search costs what it did on a grid that
   * coarse, and a quarter more.
   */
  #chosen(p: number): Int32Array {
    const lib = this.library.phases[p];
    const screen = lib.screen;
    const scores = this.#coarseScore[p];
    const { keep } = this.options;
    if (!screen) {
      for (let m = 0; m < 2; m++) {
        const binOf = m === 0 ? this.#coarseA[p] : this.#coarseM[p];
        for (let t = 0; t < lib.count; t++) scores[2 * t + m] = this.#coarseOne(lib, binOf, t);
      }
      return topIndices(scores, Math.min(scores.length, Math.max(24, Math.ceil(keep * scores.length))));
    }
    const screenScores = this.#screenScore[p];
    for (let m = 0; m < 2; m++) {
      const binOf = m === 0 ? this.#screenA[p] : this.#screenM[p];
      for (let t = 0; t < screen.count; t++) screenScores[2 * t + m] = this.#coarseOne(screen, binOf, t);
    }
    const first = topIndices(screenScores, Math.min(screenScores.length, Math.max(24, Math.ceil(SCREEN_KEEP * screenScores.length))));
    // Children of several screen templates are scored once: marked with this pattern's stamp.
    const mark = this.#mark[p];
    const stamp = ++this.#stamp;
    const keys = this.#keys;
    let n = 0;
    for (const k of first) {
      const t = k >> 1;
      const mirrored = k & 1;
      for (let c = screen.childStart[t]; c < screen.childStart[t + 1]; c++) {
        // A mirrored screen template's children are mirrored in turn.
        const key = screen.children[c] ^ mirrored;
        if (mark[key] === stamp) continue;
        mark[key] = stamp;
        keys[n] = key;
        scores[n++] = this.#coarseOne(lib, (key & 1) === 0 ? this.#coarseA[p] : this.#coarseM[p], key >> 1);
      }
    }
    const kept = Math.max(24, Math.ceil(keep * screenScores.length));
    const best = topIndices(scores.subarray(0, n), Math.min(n, kept));
    if (!screen.angles) return Int32Array.from(best, (i) => keys[i]);
    // The screen's own best too (keys past the templates'): a truth between the templates can refine from one of them
    // when its children's best refines astray. A quarter as many as the children found what as many did
    // (docs/indexing-accuracy.md).
    const own = topIndices(screenScores, Math.min(screenScores.length, Math.ceil(kept / SCREEN_OWN)));
    const out = new Int32Array(best.length + own.length);
    best.forEach((i, j) => (out[j] = keys[i]));
    own.forEach((k, j) => (out[best.length + j] = k + 2 * lib.count));
    return out;
  }

  /** The coarse score of template t of `lib` (its spots' coarse bins in `binOf`): its strongest spots' best turn on the coarse polar image. */
  #coarseOne(lib: { start: Int32Array; spotR: Uint16Array; spotW: Float32Array }, binOf: Uint16Array, t: number): number {
    const bins = this.#coarseBins;
    const coarse = this.#coarse;
    const corr = this.#corr;
    const { start, spotR, spotW } = lib;
    const rows = this.#rows;
    const bases = this.#bases;
    const ws = this.#weights;
    // The strongest spots (a template lists them strongest first), four at a time (padded with weight 0).
    let k = 0;
    const last = Math.min(start[t + 1], start[t] + COARSE_SPOTS);
    for (let i = start[t]; i < last; i++) {
      if (spotR[i] >= rows) continue;
      bases[k] = spotR[i] * 2 * bins + binOf[i];
      ws[k++] = spotW[i];
    }
    if (k === 0) return 0;
    while (k % 4 !== 0) {
      bases[k] = 0;
      ws[k++] = 0;
    }
    let best = 0;
    for (let g = 0; g < k; g += 4) {
      const b0 = bases[g], b1 = bases[g + 1], b2 = bases[g + 2], b3 = bases[g + 3];
      const w0 = ws[g], w1 = ws[g + 1], w2 = ws[g + 2], w3 = ws[g + 3];
      if (g === 0 && k === 4) {
        for (let s = 0; s < bins; s++) {
          const v = w0 * coarse[b0 + s] + w1 * coarse[b1 + s] + w2 * coarse[b2 + s] + w3 * coarse[b3 + s];
          if (v > best) best = v;
        }
      } else if (g === 0) {
        for (let s = 0; s < bins; s++) corr[s] = w0 * coarse[b0 + s] + w1 * coarse[b1 + s] + w2 * coarse[b2 + s] + w3 * coarse[b3 + s];
      } else if (g + 4 < k) {
        for (let s = 0; s < bins; s++) corr[s] += w0 * coarse[b0 + s] + w1 * coarse[b1 + s] + w2 * coarse[b2 + s] + w3 * coarse[b3 + s];
      } else {
        for (let s = 0; s < bins; s++) {
          const v = corr[s] + w0 * coarse[b0 + s] + w1 * coarse[b1 + s] + w2 * coarse[b2 + s] + w3 * coarse[b3 + s];
          if (v > best) best = v;
        }
      }
    }
    return best;
  }

  /** The full search of one template over every turn: its best turn (refined) and the best other local maximum. */
  #finePass(p: number, t: number, mirrored: boolean, out: Candidate[]): void {
    const set = templateAt(this.library.phases[p], t);
    const steps = this.#steps;
    const polar = this.#polar;
    const corr = this.#corr;
    corr.fill(0);
    const { start, spotR, spotA, spotW, index } = set;
    // Spots off the detector at a turn are unseen: the template's norm at each turn counts only those on it.
    const norm2 = this.#norm2;
    const visible = this.#visible;
    let always = 0;
    let partial = false;
    for (let i = start[index]; i < start[index + 1]; i++) {
      if (spotR[i] >= this.#rows) continue;
      const w = spotW[i];
      const a = mirrored ? (steps - spotA[i]) % steps : spotA[i];
      const base = spotR[i] * 2 * steps + a;
      for (let s = 0; s < steps; s++) corr[s] += w * polar[base + s];
      if (spotR[i] < this.#partialFrom) {
        always += w * w;
      } else {
        if (!partial) norm2.fill(0);
        partial = true;
        const w2 = w * w;
        for (let s = 0; s < steps; s++) norm2[s] += w2 * visible[base + s];
      }
    }
    for (let s = 0; s < steps; s++) {
      const n2 = partial ? always + norm2[s] : always;
      corr[s] = n2 > 0 ? corr[s] / Math.sqrt(n2) : 0;
    }
    // Spot at angle a with turn s reads polar[a + s]: the spot moved to a + s.
    let b1 = 0;
    for (let s = 1; s < steps; s++) if (corr[s] > corr[b1]) b1 = s;
    let b2 = -1;
    for (let s = 0; s < steps; s++) {
      const d = Math.abs(s - b1);
      if (Math.min(d, steps - d) <= 2) continue;
      const v = corr[s];
      if (v >= corr[(s + 1) % steps] && v >= corr[(s + steps - 1) % steps] && (b2 < 0 || v > corr[b2])) b2 = s;
    }
    for (const b of b2 < 0 ? [b1] : [b1, b2]) {
      const l = corr[(b + steps - 1) % steps], c = corr[b], r = corr[(b + 1) % steps];
      const den = l - 2 * c + r;
      const shift = den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (l - r)) / den)) : 0;
      out.push({ phase: p, template: t, mirrored, turn: b + shift, score: c });
    }
  }

  /**
   * Indexes one pattern (`size`² values, row-major) into position `index`
   * of `maps`. A pattern with nothing left after background removal stays
   * unindexed (phase 0).
   */
  match(frame: ArrayLike<number>, maps: IndexMaps, index: number): void {
    this.#match(frame, maps, index, []);
  }

  /**
   * Matches the pattern again with `seeds` (orientations of phase indices,
   * its neighbours' solutions) among the candidates, but only when one of
   * them correlates better than every solution `maps` holds at `index`: a
   * grain's pattern that the template search missed, found at a
   * neighbour. Returns whether it matched again.
   */
  rematch(frame: ArrayLike<number>, maps: IndexMaps, index: number, seeds: readonly Seed[]): boolean {
    return this.#match(frame, maps, index, seeds);
  }

  #match(frame: ArrayLike<number>, maps: IndexMaps, index: number, seeds: readonly Seed[]): boolean {
    const [cx, cy] = this.options.center ?? this.findCenter(frame);
    const { norm, peak } = this.#transform(this.#smooth(frame), cx, cy);
    this.#norm = norm;
    this.#center = [cx, cy];
    const seedScores = seeds.map(({ phase, g }) => this.#scoreAt(phase, g));
    if (seeds.length > 0) {
      // Only what the search missed: a seed above every solution it found (the fit may have chosen one below another).
      const k = maps.solutionsPerPosition;
      let found = maps.correlation[index];
      for (let i = 0; i < k; i++) found = Math.max(found, maps.solutions.correlation[index * k + i]);
      if (!seedScores.some((score) => score / norm > found)) return false;
    }
    maps.center[2 * index] = cx;
    maps.center[2 * index + 1] = cy;
    if (!(norm > 0)) return true;
    this.#coarsen();
    const candidates: Candidate[] = [];
    const phases = this.library.phases;
    for (let p = 0; p < phases.length; p++) {
      if (phases[p].count === 0) continue;
      for (const k of this.#chosen(p)) this.#finePass(p, k >> 1, (k & 1) === 1, candidates);
    }
    seeds.forEach(({ phase, g }, k) => candidates.push({ phase, template: -1 - k, mirrored: false, turn: 0, score: seedScores[k], seed: g }));
    if (candidates.length === 0) return true;
    const byScore = (a: Candidate, b: Candidate) =>
      b.score - a.score || a.phase - b.phase || a.template - b.template || Number(a.mirrored) - Number(b.mirrored) || a.turn - b.turn;
    candidates.sort(byScore);
    const steps = this.#steps;
    const toRadians = (turn: number) => (2 * Math.PI * turn) / steps;
    const gridOrientation = (c: Candidate) => c.seed ?? orientationOf(phases[c.phase], c.template, c.mirrored, toRadians(c.turn));
    if (this.options.refine > 0) {
      // The best few distinct solutions per phase: neighbouring templates of one peak refine to the same place, and a
      // peak the grid met off its top may lie below several of them.
      const chosen: { phase: number; q: Quaternion }[] = [];
      const refined = new Array<number>(phases.length).fill(0);
      for (const c of candidates) {
        if (refined[c.phase] >= this.options.refine) continue;
        const g = gridOrientation(c);
        const q = matrixToQuaternion(g);
        if (chosen.some((o) => o.phase === c.phase && misorientation(q, o.q, phases[c.phase].symmetry) < REFINE_APART)) continue;
        chosen.push({ phase: c.phase, q });
        refined[c.phase]++;
        this.#refine(c, g);
      }
      candidates.sort(byScore);
    }
    const orientation = (c: Candidate) => c.refined ?? gridOrientation(c);
    const quaternionOf = (c: Candidate) => matrixToQuaternion(orientation(c));
    const fitted = this.#fit(frame, candidates, orientation, quaternionOf);
    // Solutions in order: those the fit decided between, by its score, then the rest by correlation.
    const ordered = fitted ? [...fitted.map((f) => f.candidate), ...candidates.filter((c) => !fitted.some((f) => f.candidate === c))] : candidates;
    const best = ordered[0];
    const g = orientation(best);
    const q = matrixToQuaternion(g);
    const euler = matrixToEuler(g);
    maps.phase[index] = best.phase + 1;
    for (let i = 0; i < 3; i++) maps.euler[3 * index + i] = (euler[i] * 180) / Math.PI;
    maps.quaternion.set(q, 4 * index);
    maps.correlation[index] = best.score / norm;
    // Reliability: the best solution of the same phase at more than `distinct` degrees; phase reliability: the
    // best of another phase. Scored by the fit among the solutions it fitted, else by correlation.
    const lib = phases[best.phase];
    const isSecond = (c: Candidate) => c.phase === best.phase && misorientation(q, quaternionOf(c), lib.symmetry) > this.options.distinct;
    const ratio = (score: number, top: number) => Math.max(0, Math.min(100, 100 * (1 - score / top)));
    const fitSecond = fitted?.find((f) => isSecond(f.candidate));
    const fitOther = fitted?.find((f) => f.candidate.phase !== best.phase);
    let second = 0;
    let other = 0;
    for (let i = 1; i < ordered.length; i++) {
      const c = ordered[i];
      if (c.phase !== best.phase) {
        if (other === 0) other = c.score;
        continue;
      }
      if (second === 0 && isSecond(c)) second = c.score;
      if (second !== 0 && (other !== 0 || phases.length === 1)) break;
    }
    maps.reliability[index] = fitSecond ? ratio(fitSecond.score, fitted![0].score) : ratio(second, best.score);
    maps.phaseReliability[index] = fitOther ? ratio(fitOther.score, fitted![0].score) : ratio(other, best.score);
    // Spots of the best template where the pattern is bright.
    let found = 0;
    const turn = Math.round(best.turn);
    if (best.template >= 0) {
      const set = templateAt(lib, best.template);
      for (let i = set.start[set.index]; i < set.start[set.index + 1]; i++) {
        if (set.spotR[i] >= this.#rows) continue;
        const a = best.mirrored ? (steps - set.spotA[i]) % steps : set.spotA[i];
        if (this.#polar[set.spotR[i] * 2 * steps + ((a + turn) % steps)] > 0.15 * peak) found++;
      }
    } else {
      found = this.#spotsFound(best.phase, g, peak);
    }
    maps.spots[index] = found;
    // The best solutions.
    const k = maps.solutionsPerPosition;
    for (let i = 0; i < Math.min(k, ordered.length); i++) {
      const c = ordered[i];
      const j = index * k + i;
      maps.solutions.phase[j] = c.phase + 1;
      maps.solutions.quaternion.set(i === 0 ? q : quaternionOf(c), 4 * j);
      maps.solutions.correlation[j] = c.score / norm;
    }
    return true;
  }

  /** The spots of a simulated pattern (beam at `half`) a template keeps: in the matched annulus, the strongest first, at most maxSpots (a reused array). */
  #strongest(pattern: { count: number; x: ArrayLike<number>; y: ArrayLike<number>; intensity: ArrayLike<number> }, half: number): number[] {
    const lib = this.library;
    const order = this.#order;
    order.length = 0;
    for (let i = 0; i < pattern.count; i++) {
      const r = Math.hypot(pattern.x[i] - half, pattern.y[i] - half);
      if (r >= lib.innerRadius && r <= lib.radius && pattern.intensity[i] > 0) order.push(i);
    }
    order.sort((a, b) => pattern.intensity[b] - pattern.intensity[a] || a - b);
    if (order.length > lib.maxSpots) order.length = lib.maxSpots;
    return order;
  }

  /** Spots of orientation g of phase p (the strongest, as a template keeps them) where the polar image is above 0.15 of its peak. */
  #spotsFound(p: number, g: Mat3, peak: number): number {
    const sim = this.#simulator(p);
    const pattern = sim.simulate(g);
    const half = sim.center[0];
    const steps = this.#steps;
    let found = 0;
    for (const i of this.#strongest(pattern, half)) {
      const dx = pattern.x[i] - half;
      const dy = pattern.y[i] - half;
      const r = Math.round(Math.sqrt(dx * dx + dy * dy));
      if (r >= this.#rows) continue;
      let a = Math.round((atan2(dy, dx) / (2 * Math.PI)) * steps) % steps;
      if (a < 0) a += steps;
      if (this.#polar[r * 2 * steps + a] > 0.15 * peak) found++;
    }
    return found;
  }

  /**
   * The profile fit of the best few distinct solutions, when the second's
   * correlation comes within FIT_GAP of the best's, and of more when the fit
   * leaves those undecided (FIT_MORE): each refined under the fit (its
   * orientation and correlation updated), best fit first.
   */
  #fit(
    frame: ArrayLike<number>,
    candidates: Candidate[],
    orientation: (c: Candidate) => Mat3,
    quaternionOf: (c: Candidate) => Quaternion,
  ): { candidate: Candidate; score: number }[] | undefined {
    const fitter = this.#fitter;
    if (!fitter) return undefined;
    const phases = this.library.phases;
    // The distinct solutions in correlation order, gathered only as far as needed (most patterns need two).
    const distinct: { candidate: Candidate; q: Quaternion }[] = [];
    let next = 0;
    const gather = (count: number) => {
      for (; next < candidates.length && distinct.length < count; next++) {
        const c = candidates[next];
        const q = quaternionOf(c);
        if (distinct.some((o) => o.candidate.phase === c.phase && misorientation(q, o.q, phases[c.phase].symmetry) < REFINE_APART)) continue;
        distinct.push({ candidate: c, q });
      }
    };
    gather(2);
    if (distinct.length < 2 || distinct[1].candidate.score < (1 - FIT_GAP) * distinct[0].candidate.score) return undefined;
    gather(FIT_SOLUTIONS);
    const [cx, cy] = this.#center;
    fitter.setPattern(frame, cx, cy, this.#ringMedian, Math.min(this.#rows - 1, Math.ceil(this.library.innerRadius)));
    const fitted = distinct.slice(0, FIT_SOLUTIONS).map(({ candidate }, rank) => {
      const { g, score } = fitter.fit(candidate.phase, orientation(candidate));
      candidate.refined = g;
      candidate.score = this.#scoreAt(candidate.phase, g);
      return { candidate, score, rank };
    });
    fitted.sort((a, b) => b.score - a.score || a.rank - b.rank);
    // Undecided (the best rival within FIT_UNDECIDED of the best, the half turn about the beam not counting as a
    // rival): the truth is often further down the correlation's list. Screen the rest on a coarse grid first.
    const top = fitted[0];
    const qTop = quaternionOf(top.candidate);
    const symmetry = phases[top.candidate.phase].symmetry;
    const rival = fitted.find((f) => f !== top && (f.candidate.phase !== top.candidate.phase || misorientation(quaternionOf(f.candidate), qTop, symmetry, true) > REFINE_APART));
    if (rival && rival.score > (1 - FIT_UNDECIDED) * top.score) {
      gather(FIT_MORE);
      distinct.slice(FIT_SOLUTIONS).forEach(({ candidate }, i) => {
        const screened = fitter.fit(candidate.phase, orientation(candidate), [SCREEN_STAGE]);
        if (screened.score < (1 - SCREEN_GAP) * top.score) return;
        const { g, score } = fitter.fit(candidate.phase, screened.g, TILT_STAGES.slice(1));
        candidate.refined = g;
        candidate.score = this.#scoreAt(candidate.phase, g);
        fitted.push({ candidate, score, rank: FIT_SOLUTIONS + i });
      });
      fitted.sort((a, b) => b.score - a.score || a.rank - b.rank);
    }
    return fitted;
  }
}

/** Indices of the `k` largest values (ties: lower index first), in no particular order. */
function topIndices(values: Float64Array, k: number): Int32Array {
  const n = values.length;
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  // Threshold by selection on a copy, then collect.
  const threshold = kthSmallest(Float64Array.from(values), n - k);
  const out = new Int32Array(k);
  let m = 0;
  for (let i = 0; i < n && m < k; i++) if (values[i] > threshold) out[m++] = i;
  for (let i = 0; i < n && m < k; i++) if (values[i] === threshold) out[m++] = i;
  return out;
}
