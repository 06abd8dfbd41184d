/**
 * Turning any numeric data into blockfile pixels with the exact arithmetic
 * of HyperSpy's writer: numpy's casts, skimage's `rescale_intensity`, and
 * numpy's float32 pairwise mean for the navigator.
 */
import type { NumericArray } from '../format/types.js';

/**
 * RosettaSciIO's `intensity_scaling`: none (cast), the type's range
 * (`'dtype'`), the data's min–max (`'minmax'`), clipping to 0–255
 * (`'crop'`), or an explicit `[lo, hi]`.
 */
export type IntensityScaling = 'dtype' | 'minmax' | 'crop' | readonly [number, number];

export type NumericDtype =
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'float32'
  | 'float64'
  | 'int64'
  | 'uint64';

export function dtypeOf(data: NumericArray): NumericDtype {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint64';
}

export function isFloat(dtype: NumericDtype): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** skimage's `dtype_limits`: the value range of an integer type. */
export function dtypeLimits(dtype: NumericDtype): [number, number] {
  switch (dtype) {
    case 'uint8':
      return [0, 255];
    case 'int8':
      return [-128, 127];
    case 'uint16':
      return [0, 65535];
    case 'int16':
      return [-32768, 32767];
    case 'uint32':
      return [0, 4294967295];
    case 'int32':
      return [-2147483648, 2147483647];
    case 'int64':
      return [-9223372036854775808, 9223372036854775807];
    case 'uint64':
      return [0, 18446744073709551615];
    default:
      return [-1, 1];
  }
}

/** numpy's float-to-integer cast as x86 builds do it: truncate via int32, keep the low bits. */
function castFloat(v: number, mask: number): number {
  if (!(Math.abs(v) < 2147483648)) return 0;
  return Math.trunc(v) & mask;
}

function valueAt(data: NumericArray, i: number): number {
  return Number(data[i]);
}

/** A function that converts `n` values from `src` at `from` into `out` at `to`. */
export type PixelConverter = (src: NumericArray, from: number, out: Uint8Array | Uint16Array, to: number, n: number) => void;

/** Plain casts, numpy's `astype(uint8)` or `astype(uint16)`: integers keep their low bits, floats truncate and wrap. */
export function castConverter(dtype: NumericDtype, bits: 8 | 16): PixelConverter {
  const mask = bits === 16 ? 0xffff : 0xff;
  if (dtype === 'int64' || dtype === 'uint64') {
    const big = BigInt(mask);
    return (src, from, out, to, n) => {
      const s = src as BigInt64Array | BigUint64Array;
      for (let i = 0; i < n; i++) out[to + i] = Number(s[from + i] & big);
    };
  }
  if (isFloat(dtype)) {
    return (src, from, out, to, n) => {
      for (let i = 0; i < n; i++) out[to + i] = castFloat(valueAt(src, from + i), mask);
    };
  }
  if (dtype === 'uint8' || (dtype === 'uint16' && bits === 16)) {
    // Nothing to convert: a copy.
    return (src, from, out, to, n) => out.set((src as Uint8Array | Uint16Array).subarray(from, from + n), to);
  }
  return (src, from, out, to, n) => {
    const s = src as Exclude<NumericArray, BigInt64Array | BigUint64Array>;
    for (let i = 0; i < n; i++) out[to + i] = s[from + i] & mask;
  };
}

/**
 * skimage's `rescale_intensity(image, in_range=(lo, hi), out_range=uint8)`:
 * clip to [lo, hi], map onto 0–255, truncate. float32 data is computed in
 * float32 as numpy does; everything else in float64.
 */
export function rescaleConverter(dtype: NumericDtype, lo: number, hi: number): PixelConverter {
  if (dtype === 'float32') {
    const f = Math.fround;
    const flo = f(lo);
    const fhi = f(hi);
    const span = f(hi - lo);
    if (lo === hi) {
      return (src, from, out, to, n) => {
        for (let i = 0; i < n; i++) out[to + i] = Math.trunc(Math.min(Math.max(Math.min(Math.max(src[from + i] as number, flo), fhi), 0), 255));
      };
    }
    return (src, from, out, to, n) => {
      for (let i = 0; i < n; i++) {
        const v = Math.min(Math.max(src[from + i] as number, flo), fhi);
        out[to + i] = Math.trunc(f(f(f(v - flo) / span) * 255));
      }
    };
  }
  const span = hi - lo;
  if (lo === hi) {
    return (src, from, out, to, n) => {
      for (let i = 0; i < n; i++) out[to + i] = Math.trunc(Math.min(Math.max(Math.min(Math.max(valueAt(src, from + i), lo), hi), 0), 255));
    };
  }
  return (src, from, out, to, n) => {
    for (let i = 0; i < n; i++) {
      const v = Math.min(Math.max(valueAt(src, from + i), lo), hi);
      out[to + i] = Math.trunc(((v - lo) / span) * 255);
    }
  };
}

/** numpy's pairwise summation of `n` values from `start`, rounding each step with `round` (Math.fround for float32). */
export function pairwiseSum(data: ArrayLike<number | bigint>, start: number, n: number, round: (x: number) => number): number {
  const at = (i: number) => Number(data[start + i]);
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = round(res + at(i));
    return res;
  }
  if (n <= 128) {
    const r = [at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = round(r[j] + at(i + j));
    let res = round(round(round(r[0] + r[1]) + round(r[2] + r[3])) + round(round(r[4] + r[5]) + round(r[6] + r[7])));
    for (; i < n; i++) res = round(res + at(i));
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return round(pairwiseSum(data, start, n2, round) + pairwiseSum(data, start + n2, n - n2, round));
}

const identity = (x: number) => x;

/** numpy's `mean` of `n` values: float32 for float32 data, float64 otherwise. */
export function frameMean(data: NumericArray, start: number, n: number, dtype: NumericDtype): number {
  if (dtype === 'float32') return Math.fround(pairwiseSum(data, start, n, Math.fround) / n);
  if (isFloat(dtype) || dtype === 'int64' || dtype === 'uint64') return pairwiseSum(data, start, n, identity) / n;
  // Integers of 32 bits or less sum exactly in a double, in any order: a plain loop gives numpy's result.
  const values = data as Exclude<NumericArray, BigInt64Array | BigUint64Array>;
  let sum = 0;
  for (let i = start, end = start + n; i < end; i++) sum += values[i];
  return sum / n;
}

/** Minimum and maximum of the data, for `'minmax'`. */
export function minMax(data: NumericArray, start = 0, end = data.length): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = start; i < end; i++) {
    const v = Number(data[i]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
