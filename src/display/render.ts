/**
 * Turning numbers into pixels for people: percentile contrast, linear, log
 * or gamma scaling, and colour maps. Shared by the CLI's PNGs and the viewer.
 */
import { COLORMAP_TABLES } from './colormap-tables.js';
import { kthSmallest } from '../numeric/order-statistics.js';

export const COLORMAP_NAMES = ['gray', 'viridis', 'inferno', 'magma', 'cividis'] as const;
export type ColormapName = (typeof COLORMAP_NAMES)[number];

export interface DisplayOptions {
  cmap?: ColormapName;
  /** How values map onto the colour map after clipping (default linear). */
  scale?: 'linear' | 'log' | 'gamma';
  /** Exponent for `scale: 'gamma'` (default 0.5). */
  gamma?: number;
  /** Lower and upper percentiles clipped to the ends of the map (default 0.5 and 99.5). */
  percentiles?: [number, number];
  /** Explicit value range instead of percentiles. */
  range?: [number, number];
}

const tables = new Map<ColormapName, Uint8Array>();

/** A 256 × RGB table. */
export function colormap(name: ColormapName): Uint8Array {
  let table = tables.get(name);
  if (!table) {
    if (name === 'gray') {
      table = new Uint8Array(768);
      for (let i = 0; i < 256; i++) table.fill(i, i * 3, i * 3 + 3);
    } else {
      const hex = COLORMAP_TABLES[name];
      if (!hex) throw new RangeError(`unknown colour map "${name}"; known: ${COLORMAP_NAMES.join(', ')}`);
      table = new Uint8Array(768);
      for (let i = 0; i < 768; i++) table[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    }
    tables.set(name, table);
  }
  return table;
}

/** Percentiles (0–100) of the finite values, interpolated linearly as numpy's default. */
export function percentiles(values: ArrayLike<number>, ...ps: number[]): number[] {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  if (n === 0) return ps.map(() => NaN);
  const finite = new Float64Array(n);
  for (let i = 0, j = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite[j++] = values[i];
  // Order statistics by selection, not a sort: a viewer redraws images while a pass fills them in.
  return ps.map((p) => {
    const at = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
    const lo = Math.floor(at);
    const hi = Math.min(n - 1, lo + 1);
    const a = kthSmallest(finite, lo);
    const b = hi === lo ? a : kthSmallest(finite, hi);
    return a + (b - a) * (at - lo);
  });
}

/**
 * Values mapped to 0–255 indices into a colour map (255 for NaN-free
 * maxima, 0 for NaN; 128 where the range is a single value), and the value
 * range used.
 */
export function toIndices(values: ArrayLike<number>, options: DisplayOptions = {}): { indices: Uint8Array; range: [number, number] } {
  const scale = options.scale ?? 'linear';
  const [pLo, pHi] = options.percentiles ?? [0.5, 99.5];
  let [lo, hi] = options.range ?? (percentiles(values, pLo, pHi) as [number, number]);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  const indices = new Uint8Array(values.length);
  if (!(hi > lo)) {
    // A constant image (or limits that meet): its value in the colour map's middle, not black as if empty.
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isNaN(v)) indices[i] = v < lo ? 0 : v > hi ? 255 : 128;
    }
    return { indices, range: [lo, hi] };
  }
  const span = hi - lo;
  const gamma = options.gamma ?? 0.5;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    indices[i] = Math.round(scaleFraction((v - lo) / span, scale, gamma) * 255);
  }
  return { indices, range: [lo, hi] };
}

const LOG_NORM = Math.log1p(1000);

/**
 * Where a fraction t of the value range (0 at the lower limit, 1 at the
 * upper, clipped) lands on the colour map (0–1): linear, log (three decades
 * below the upper limit) or t^gamma. Colour bars place their ticks with it.
 */
export function scaleFraction(t: number, scale: DisplayOptions['scale'] = 'linear', gamma = 0.5): number {
  const c = Math.min(1, Math.max(0, t));
  if (scale === 'log') return Math.log1p(c * 1000) / LOG_NORM;
  if (scale === 'gamma') return c ** gamma;
  return c;
}

/** RGBA pixels (for a canvas or PNG) of `values` through the options' colour map. */
export function renderRgba(values: ArrayLike<number>, options: DisplayOptions = {}): { rgba: Uint8ClampedArray; range: [number, number] } {
  const { indices, range } = toIndices(values, options);
  const table = colormap(options.cmap ?? 'gray');
  const rgba = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < indices.length; i++) {
    const c = indices[i] * 3;
    rgba[i * 4] = table[c];
    rgba[i * 4 + 1] = table[c + 1];
    rgba[i * 4 + 2] = table[c + 2];
    rgba[i * 4 + 3] = 255;
  }
  return { rgba, range };
}
