/**
 * A spot-profile fit that decides between the matcher's best few solutions.
 *
 * The correlation index picks the wrong one of two near-tied solutions when
 * a pattern shows little more than a systematic row (docs/indexing-accuracy.md):
 * both put spots on the row, and what tells them apart is a few faint spots
 * whose excitation depends on the orientation to a tenth of a degree and on
 * the thickness. This fit models the pattern as the ring background plus a
 * Gaussian spot per reflection, each of the kinematic precession intensity
 * at a thickness, with one free scale; its score is the drop in χ² (weighted
 * by the background's Poisson variance) that the best scale gives. Saturated
 * pixels count for nothing.
 *
 * Spot positions hardly move when the beam tilts by a degree: only the
 * excitations change. So each candidate is searched on a fine grid of beam
 * tilts (and the thicknesses) with each spot's matched-filter response
 * computed once; turns about the beam, which do move the spots, are
 * hill-climbed in between. Pure, deterministic arithmetic (exact-math for
 * the transcendental functions): the same numbers in every thread and
 * browser.
 */
import type { Mat3 } from '../crystal/lattice.js';
import { makePhase } from '../crystal/phase.js';
import { PatternSimulator } from '../crystal/simulate.js';
import { acos, cos, exp, sin } from '../crystal/exact-math.js';
import type { TemplateLibrary } from './library.js';

export interface ProfileFitOptions {
  /** Gaussian spot width σ, pixels (default size/80, at least 1). */
  spotSigma?: number;
  /** Crystal thicknesses tried, nm (default 20, 30, … 70). */
  thicknesses?: readonly number[];
  /** Pixel values at or above this are saturated and left out (default: none). */
  saturation?: number;
}

/** Tilt grid stages: half-width and step, degrees; each followed by a search of the turn about the beam. */
export const TILT_STAGES: readonly (readonly [number, number])[] = [
  [1, 0.1],
  [0.25, 0.025],
];

/** Steps of the search of the turn about the beam, degrees. */
const TURN_STEPS = [0.2, 0.1, 0.05];

/** The relrod shape exp(−π(ts)²) reaches 1e-4 at |t·s| = 1.7. */
const CUT = 1.7;

/** Table steps of the precession-averaged shape in α = t·a and β = t·|b| (see {@link ShapeTable}). */
const ALPHA_STEP = 0.1;
const BETA_STEP = 0.05;

/**
 * The precession-averaged relrod shape ⟨exp(−π(α cos θ + β)²)⟩_θ as a table
 * over α ≥ 0 and β ≥ 0 (it is even in β), read bilinearly (in `#tiltGrid`). α is
 * the thickness times the precession's reach sin φ·|g_xy|, β the thickness
 * times the untilted excitation error's magnitude; both dimensionless.
 */
class ShapeTable {
  readonly alphas: number;
  readonly betas: number;
  readonly values: Float64Array;

  constructor(alphaMax: number) {
    this.alphas = Math.ceil(alphaMax / ALPHA_STEP) + 2;
    this.betas = Math.ceil((alphaMax + CUT) / BETA_STEP) + 2;
    this.values = new Float64Array(this.alphas * this.betas);
    for (let i = 0; i < this.alphas; i++) {
      const alpha = i * ALPHA_STEP;
      // Gauss–Chebyshev nodes u_k = cos((k + ½)π/m), fine enough that the Gaussian (width ~1/α in u) spans several.
      const m = Math.max(32, Math.ceil(16 * alpha));
      const nodes = Float64Array.from({ length: m }, (_, k) => cos(((k + 0.5) * Math.PI) / m));
      for (let j = 0; j < this.betas; j++) {
        const beta = j * BETA_STEP;
        let sum = 0;
        if (alpha < 1e-6) {
          sum = m * exp(-Math.PI * beta * beta);
        } else if (beta - alpha <= CUT) {
          // Only the nodes where |α·u + β| < CUT: u in ((−β − CUT)/α, (−β + CUT)/α); u_k falls as k grows.
          const uHi = Math.min(1, (CUT - beta) / alpha);
          const uLo = Math.max(-1, (-CUT - beta) / alpha);
          const kFrom = Math.max(0, Math.floor((acos(uHi) * m) / Math.PI - 0.5));
          const kTo = Math.min(m - 1, Math.ceil((acos(uLo) * m) / Math.PI - 0.5));
          for (let k = kFrom; k <= kTo; k++) {
            const s = alpha * nodes[k] + beta;
            if (s > -CUT && s < CUT) sum += exp(-Math.PI * s * s);
          }
        }
        this.values[i * this.betas + j] = sum / m;
      }
    }
  }

  /** A table reaching at least `alphaMax`: one per thread, grown when a larger one is asked for. */
  static reaching(alphaMax: number): ShapeTable {
    if (!shared || (shared.alphas - 2) * ALPHA_STEP < alphaMax) shared = new ShapeTable(alphaMax);
    return shared;
  }
}

let shared: ShapeTable | undefined;

/** The reflections of one phase within reach of the detector, crystal frame. */
interface Reflections {
  gx: Float64Array;
  gy: Float64Array;
  gz: Float64Array;
  /** |g|²/(2k): the excitation error's curvature term. */
  half: Float64Array;
  f2: Float64Array;
}

/** A fitted solution: the orientation refined under the fit and its score. */
export interface ProfileFit {
  g: Mat3;
  score: number;
}

/** G · R with R the rotation by `angle` radians about sample axis `axis` (0 x, 1 y, 2 z). */
export function turnAbout(g: Mat3, axis: number, angle: number): Mat3 {
  const c = cos(angle);
  const s = sin(angle);
  const i = (axis + 1) % 3;
  const j = (axis + 2) % 3;
  const out = [...g] as Mat3;
  for (let row = 0; row < 3; row++) {
    const a = g[3 * row + i];
    const b = g[3 * row + j];
    out[3 * row + i] = a * c + b * s;
    out[3 * row + j] = -a * s + b * c;
  }
  return out;
}

/**
 * Fits solutions to one pattern at a time (see the module comment): give it
 * the pattern with {@link ProfileFitter.setPattern}, then {@link ProfileFitter.fit}
 * each candidate orientation.
 */
export class ProfileFitter {
  readonly size: number;
  readonly spotSigma: number;
  readonly thicknesses: readonly number[];
  readonly saturation: number;
  readonly #library: TemplateLibrary;
  readonly #reflections: Reflections[];
  readonly #table: ShapeTable;
  readonly #sinP: number;
  readonly #cosP: number;
  readonly #reach: number;
  /** The thinnest thickness, Å: the widest relrods, which decide what a tilt can excite. */
  readonly #thinnest: number;
  readonly #weightX: Float64Array;
  readonly #weightY: Float64Array;
  /** Per pixel: the ring background and its inverse variance (0 where saturated). */
  readonly #background: Float64Array;
  readonly #weight: Float64Array;
  #frame: ArrayLike<number> = [];
  #cx = 0;
  #cy = 0;
  // Per candidate, per reflection near excitation: sample-frame vector, curvature, |F|², precession reach, matched-filter sums.
  #count = 0;
  readonly #sx: Float64Array;
  readonly #sy: Float64Array;
  readonly #sz: Float64Array;
  readonly #half: Float64Array;
  readonly #f2: Float64Array;
  readonly #reachA: Float64Array;
  readonly #response: Float64Array;
  readonly #energy: Float64Array;

  constructor(library: TemplateLibrary, size: number, options: ProfileFitOptions = {}) {
    this.size = size;
    this.#library = library;
    this.spotSigma = options.spotSigma ?? Math.max(1, size / 80);
    this.thicknesses = options.thicknesses ?? [20, 30, 40, 50, 60, 70];
    this.saturation = options.saturation ?? Infinity;
    if (!(this.spotSigma > 0)) throw new RangeError(`spotSigma must be positive (pixels), got ${this.spotSigma}`);
    if (this.thicknesses.length === 0 || !this.thicknesses.every((t) => t > 0)) throw new RangeError(`thicknesses must be positive (nm), got ${this.thicknesses.join(', ')}`);
    const precession = (library.precession * Math.PI) / 180;
    this.#sinP = sin(precession);
    this.#cosP = cos(precession);
    // Reflections as far as a detector corner from a beam up to size/8 off the middle: the simulator's, for that reach.
    const gMax = (Math.SQRT2 * (size / 2) + size / 8) * library.pixelSize;
    this.#reflections = library.phases.map((p) => {
      const sim = new PatternSimulator(makePhase(p.structure), { size, pixelSize: library.pixelSize, voltage: library.voltage, precession: library.precession, margin: size / 8 });
      const { gx, gy, gz, g2, f2 } = sim.reflections;
      const twoK = 2 * (1 / sim.wavelength);
      return { gx: Float64Array.from(gx), gy: Float64Array.from(gy), gz: Float64Array.from(gz), half: Float64Array.from(g2, (v) => v / twoK), f2: Float64Array.from(f2) };
    });
    const most = Math.max(...this.#reflections.map((r) => r.gx.length));
    [this.#sx, this.#sy, this.#sz, this.#half, this.#f2, this.#reachA, this.#response, this.#energy] = Array.from({ length: 8 }, () => new Float64Array(most));
    this.#thinnest = Math.min(...this.thicknesses) * 10;
    const tMax = Math.max(...this.thicknesses) * 10;
    this.#table = ShapeTable.reaching(this.#sinP * gMax * tMax);
    this.#reach = Math.ceil(3 * this.spotSigma);
    this.#weightX = new Float64Array(2 * this.#reach + 2);
    this.#weightY = new Float64Array(2 * this.#reach + 2);
    this.#background = new Float64Array(size * size);
    this.#weight = new Float64Array(size * size);
  }

  /**
   * The pattern to fit: raw counts, the direct beam at (cx, cy), and the
   * diffuse background as one value per whole-pixel radius (`rings[r]`,
   * linear between; radii beyond the last take the last).
   */
  setPattern(frame: ArrayLike<number>, cx: number, cy: number, rings: ArrayLike<number>, firstRing: number): void {
    const n = this.size;
    this.#frame = frame;
    this.#cx = cx;
    this.#cy = cy;
    const last = rings.length - 1;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const r = Math.sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
        const r0 = Math.min(last, Math.max(firstRing, Math.floor(r)));
        const r1 = Math.min(last, r0 + 1);
        const f = Math.min(1, Math.max(0, r - r0));
        const bg = rings[r0] * (1 - f) + rings[r1] * f;
        const i = y * n + x;
        this.#background[i] = bg;
        this.#weight[i] = frame[i] >= this.saturation ? 0 : 1 / (bg > 1 ? bg : 1);
      }
    }
  }

  /**
   * The reflections of phase `p` at orientation g that a tilt of up to
   * `tilt` degrees can excite at the thinnest thickness, with each one's
   * matched-filter response Σ w·(frame − background)·G and energy Σ w·G²
   * at its spot. With `among`, only those reflections are looked at.
   */
  #collect(p: number, g: Mat3, tilt: number, among?: Int32Array): void {
    const R = this.#reflections[p];
    const n = this.size;
    const inv = 1 / this.#library.pixelSize;
    const inner = this.#library.innerRadius + 1;
    const tiltRad = ((tilt + 0.3) * Math.PI) / 180;
    const sigma = this.spotSigma;
    const k = 1 / (2 * sigma * sigma);
    const reach = this.#reach;
    const wx = this.#weightX, wy = this.#weightY;
    const frame = this.#frame, background = this.#background, weight = this.#weight;
    let count = 0;
    const total = among ? among.length : R.gx.length;
    for (let c = 0; c < total; c++) {
      const i = among ? among[c] : c;
      const gx = R.gx[i], gy = R.gy[i], gz = R.gz[i];
      const sx = g[0] * gx + g[3] * gy + g[6] * gz;
      const sy = g[1] * gx + g[4] * gy + g[7] * gz;
      const px = this.#cx + sx * inv;
      const py = this.#cy + sy * inv;
      if (px < -0.5 || py < -0.5 || px > n - 0.5 || py > n - 0.5) continue;
      const rxy = Math.sqrt(sx * sx + sy * sy);
      if (rxy * inv < inner) continue;
      const sz = g[2] * gx + g[5] * gy + g[8] * gz;
      const a = this.#sinP * rxy;
      const b = this.#cosP * sz + R.half[i];
      if ((b < 0 ? -b : b) - a > CUT / this.#thinnest + rxy * tiltRad) continue;
      // Matched filter: separable Gaussian weights about the spot.
      const x0 = Math.max(0, Math.floor(px - reach)), x1 = Math.min(n - 1, Math.ceil(px + reach));
      const y0 = Math.max(0, Math.floor(py - reach)), y1 = Math.min(n - 1, Math.ceil(py + reach));
      for (let x = x0; x <= x1; x++) wx[x - x0] = exp(-k * (x - px) * (x - px));
      for (let y = y0; y <= y1; y++) wy[y - y0] = exp(-k * (y - py) * (y - py));
      let response = 0, energy = 0;
      for (let y = y0; y <= y1; y++) {
        const row = y * n;
        const gyw = wy[y - y0];
        for (let x = x0; x <= x1; x++) {
          const j = row + x;
          const w = weight[j];
          if (w === 0) continue;
          const G = gyw * wx[x - x0];
          response += w * (frame[j] - background[j]) * G;
          energy += w * G * G;
        }
      }
      if (energy === 0) continue;
      this.#sx[count] = sx;
      this.#sy[count] = sy;
      this.#sz[count] = sz;
      this.#half[count] = R.half[i];
      this.#f2[count] = R.f2[i];
      this.#reachA[count] = a;
      this.#response[count] = response;
      this.#energy[count] = energy;
      count++;
    }
    this.#count = count;
  }

  /** The best score over a (2·steps + 1)² grid of tilts about sample x and y, and the thicknesses, of what `#collect` found. */
  #tiltGrid(range: number, step: number): { score: number; wx: number; wy: number } {
    const steps = Math.round(range / step);
    const delta = (step * Math.PI) / 180;
    const count = this.#count;
    const { alphas, betas, values } = this.#table;
    const sx = this.#sx, sy = this.#sy, sz = this.#sz, half = this.#half, f2 = this.#f2, reachA = this.#reachA, response = this.#response, energy = this.#energy;
    const cosP = this.#cosP;
    let best = -Infinity, bx = 0, by = 0;
    for (const thickness of this.thicknesses) {
      const t = thickness * 10;
      for (let ix = -steps; ix <= steps; ix++) {
        const wx = ix * delta;
        for (let iy = -steps; iy <= steps; iy++) {
          const wy = iy * delta;
          let num = 0, den = 0;
          for (let q = 0; q < count; q++) {
            // A small tilt: the sample-frame z of g changes by wx·y − wy·x.
            const tb = t * (cosP * (sz[q] + wx * sy[q] - wy * sx[q]) + half[q]);
            const ta = t * reachA[q];
            if ((tb < 0 ? -tb : tb) - ta > CUT) continue;
            // The shape table, bilinear (ShapeTable.at, inlined: this loop is the fit's cost).
            const a = ta / ALPHA_STEP;
            const b = (tb < 0 ? -tb : tb) / BETA_STEP;
            const ia = Math.floor(a);
            const jb = Math.floor(b);
            if (ia >= alphas - 1 || jb >= betas - 1) continue;
            const fa = a - ia, fb = b - jb;
            const row = ia * betas + jb;
            const next = row + betas;
            const shape = (values[row] * (1 - fb) + values[row + 1] * fb) * (1 - fa) + (values[next] * (1 - fb) + values[next + 1] * fb) * fa;
            const I = f2[q] * shape;
            num += I * response[q];
            den += I * I * energy[q];
          }
          if (den === 0) continue;
          const score = num > 0 ? (num * num) / den : -(num * num) / den;
          if (score > best) {
            best = score;
            bx = wx;
            by = wy;
          }
        }
      }
    }
    return { score: best, wx: bx, wy: by };
  }

  /** The score of orientation g (no tilt search): the best over the thicknesses; `among` as in `#collect`, from `#turnInvariant`. */
  #scoreAt(p: number, g: Mat3, among?: Int32Array): number {
    this.#collect(p, g, 0, among);
    return this.#tiltGrid(0, 1).score;
  }

  /**
   * The reflections of phase p that `#collect` at zero tilt could keep for G
   * turned about the beam by any angle: such a turn leaves each one's g_z
   * (G's third column) and |g_xy| as they are, so its excitation too.
   */
  #turnInvariant(p: number, g: Mat3): Int32Array {
    const R = this.#reflections[p];
    const tiltRad = (0.3 * Math.PI) / 180;
    const out: number[] = [];
    for (let i = 0; i < R.gx.length; i++) {
      const gx = R.gx[i], gy = R.gy[i], gz = R.gz[i];
      const sx = g[0] * gx + g[3] * gy + g[6] * gz;
      const sy = g[1] * gx + g[4] * gy + g[7] * gz;
      const sz = g[2] * gx + g[5] * gy + g[8] * gz;
      const rxy = Math.sqrt(sx * sx + sy * sy);
      const b = this.#cosP * sz + R.half[i];
      // A margin for |g_xy|'s rounding, which the turn may change in the last digit.
      if ((b < 0 ? -b : b) - this.#sinP * rxy > CUT / this.#thinnest + rxy * tiltRad + 1e-9) continue;
      out.push(i);
    }
    return Int32Array.from(out);
  }

  /** Turns about the beam, hill-climbed under the score. */
  #climbTurn(p: number, g: Mat3): Mat3 {
    const among = this.#turnInvariant(p, g);
    let best = this.#scoreAt(p, g, among);
    for (const degrees of TURN_STEPS) {
      const step = (degrees * Math.PI) / 180;
      for (let round = 0; round < 6; round++) {
        let next: Mat3 | undefined;
        for (const sign of [1, -1]) {
          const trial = turnAbout(g, 2, sign * step);
          const score = this.#scoreAt(p, trial, among);
          if (score > best) {
            best = score;
            next = trial;
          }
        }
        if (!next) break;
        g = next;
      }
    }
    return g;
  }

  /**
   * Fits orientation g of phase p (index into the library's phases) to the
   * pattern: the refined orientation and its score. `stages`: the tilt
   * grids, [half-width, step] in degrees, each searched about the last's
   * best (default {@link TILT_STAGES}).
   */
  fit(p: number, g: Mat3, stages: readonly (readonly [number, number])[] = TILT_STAGES): ProfileFit {
    for (const [range, step] of stages) {
      if (!(range >= 0 && step > 0 && range / step <= 1000)) throw new RangeError(`a tilt stage needs a half-width ≥ 0 and a step > 0 (degrees, at most 1000 steps), got [${range}, ${step}]`);
    }
    // Every thickness at every stage: keeping only the first grid's best and its neighbours lost accuracy.
    for (const [range, step] of stages) {
      this.#collect(p, g, range);
      const { wx, wy } = this.#tiltGrid(range, step);
      // The tilt the grid found: z of g_s gains wx·y − wy·x, which G·Rx(−wx)·Ry(−wy) gives (to first order).
      g = turnAbout(turnAbout(g, 0, -wx), 1, -wy);
      g = this.#climbTurn(p, g);
    }
    return { g, score: this.#scoreAt(p, g) };
  }
}
