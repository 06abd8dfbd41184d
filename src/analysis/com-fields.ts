/**
 * What a centre-of-mass map says as a vector field on the scan: the shift of
 * each pattern's centre of mass from a reference centre, turned from pattern
 * axes into scan axes, its magnitude and direction, divergence and curl, a
 * colour-wheel picture of it, and the rotation between the two sets of axes
 * that makes the field curl-free (as py4DSTEM and pyxem estimate it).
 *
 * Conventions (x is the column, y the row, both for pattern pixels and scan
 * positions; rows go down on screen):
 * - the shift is (x − x₀, y − y₀) in pattern pixels, (x₀, y₀) the reference
 *   centre: given, or the mean of the finite centres;
 * - `flip` mirrors the pattern's y axis first, (u, v) → (u, −v); then the
 *   rotation θ turns the vector by the usual matrix [[cos θ, −sin θ],
 *   [sin θ, cos θ]], which on screen (y down) is clockwise for θ > 0.
 *   other programs choose their own axes and flip (py4DSTEM's flip swaps
 *   the axes): compare the fields, not the angles;
 * - direction is atan2(y, x) in degrees, in (−180°, 180°]: 0° points along +x
 *   (right), 90° along +y (down);
 * - divergence ∂u/∂x + ∂v/∂y and curl ∂v/∂x − ∂u/∂y use central differences
 *   inside the scan and one-sided (first-order) differences on its edges, as
 *   numpy.gradient does; a NaN input (a frame without intensity) makes every
 *   difference that uses it NaN. Along an axis of one position (a line scan)
 *   the derivative is 0. Derivatives are per scan step: pattern pixels per
 *   unit of `step` (e.g. nm), or per scan position when no step is given.
 *
 * Browser-safe: plain arrays only.
 */
import { percentiles } from '../display/render.js';

export interface ComFieldOptions {
  /** Rotation from pattern to scan axes, degrees (default 0). */
  rotation?: number;
  /** Mirror the pattern's y axis before the rotation (default false). */
  flip?: boolean;
  /** Pattern pixel the shifts are measured from (default: the mean of the finite centres). */
  reference?: { x: number; y: number };
  /** Scan step [between rows, between columns] in some length unit (default [1, 1]: per scan position). */
  step?: [number, number];
}

export interface ComFields {
  /** The reference centre used, pattern pixels. */
  reference: { x: number; y: number };
  /** Shift along the scan's x and y, pattern pixels. */
  x: Float64Array;
  y: Float64Array;
  /** Length of the shift, pattern pixels (independent of rotation and flip). */
  magnitude: Float64Array;
  /** atan2(y, x) of the shift in scan axes, degrees in (−180, 180]. */
  direction: Float64Array;
  /** Pattern pixels per unit of the scan step. */
  divergence: Float64Array;
  curl: Float64Array;
}

/** The mean of the finite centres (NaN, NaN when there are none). */
export function comReference(x: ArrayLike<number>, y: ArrayLike<number>): { x: number; y: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      sx += x[i];
      sy += y[i];
      n++;
    }
  }
  return n === 0 ? { x: NaN, y: NaN } : { x: sx / n, y: sy / n };
}

function checkRotation(rotation: number): void {
  if (!Number.isFinite(rotation)) throw new RangeError(`centre of mass: the rotation must be a finite number of degrees, got ${rotation}`);
}

/**
 * Vectors (u, v) in pattern axes turned into scan axes: flipped (v → −v)
 * when asked, then rotated by `rotation` degrees.
 */
export function toScanAxes(u: ArrayLike<number>, v: ArrayLike<number>, rotation: number, flip = false): { x: Float64Array; y: Float64Array } {
  checkRotation(rotation);
  if (u.length !== v.length) throw new RangeError(`centre of mass: x has ${u.length} values, y ${v.length}`);
  const t = (rotation * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  const sign = flip ? -1 : 1;
  const x = new Float64Array(u.length);
  const y = new Float64Array(u.length);
  for (let i = 0; i < u.length; i++) {
    const a = u[i];
    const b = sign * v[i];
    x[i] = c * a - s * b;
    y[i] = s * a + c * b;
  }
  return { x, y };
}

/** ∂f/∂x (along columns) or ∂f/∂y (along rows) by the scheme in the module's comment. */
function derivative(f: ArrayLike<number>, rows: number, cols: number, along: 'x' | 'y', step: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const n = along === 'x' ? cols : rows;
  const stride = along === 'x' ? 1 : cols;
  if (n === 1) return out;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const k = along === 'x' ? c : r;
      if (k === 0) out[i] = (f[i + stride] - f[i]) / step;
      else if (k === n - 1) out[i] = (f[i] - f[i - stride]) / step;
      else out[i] = (f[i + stride] - f[i - stride]) / (2 * step);
    }
  }
  return out;
}

function checkShape(length: number, rows: number, cols: number): void {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0) || length !== rows * cols) {
    throw new RangeError(`centre of mass: ${length} values do not make a ${rows} × ${cols} scan`);
  }
}

function checkStep(step: [number, number]): void {
  if (!step.every((s) => Number.isFinite(s) && s > 0)) throw new RangeError(`centre of mass: the scan step must be positive, got ${step.join(', ')}`);
}

/** Divergence and curl of the field (u, v) on a rows × cols scan. */
export function divergenceAndCurl(
  u: ArrayLike<number>,
  v: ArrayLike<number>,
  rows: number,
  cols: number,
  step: [number, number] = [1, 1],
): { divergence: Float64Array; curl: Float64Array } {
  checkShape(u.length, rows, cols);
  checkShape(v.length, rows, cols);
  checkStep(step);
  const [sy, sx] = step;
  const ux = derivative(u, rows, cols, 'x', sx);
  const uy = derivative(u, rows, cols, 'y', sy);
  const vx = derivative(v, rows, cols, 'x', sx);
  const vy = derivative(v, rows, cols, 'y', sy);
  const divergence = new Float64Array(rows * cols);
  const curl = new Float64Array(rows * cols);
  for (let i = 0; i < divergence.length; i++) {
    divergence[i] = ux[i] + vy[i];
    curl[i] = vx[i] - uy[i];
  }
  return { divergence, curl };
}

/** Every field of a centre-of-mass map (x, y: pattern pixels of each of rows × cols scan positions). */
export function comFields(com: { x: ArrayLike<number>; y: ArrayLike<number> }, rows: number, cols: number, options: ComFieldOptions = {}): ComFields {
  checkShape(com.x.length, rows, cols);
  checkShape(com.y.length, rows, cols);
  const reference = options.reference ?? comReference(com.x, com.y);
  if (options.reference && !(Number.isFinite(reference.x) && Number.isFinite(reference.y))) {
    throw new RangeError('centre of mass: the reference centre must be finite');
  }
  const n = rows * cols;
  const du = new Float64Array(n);
  const dv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    du[i] = com.x[i] - reference.x;
    dv[i] = com.y[i] - reference.y;
  }
  const { x, y } = toScanAxes(du, dv, options.rotation ?? 0, options.flip);
  const magnitude = new Float64Array(n);
  const direction = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    magnitude[i] = Math.hypot(x[i], y[i]);
    // atan2 gives −180° for (−1, −0): the half-open range wants 180°.
    const angle = (Math.atan2(y[i], x[i]) * 180) / Math.PI;
    direction[i] = angle === -180 ? 180 : angle;
  }
  return { reference, x, y, magnitude, direction, ...divergenceAndCurl(x, y, rows, cols, options.step) };
}

export interface CurlFreeRotation {
  /** The rotation, degrees in [0, 180), that minimises Σ curl² for the flip given. */
  rotation: number;
  flip: boolean;
  /** Root mean square curl at that rotation, and at the worst one, over the positions where it is finite. */
  rmsCurl: number;
  rmsCurlWorst: number;
  /** Mean divergence at that rotation: rotation + 180° gives the same curl and the opposite divergence. */
  meanDivergence: number;
}

/**
 * The rotation between pattern and scan axes that makes the centre-of-mass
 * field curl-free, for a given flip. Exact, without a search over angles:
 * differences are linear, so the field rotated by θ has curl
 * sin θ · D + cos θ · C (D and C the divergence and curl at θ = 0) and
 * Σ curl² = a sin²θ + c cos²θ + 2b sin θ cos θ (a = ΣD², c = ΣC²,
 * b = ΣDC), smallest at 2θ = atan2(2b, c − a) + 180°. θ and θ + 180° give the
 * same curl; choose between them by the sign the divergence should have.
 */
export function curlFreeRotation(
  com: { x: ArrayLike<number>; y: ArrayLike<number> },
  rows: number,
  cols: number,
  options: { flip?: boolean; step?: [number, number] } = {},
): CurlFreeRotation {
  const flip = options.flip ?? false;
  // The reference drops out of every difference: any will do.
  const fields = comFields(com, rows, cols, { flip, step: options.step });
  let a = 0;
  let b = 0;
  let c = 0;
  let n = 0;
  for (let i = 0; i < fields.curl.length; i++) {
    const d = fields.divergence[i];
    const k = fields.curl[i];
    if (!Number.isFinite(d) || !Number.isFinite(k)) continue;
    a += d * d;
    b += d * k;
    c += k * k;
    n++;
  }
  if (n === 0) throw new RangeError('centre of mass: no finite divergence or curl to estimate a rotation from');
  const twice = Math.atan2(2 * b, c - a) + Math.PI;
  let rotation = ((twice / 2) * 180) / Math.PI;
  rotation = ((rotation % 180) + 180) % 180;
  const spread = Math.hypot((c - a) / 2, b);
  const mean = (a + c) / 2;
  const t = (rotation * Math.PI) / 180;
  let divergenceSum = 0;
  for (let i = 0; i < fields.curl.length; i++) {
    const d = fields.divergence[i];
    const k = fields.curl[i];
    // The divergence of the rotated field: cos θ · D − sin θ · C.
    if (Number.isFinite(d) && Number.isFinite(k)) divergenceSum += Math.cos(t) * d - Math.sin(t) * k;
  }
  return {
    rotation,
    flip,
    rmsCurl: Math.sqrt(Math.max(0, mean - spread) / n),
    rmsCurlWorst: Math.sqrt((mean + spread) / n),
    meanDivergence: divergenceSum / n,
  };
}

/** HSV (h in degrees, s and v in 0–1) to 0–255 RGB. */
function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const hh = (((h % 360) + 360) % 360) / 60;
  const i = Math.floor(hh);
  const f = hh - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i % 6];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** The colour of a vector: hue its direction (red along +x, then yellow, green towards +y), value its length over `max`. */
function wheelColour(x: number, y: number, max: number): [number, number, number] {
  const hue = (Math.atan2(y, x) * 180) / Math.PI;
  return hsvToRgb(hue, 1, Math.min(1, Math.hypot(x, y) / max));
}

/**
 * The vector field as colours (RGBA, row-major): hue the direction,
 * brightness the magnitude, full at `max` (default: the 99.5th percentile
 * of the magnitudes) and above; NaN positions transparent.
 */
export function colourWheel(x: ArrayLike<number>, y: ArrayLike<number>, max?: number): { rgba: Uint8ClampedArray; max: number } {
  if (max === undefined) {
    const magnitude = Float64Array.from({ length: x.length }, (_, i) => Math.hypot(x[i], y[i]));
    max = percentiles(magnitude, 99.5)[0];
  }
  if (!(max > 0)) max = 1;
  const rgba = new Uint8ClampedArray(x.length * 4);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    rgba.set(wheelColour(x[i], y[i], max), i * 4);
    rgba[i * 4 + 3] = 255;
  }
  return { rgba, max };
}

/**
 * The key to `colourWheel`: a disc of `size` × `size` pixels (RGBA), each
 * pixel coloured as the vector from the centre to it, the rim at `max`;
 * transparent outside the disc. Rows go down, as on the scan.
 */
export function colourWheelKey(size: number): Uint8ClampedArray {
  if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`colour wheel key: size must be a positive whole number, got ${size}`);
  const rgba = new Uint8ClampedArray(size * size * 4);
  const centre = (size - 1) / 2;
  const radius = size / 2;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const dx = c - centre;
      const dy = r - centre;
      if (Math.hypot(dx, dy) > radius) continue;
      const i = (r * size + c) * 4;
      rgba.set(wheelColour(dx, dy, radius), i);
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}
