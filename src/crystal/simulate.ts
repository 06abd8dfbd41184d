/**
 * Kinematic SPED patterns, as ORIENTATION.md defines them. A reflection g
 * (crystal frame) is at g_s = Gᵀ·g in the sample frame and appears at pixel
 * centre + (g_s,x, g_s,y) / pixelSize (descanned: the same for every tilt).
 * The beam k = (1/λ)(sin φ cos θ, sin φ sin θ, cos φ) turns about z during
 * precession (angle φ); the excitation error is s(θ) = (k² − |k + g|²)/(2k)
 * = −(k̂·g_s) − |g|²/(2k). The intensity is
 *
 *     I = |F|² · ⟨ exp(−π (t·s(θ))²) ⟩_θ
 *
 * the relrod shape a Gaussian with the peak and the integral (1/t) of the
 * thin-plate shape factor sin²(πts)/(πts)² for a thickness t, averaged over
 * the precession circle by Gauss–Chebyshev quadrature in cos θ (only over
 * the nodes where the Gaussian matters). Reflections within reach of the
 * detector are found and their |F|² computed once per phase and setup; one
 * orientation then costs a pass over them.
 */
import { electronWavelength, type Mat3 } from './lattice.js';
import type { Phase } from './phase.js';
import { reflectionsWithin, scatterersOf } from './structure-factor.js';
import { seededRandom } from '../demo/random.js';
import { acos, cos, exp, log, sin } from './exact-math.js';

export { seededRandom };

export interface DetectorGeometry {
  /** Pattern side in pixels (N × N). */
  size: number;
  /** Reciprocal calibration, Å⁻¹ per pixel. */
  pixelSize: number;
  /** Direct-beam position (x column, y row) in pixels; default ((N−1)/2, (N−1)/2). */
  center?: [number, number];
}

export interface SimulationSetup extends DetectorGeometry {
  /** Accelerating voltage, kV (default 200). */
  voltage?: number;
  /** Precession angle φ, degrees (default 1; 0 for a still beam). */
  precession?: number;
  /** Crystal thickness, nm (default 50): the relrod width is ~1/t. */
  thickness?: number;
  /** Extra reach beyond the detector's farthest corner, pixels (default 2; more when the beam will be shifted). */
  margin?: number;
}

/** One orientation's pattern: parallel arrays over the reflections it shows. */
export interface SimulatedPattern {
  count: number;
  /** h, k, l of each reflection (interleaved, 3 per reflection). */
  hkl: Int32Array;
  /** Column and row on the detector, pixels. */
  x: Float64Array;
  y: Float64Array;
  /** Excitation error s (Å⁻¹) for the untilted beam. */
  excitation: Float64Array;
  /** |F|², Å². */
  f2: Float64Array;
  /** |F|² times the precession-averaged relrod shape (0…1). */
  intensity: Float64Array;
}

/** Reflections lighter than this fraction of |F|² after the shape factor are left out. */
export const MIN_SHAPE = 1e-4;

export class PatternSimulator {
  readonly phase: Phase;
  readonly size: number;
  readonly pixelSize: number;
  readonly center: [number, number];
  /** Electron wavelength, Å. */
  readonly wavelength: number;
  readonly precession: number;
  readonly thickness: number;
  /** Number of reflections considered for every orientation (within the detector's reach). */
  readonly candidates: number;
  readonly #h: Int32Array;
  readonly #gx: Float64Array;
  readonly #gy: Float64Array;
  readonly #gz: Float64Array;
  readonly #g2: Float64Array;
  readonly #f2: Float64Array;
  readonly #nodes: Float64Array;
  #scratch: { idx: Int32Array; x: Float64Array; y: Float64Array; s: Float64Array; w: Float64Array };

  constructor(phase: Phase, setup: SimulationSetup) {
    const { size, pixelSize } = setup;
    if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`size must be a positive integer, got ${size}`);
    if (!(pixelSize > 0)) throw new RangeError(`pixelSize must be positive (Å⁻¹ per pixel), got ${pixelSize}`);
    const voltage = setup.voltage ?? 200;
    if (!(voltage > 0)) throw new RangeError(`voltage must be positive (kV), got ${voltage}`);
    const precession = setup.precession ?? 1;
    if (!(precession >= 0 && precession < 10)) throw new RangeError(`precession must be 0 to 10 degrees, got ${precession}`);
    const thickness = setup.thickness ?? 50;
    if (!(thickness > 0)) throw new RangeError(`thickness must be positive (nm), got ${thickness}`);
    this.phase = phase;
    this.size = size;
    this.pixelSize = pixelSize;
    this.center = setup.center ?? [(size - 1) / 2, (size - 1) / 2];
    this.wavelength = electronWavelength(voltage * 1e3);
    this.precession = precession;
    this.thickness = thickness;
    const [cx, cy] = this.center;
    const farthest = Math.max(...[[-0.5, -0.5], [size - 0.5, -0.5], [-0.5, size - 0.5], [size - 0.5, size - 0.5]].map(([x, y]) => Math.hypot(x - cx, y - cy)));
    const gMax = (farthest + (setup.margin ?? 2)) * pixelSize;
    const reflections = reflectionsWithin(phase, 1 / gMax, scatterersOf(phase));
    const n = reflections.length;
    this.candidates = n;
    this.#h = new Int32Array(3 * n);
    this.#gx = new Float64Array(n);
    this.#gy = new Float64Array(n);
    this.#gz = new Float64Array(n);
    this.#g2 = new Float64Array(n);
    this.#f2 = new Float64Array(n);
    reflections.forEach((r, i) => {
      this.#h.set(r.hkl, 3 * i);
      const g = phase.lattice.g(r.hkl);
      this.#gx[i] = g[0];
      this.#gy[i] = g[1];
      this.#gz[i] = g[2];
      this.#g2[i] = 1 / (r.d * r.d);
      this.#f2[i] = r.f2;
    });
    // Gauss–Chebyshev nodes u_j = cos((j + ½)π/m): fine enough that the relrod
    // Gaussian (width ~1/(t·A) in u) spans several nodes at the largest A.
    const tA = thickness * 10 * sin((precession * Math.PI) / 180) * gMax;
    const m = precession === 0 ? 1 : Math.min(4096, Math.max(16, Math.ceil(8 * tA)));
    this.#nodes = new Float64Array(m);
    for (let j = 0; j < m; j++) this.#nodes[j] = cos(((j + 0.5) * Math.PI) / m);
    this.#scratch = { idx: new Int32Array(n), x: new Float64Array(n), y: new Float64Array(n), s: new Float64Array(n), w: new Float64Array(n) };
  }

  /**
   * The reflections every orientation is simulated from (within the
   * detector's reach), crystal frame, Å⁻¹: g, |g|² and |F|² (Å²), in the
   * order `nearby` indexes. Read-only: the simulator's own arrays.
   */
  get reflections(): { gx: ArrayLike<number>; gy: ArrayLike<number>; gz: ArrayLike<number>; g2: ArrayLike<number>; f2: ArrayLike<number> } {
    return { gx: this.#gx, gy: this.#gy, gz: this.#gz, g2: this.#g2, f2: this.#f2 };
  }

  /**
   * The reflections (indices, ascending) that any orientation within
   * `degrees` of G could show: a turn by θ moves a sample-frame vector g by
   * at most |g|·θ, which bounds how far its spot and its excitation can go.
   * `simulate(g2, among)` for such a g2 then equals `simulate(g2)`; a local
   * search (refinement) looks at a few dozen reflections instead of all.
   */
  nearby(g: Mat3, degrees: number): Int32Array {
    const t = this.thickness * 10;
    const k = 1 / this.wavelength;
    const sinP = sin((this.precession * Math.PI) / 180);
    const cosP = cos((this.precession * Math.PI) / 180);
    const cut = 1.7 / t;
    const [cx, cy] = this.center;
    const inv = 1 / this.pixelSize;
    // A little more than the bound, for rounding.
    const theta = ((degrees * Math.PI) / 180) * 1.001 + 1e-9;
    const out: number[] = [];
    for (let i = 0; i < this.candidates; i++) {
      const gx = this.#gx[i], gy = this.#gy[i], gz = this.#gz[i];
      const e = Math.sqrt(this.#g2[i]) * theta;
      const sx = g[0] * gx + g[3] * gy + g[6] * gz;
      const sy = g[1] * gx + g[4] * gy + g[7] * gz;
      const px = cx + sx * inv;
      const py = cy + sy * inv;
      const pe = e * inv;
      if (px < -0.5 - pe || px > this.size - 0.5 + pe || py < -0.5 - pe || py > this.size - 0.5 + pe) continue;
      const sz = g[2] * gx + g[5] * gy + g[8] * gz;
      const a = sinP * Math.sqrt(sx * sx + sy * sy);
      const b = cosP * sz + this.#g2[i] / (2 * k);
      if (Math.abs(b) - a - (cosP + sinP) * e > cut) continue;
      out.push(i);
    }
    return Int32Array.from(out);
  }

  /**
   * The pattern of orientation G (Bunge matrix, v_crystal = G·v_sample; see
   * `eulerToMatrix`, `zoneAxisOrientation`): reflections on the detector
   * with a shape factor of at least {@link MIN_SHAPE}. With `among` (from
   * {@link PatternSimulator.nearby}), only those reflections are looked at:
   * the same pattern, sooner.
   */
  simulate(g: Mat3, among?: Int32Array): SimulatedPattern {
    const n = among ? among.length : this.candidates;
    const { idx, x: xs, y: ys, s: ss, w: ws } = this.#scratch;
    const t = this.thickness * 10; // Å
    const k = 1 / this.wavelength;
    const sinP = sin((this.precession * Math.PI) / 180);
    const cosP = cos((this.precession * Math.PI) / 180);
    const cut = 1.7 / t; // exp(−π·1.7²) ≈ 1e-4 = MIN_SHAPE
    const piT2 = Math.PI * t * t;
    const nodes = this.#nodes;
    const m = nodes.length;
    const [cx, cy] = this.center;
    const inv = 1 / this.pixelSize;
    const lo = -0.5;
    const hi = this.size - 0.5;
    const g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4], g5 = g[5], g6 = g[6], g7 = g[7], g8 = g[8];
    const gxs = this.#gx, gys = this.#gy, gzs = this.#gz, g2s = this.#g2;
    const twoK = 2 * k;
    let count = 0;
    for (let c = 0; c < n; c++) {
      const i = among ? among[c] : c;
      const gx = gxs[i], gy = gys[i], gz = gzs[i];
      // g_sample = Gᵀ · g_crystal
      const sx = g0 * gx + g3 * gy + g6 * gz;
      const sy = g1 * gx + g4 * gy + g7 * gz;
      const px = cx + sx * inv;
      if (px < lo || px > hi) continue;
      const py = cy + sy * inv;
      if (py < lo || py > hi) continue;
      const sz = g2 * gx + g5 * gy + g8 * gz;
      const half = g2s[i] / twoK;
      // s(θ) = −(A cos ψ + B): A = sin φ |g_xy|, B = cos φ g_z + |g|²/2k.
      const a = sinP * Math.sqrt(sx * sx + sy * sy);
      const b = cosP * sz + half;
      if (Math.abs(b) - a > cut) continue;
      let shape: number;
      if (a * t < 1e-3 || m === 1) {
        shape = exp(-piT2 * b * b);
      } else {
        // Nodes with |a·u + b| ≤ cut: u in [(−b − cut)/a, (−b + cut)/a].
        const uLo = Math.max(-1, (-b - cut) / a);
        const uHi = Math.min(1, (-b + cut) / a);
        const jFrom = Math.max(0, Math.ceil((acos(uHi) * m) / Math.PI - 0.5));
        const jTo = Math.min(m - 1, Math.floor((acos(uLo) * m) / Math.PI - 0.5));
        let sum = 0;
        for (let j = jFrom; j <= jTo; j++) {
          const s = a * nodes[j] + b;
          sum += exp(-piT2 * s * s);
        }
        shape = sum / m;
      }
      if (shape < MIN_SHAPE) continue;
      idx[count] = i;
      xs[count] = px;
      ys[count] = py;
      ss[count] = -(sz + half);
      ws[count] = shape;
      count++;
    }
    const out: SimulatedPattern = {
      count,
      hkl: new Int32Array(3 * count),
      x: xs.slice(0, count),
      y: ys.slice(0, count),
      excitation: ss.slice(0, count),
      f2: new Float64Array(count),
      intensity: new Float64Array(count),
    };
    for (let c = 0; c < count; c++) {
      const i = idx[c];
      out.hkl[3 * c] = this.#h[3 * i];
      out.hkl[3 * c + 1] = this.#h[3 * i + 1];
      out.hkl[3 * c + 2] = this.#h[3 * i + 2];
      out.f2[c] = this.#f2[i];
      out.intensity[c] = this.#f2[i] * ws[c];
    }
    return out;
  }
}

export interface RenderOptions {
  /** Gaussian spot width σ, pixels (default 1). */
  spotSigma?: number;
  /** Direct beam intensity as a multiple of the strongest reflection's (default 0: none). */
  directBeam?: number;
  /** Shift of every spot, pixels (a drifting direct beam). */
  shift?: [number, number];
  /** Constant background added to every pixel, in the units of the result (default 0). */
  background?: number;
  /**
   * Poisson noise: the image is scaled so that the brightest spot's peak
   * expects this many counts, then each pixel is drawn from a Poisson law.
   * Unset: noiseless, in units of intensity.
   */
  counts?: number;
  /** Seed of the noise (default 1). */
  seed?: number;
}


/** A Poisson deviate of mean `mean` (Knuth's method for small means, a rounded normal beyond 30). */
export function poisson(mean: number, random: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const u = 1 - random();
    const v = random();
    const z = Math.sqrt(-2 * log(u)) * cos(2 * Math.PI * v);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  const limit = exp(-mean);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

/**
 * Renders a pattern as an N × N image (row-major, row = y): a Gaussian spot
 * of each reflection's intensity (its integral), optionally the direct beam,
 * a background and Poisson noise.
 */
export function renderPattern(pattern: SimulatedPattern, size: number, center: [number, number], options: RenderOptions = {}): Float64Array {
  const sigma = options.spotSigma ?? 1;
  if (!(sigma > 0)) throw new RangeError(`spotSigma must be positive, got ${sigma}`);
  const [dx, dy] = options.shift ?? [0, 0];
  const image = new Float64Array(size * size);
  const reach = Math.ceil(4 * sigma);
  const norm = 1 / (2 * Math.PI * sigma * sigma);
  const k = 1 / (2 * sigma * sigma);
  const spot = (x: number, y: number, value: number) => {
    const x0 = Math.max(0, Math.floor(x - reach));
    const x1 = Math.min(size - 1, Math.ceil(x + reach));
    const y0 = Math.max(0, Math.floor(y - reach));
    const y1 = Math.min(size - 1, Math.ceil(y + reach));
    for (let r = y0; r <= y1; r++) {
      const ey = (r - y) * (r - y);
      for (let c = x0; c <= x1; c++) image[r * size + c] += value * norm * exp(-k * ((c - x) * (c - x) + ey));
    }
  };
  let strongest = 0;
  for (let i = 0; i < pattern.count; i++) {
    strongest = Math.max(strongest, pattern.intensity[i]);
    spot(pattern.x[i] + dx, pattern.y[i] + dy, pattern.intensity[i]);
  }
  if (options.directBeam) spot(center[0] + dx, center[1] + dy, options.directBeam * (strongest || 1));
  if (options.counts !== undefined) {
    const peak = image.reduce((m, v) => Math.max(m, v), 0);
    const scale = peak > 0 ? options.counts / peak : 0;
    const random = seededRandom(options.seed ?? 1);
    const background = options.background ?? 0;
    for (let i = 0; i < image.length; i++) image[i] = poisson(image[i] * scale + background, random);
  } else if (options.background) {
    for (let i = 0; i < image.length; i++) image[i] += options.background;
  }
  return image;
}
