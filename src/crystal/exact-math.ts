/**
 * Deterministic transcendental functions: the same bits in Node and in every browser.
 *
 * `Math.sin`, `cos`, `atan2`, `acos`, `exp`, `log` and `pow` are only required by
 * ECMAScript to be "implementation-approximated", and Chromium's differ from Node's
 * in the last bit for some arguments; that reached the orientation map's last bits.
 * These are written with `+ − × ÷` and `Math.sqrt` only (all exactly rounded by
 * IEEE 754), so they give the same result everywhere. They follow Sun's fdlibm
 * (FreeBSD msun) algorithms and coefficients, so they are within 1 ulp of the true
 * value; `pow` is exact for the exponents indexing uses (1, 2, 0.5) and otherwise
 * within ~16 ulps (deterministic all the same).
 *
 * Everything whose numbers reach an orientation map (src/crystal, src/indexing)
 * uses these instead of `Math.*`. `sqrt`, `abs`, `floor`, `round`, `min` and `max`
 * are exact by definition and stay `Math`'s, as does `hypot` (V8 computes it with
 * a scaled sqrt that gave the same bits in Node and Chromium on every argument we tried).
 *
 * The fdlibm notice, which its algorithms and constants are under:
 *   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *   Developed at SunPro, a Sun Microsystems, Inc. business.
 *   Permission to use, copy, modify, and distribute this
 *   software is freely granted, provided that this notice
 *   is preserved.
 */

// Word access to a double (fdlibm works on its high and low 32 bits).
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const I32 = new Int32Array(F64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** High word of x, signed (as fdlibm's __HI). */
function high(x: number): number {
  F64[0] = x;
  return I32[HI];
}

/** Low word of x, unsigned. */
function low(x: number): number {
  F64[0] = x;
  return U32[LO];
}

/** x with its low word set to zero. */
function withLowZero(x: number): number {
  F64[0] = x;
  U32[LO] = 0;
  return F64[0];
}

/** The double of high word `hi` and low word `lo`. */
function fromWords(hi: number, lo: number): number {
  I32[HI] = hi;
  U32[LO] = lo;
  return F64[0];
}

/** 2^k for k = −1022 … 1023, at index k + 1022 (a lookup is faster than building the bits). */
const POW2 = Float64Array.from({ length: 2046 }, (_, i) => fromWords((i + 1) << 20, 0));

/** y · 2^k, one rounding (exact unless the result is subnormal). */
function scalbn(y: number, k: number): number {
  if (k > 1023) return y * POW2[1023 + 1022] * POW2[k - 1023 + 1022];
  if (k < -1022) return y * POW2[k + 1000 + 1022] * POW2[-1000 + 1022];
  return y * POW2[k + 1022];
}

// ---- sin, cos: argument reduction to [−π/4, π/4], then fdlibm's kernels ----

const S1 = -1.66666666666666324348e-1;
const S2 = 8.33333333332248946124e-3;
const S3 = -1.98412698298579493134e-4;
const S4 = 2.75573137070700676789e-6;
const S5 = -2.50507602534068634195e-8;
const S6 = 1.58969099521155010221e-10;

/** sin(x + y) for |x| ≤ π/4, y the tail of x (fdlibm __kernel_sin). */
function kernelSin(x: number, y: number, iy: boolean): number {
  const z = x * x;
  const w = z * z;
  const r = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
  const v = z * x;
  if (!iy) return x + v * (S1 + z * r);
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

const C1 = 4.16666666666666019037e-2;
const C2 = -1.38888888888741095749e-3;
const C3 = 2.48015872894767294178e-5;
const C4 = -2.75573143513906633035e-7;
const C5 = 2.08757232129817482790e-9;
const C6 = -1.13596475577881948265e-11;

/** cos(x + y) for |x| ≤ π/4 (fdlibm __kernel_cos, FreeBSD's form). */
function kernelCos(x: number, y: number): number {
  const z = x * x;
  const w = z * z;
  const r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
  const hz = 0.5 * z;
  const v = 1 - hz;
  return v + (((1 - v) - hz) + (z * r - x * y));
}

const INV_PIO2 = 6.36619772367581382433e-1;
const PIO2_1 = 1.57079632673412561417;
const PIO2_1T = 6.07710050650619224932e-11;
const PIO2_2 = 6.07710050630396597660e-11;
const PIO2_2T = 2.02226624879595063154e-21;
const PIO2_3 = 2.02226624871116645580e-21;
const PIO2_3T = 8.47842766036889956997e-32;
/** 1.5 · 2^52: adding and subtracting it rounds to an integer. */
const TO_INT = 6755399441055744;

/** The remainder of the last reduction, as a head and a tail. */
let remHead = 0;
let remTail = 0;

/** Bits of 2/π after the point, 1584 of them (24 per entry), for huge arguments. */
const TWO_OVER_PI = [
  0xa2f983, 0x6e4e44, 0x1529fc, 0x2757d1, 0xf534dd, 0xc0db62, 0x95993c, 0x439041, 0xfe5163, 0xabdebb, 0xc561b7,
  0x246e3a, 0x424dd2, 0xe00649, 0x2eea09, 0xd1921c, 0xfe1deb, 0x1cb129, 0xa73ee8, 0x8235f5, 0x2ebb44, 0x84e99c,
  0x7026b4, 0x5f7e41, 0x3991d6, 0x398353, 0x39f49c, 0x845f8b, 0xbdf928, 0x3b1ff8, 0x97ffde, 0x05980f, 0xef2f11,
  0x8b5a0a, 0x6d1f6d, 0x367ecf, 0x27cb09, 0xb74f46, 0x3f669e, 0x5fea2d, 0x7527ba, 0xc7ebe5, 0xf17b3d, 0x0739f7,
  0x8a5292, 0xea6bfb, 0x5fb11f, 0x8d5d08, 0x560330, 0x46fc7b, 0x6babf0, 0xcfbc20, 0x9af436, 0x1da9e3, 0x91615e,
  0xe61b08, 0x659985, 0x5f14a0, 0x68408d, 0xffd880, 0x4d7327, 0x310606, 0x1556ca, 0x73a8c9, 0x60e27b, 0xc08c6b,
];
const TWO_OVER_PI_BITS = TWO_OVER_PI.length * 24;
let twoOverPi: bigint | undefined;

/** Dekker's split of a double into two 26-bit halves (exact). */
function split(a: number): [number, number] {
  const t = 134217729 * a; // 2^27 + 1
  const hi = t - (t - a);
  return [hi, a - hi];
}

const PIO2_HI = 1.5707963267948966; // 0x3FF921FB54442D18
const PIO2_LO = 6.123233995736766e-17;

/**
 * Reduction of |x| ≥ 2^20·π/2 in exact integer arithmetic: x is m·2^k with m an
 * integer, so x·2/π's integer and fraction parts come from one BigInt product.
 * Rare (indexing never gets here) and not fdlibm's method, but exact to ~2^-100.
 */
function reduceHuge(x: number): number {
  twoOverPi ??= TWO_OVER_PI.reduce((acc, v) => (acc << 24n) | BigInt(v), 0n);
  const ax = Math.abs(x);
  const e = ((high(ax) >>> 20) & 0x7ff) - 1075; // ax = m · 2^e
  const m = (BigInt((high(ax) & 0x000fffff) | 0x00100000) << 32n) | BigInt(low(ax)); // 53-bit significand
  const shift = BigInt(TWO_OVER_PI_BITS - e);
  const product = m * twoOverPi;
  let n = product >> shift;
  let frac = product - (n << shift);
  if (frac >= 1n << (shift - 1n)) {
    n += 1n;
    frac -= 1n << shift;
  }
  // The fraction's top 120 bits as a double-double, times 2^-120.
  const top = frac >> (shift - 120n);
  const fHi = Number(top);
  const fLo = Number(top - BigInt(fHi));
  const scale = fromWords((1023 - 120) << 20, 0);
  const a = fHi * scale;
  const b = fLo * scale;
  // (a + b)·(π/2) as a double-double (Dekker's exact product of a and PIO2_HI).
  const p = a * PIO2_HI;
  const [ah, al] = split(a);
  const [ph, pl] = split(PIO2_HI);
  const err = ((ah * ph - p) + ah * pl + al * ph) + al * pl;
  const tail = err + (a * PIO2_LO + b * PIO2_HI);
  const head = p + tail;
  const sign = x < 0 ? -1 : 1;
  remHead = sign * head;
  remTail = sign * (tail - (head - p));
  const q = Number(n & 3n);
  return x < 0 ? -q : q;
}

/** n with x − n·π/2 = remHead + remTail, |remHead| ≤ ~π/4 (fdlibm __ieee754_rem_pio2's medium case). */
function remPio2(x: number, ix: number): number {
  if (ix >= 0x413921fb) return reduceHuge(x); // |x| ≥ 2^20·π/2
  const fn = x * INV_PIO2 + TO_INT - TO_INT;
  const n = fn | 0;
  let r = x - fn * PIO2_1;
  let w = fn * PIO2_1T;
  const j = ix >> 20;
  let y0 = r - w;
  let i = j - ((high(y0) >> 20) & 0x7ff);
  if (i > 16) {
    // 2nd iteration: needed when x is near a multiple of π/2 (cancellation).
    let t = r;
    w = fn * PIO2_2;
    r = t - w;
    w = fn * PIO2_2T - ((t - r) - w);
    y0 = r - w;
    i = j - ((high(y0) >> 20) & 0x7ff);
    if (i > 49) {
      t = r;
      w = fn * PIO2_3;
      r = t - w;
      w = fn * PIO2_3T - ((t - r) - w);
      y0 = r - w;
    }
  }
  remHead = y0;
  remTail = (r - y0) - w;
  return n;
}

/** sin x, deterministic (fdlibm). */
export function sin(x: number): number {
  const ix = high(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) {
    if (ix < 0x3e500000) return x; // |x| < 2^-26: sin x = x to the last bit
    return kernelSin(x, 0, false);
  }
  if (ix >= 0x7ff00000) return NaN;
  const n = remPio2(x, ix) & 3;
  const a = remHead, b = remTail;
  if (n === 0) return kernelSin(a, b, true);
  if (n === 1) return kernelCos(a, b);
  if (n === 2) return -kernelSin(a, b, true);
  return -kernelCos(a, b);
}

/** cos x, deterministic (fdlibm). */
export function cos(x: number): number {
  const ix = high(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) {
    if (ix < 0x3e46a09e) return 1; // |x| < 2^-27·√2: cos x rounds to 1
    return kernelCos(x, 0);
  }
  if (ix >= 0x7ff00000) return NaN;
  const n = remPio2(x, ix) & 3;
  const a = remHead, b = remTail;
  if (n === 0) return kernelCos(a, b);
  if (n === 1) return -kernelSin(a, b, true);
  if (n === 2) return -kernelCos(a, b);
  return kernelSin(a, b, true);
}

/** tan x as sin x / cos x: deterministic, within ~2 ulps (used only for drawing the IPF key). */
export function tan(x: number): number {
  return sin(x) / cos(x);
}

// ---- atan, atan2, acos ----

const ATAN_HI = [4.63647609000806093515e-1, 7.85398163397448278999e-1, 9.82793723247329054082e-1, 1.57079632679489655800];
const ATAN_LO = [2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17, 6.12323399573676603587e-17];
const AT = [
  3.33333333333329318027e-1, -1.99999999998764832476e-1, 1.42857142725034663711e-1, -1.11111104054623557880e-1,
  9.09088713343650656196e-2, -7.69187620504482999495e-2, 6.66107313738753120669e-2, -5.83357013379057348645e-2,
  4.97687799461593236017e-2, -3.65315727442169155270e-2, 1.62858201153657823623e-2,
];

/** atan x, deterministic (fdlibm). */
export function atan(x: number): number {
  const hx = high(x);
  const ix = hx & 0x7fffffff;
  let id: number;
  if (ix >= 0x44100000) {
    // |x| ≥ 2^66
    if (x !== x) return x;
    return hx > 0 ? ATAN_HI[3] + ATAN_LO[3] : -ATAN_HI[3] - ATAN_LO[3];
  }
  if (ix < 0x3fdc0000) {
    // |x| < 0.4375
    if (ix < 0x3e400000) return x; // |x| < 2^-27
    id = -1;
  } else {
    x = Math.abs(x);
    if (ix < 0x3ff30000) {
      if (ix < 0x3fe60000) {
        id = 0;
        x = (2 * x - 1) / (2 + x);
      } else {
        id = 1;
        x = (x - 1) / (x + 1);
      }
    } else if (ix < 0x40038000) {
      id = 2;
      x = (x - 1.5) / (1 + 1.5 * x);
    } else {
      id = 3;
      x = -1 / x;
    }
  }
  const z = x * x;
  const w = z * z;
  const s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))));
  const s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))));
  if (id < 0) return x - x * (s1 + s2);
  const r = ATAN_HI[id] - ((x * (s1 + s2) - ATAN_LO[id]) - x);
  return hx < 0 ? -r : r;
}

const PI = 3.1415926535897931160;
const PI_LO = 1.2246467991473531772e-16;
const PI_O_2 = 1.5707963267948965580;
const PI_O_4 = 7.8539816339744827900e-1;

/** atan2(y, x), deterministic (fdlibm). */
export function atan2(y: number, x: number): number {
  if (x !== x || y !== y) return NaN;
  if (x === 1) return atan(y);
  const hx = high(x), hy = high(y);
  const ix = hx & 0x7fffffff, iy = hy & 0x7fffffff;
  const m = ((hy >>> 31) & 1) | ((hx >>> 30) & 2); // 2·sign(x) + sign(y)
  if (y === 0) {
    if (m <= 1) return y; // atan(±0, +anything) = ±0
    return m === 2 ? PI : -PI; // atan(+0, −anything) = π, atan(−0, −anything) = −π
  }
  if (x === 0) return hy < 0 ? -PI_O_2 : PI_O_2;
  if (ix === 0x7ff00000) {
    if (iy === 0x7ff00000) return [PI_O_4, -PI_O_4, 3 * PI_O_4, -3 * PI_O_4][m];
    return [0, -0, PI, -PI][m];
  }
  if (iy === 0x7ff00000) return hy < 0 ? -PI_O_2 : PI_O_2;
  const k = (iy - ix) >> 20;
  let z: number;
  if (k > 60) z = PI_O_2 + 0.5 * PI_LO; // |y/x| > 2^60
  else if (hx < 0 && k < -60) z = 0; // |y|/x < −2^-60
  else z = atan(Math.abs(y / x));
  if (m === 0) return z;
  if (m === 1) return -z;
  if (m === 2) return PI - (z - PI_LO);
  return (z - PI_LO) - PI;
}

const PIO2_HI_A = 1.57079632679489655800;
const PIO2_LO_A = 6.12323399573676603587e-17;
const PS0 = 1.66666666666666657415e-1;
const PS1 = -3.25565818622400915405e-1;
const PS2 = 2.01212532134862925881e-1;
const PS3 = -4.00555345006794114027e-2;
const PS4 = 7.91534994289814532176e-4;
const PS5 = 3.47933107596021167570e-5;
const QS1 = -2.40339491173441421878;
const QS2 = 2.02094576023350569471;
const QS3 = -6.88283971605453293030e-1;
const QS4 = 7.70381505559019352791e-2;

/** The rational approximation of (asin √z − √z)/√z… shared by acos's branches (fdlibm). */
function acosRatio(z: number): number {
  const p = z * (PS0 + z * (PS1 + z * (PS2 + z * (PS3 + z * (PS4 + z * PS5)))));
  const q = 1 + z * (QS1 + z * (QS2 + z * (QS3 + z * QS4)));
  return p / q;
}

/** acos x, deterministic (fdlibm). */
export function acos(x: number): number {
  const hx = high(x);
  const ix = hx & 0x7fffffff;
  if (ix >= 0x3ff00000) {
    if (((ix - 0x3ff00000) | low(x)) === 0) return hx > 0 ? 0 : PI + 2 * PIO2_LO_A; // |x| = 1
    return NaN;
  }
  if (ix < 0x3fe00000) {
    // |x| < 0.5
    if (ix <= 0x3c600000) return PIO2_HI_A + PIO2_LO_A; // |x| < 2^-57
    const r = acosRatio(x * x);
    return PIO2_HI_A - (x - (PIO2_LO_A - x * r));
  }
  if (hx < 0) {
    // x ≤ −0.5
    const z = (1 + x) * 0.5;
    const s = Math.sqrt(z);
    const w = acosRatio(z) * s - PIO2_LO_A;
    return PI - 2 * (s + w);
  }
  // x ≥ 0.5
  const z = (1 - x) * 0.5;
  const s = Math.sqrt(z);
  const df = withLowZero(s);
  const c = (z - df * df) / (s + df);
  const w = acosRatio(z) * s + c;
  return 2 * (df + w);
}

// ---- exp, log, pow ----

const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;

// fdlibm's tests on the high word of |x|, as thresholds on |x| (the same branches, no word access: exp is hot in simulation).
const HALF_LN2_UP = fromWords(0x3fd62e43, 0); // ix > 0x3fd62e42
const THREE_HALF_LN2 = fromWords(0x3ff0a2b2, 0); // ix < 0x3ff0a2b2
const TINY_EXP = fromWords(0x3e300000, 0); // 2^-28

/** e^x, deterministic (fdlibm). */
export function exp(x: number): number {
  // NaN fails every test below and comes out of the polynomial as NaN.
  if (x > 7.09782712893383973096e2) return Infinity;
  if (x < -7.45133219101941108420e2) return 0;
  const ax = x < 0 ? -x : x;
  let hi = 0, lo = 0, k = 0;
  if (ax >= HALF_LN2_UP) {
    // |x| > ln2/2: x = k·ln2 + r, |r| ≤ ln2/2
    if (ax < THREE_HALF_LN2) k = x < 0 ? -1 : 1;
    else k = (INV_LN2 * x + (x < 0 ? -0.5 : 0.5)) | 0; // C's (int) cast: |k| < 1100
    hi = x - k * LN2_HI;
    lo = k * LN2_LO;
    x = hi - lo;
  } else if (ax < TINY_EXP) {
    return 1 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2) - x);
  const y = 1 - ((lo - (x * c) / (2 - c)) - hi);
  return k >= -1022 && k <= 1023 ? y * POW2[k + 1022] : scalbn(y, k);
}

const LG1 = 6.666666666666735130e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

/** Natural logarithm, deterministic (fdlibm). */
export function log(x: number): number {
  let hx = high(x);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | low(x)) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= 18014398509481984; // 2^54
    hx = high(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  x = fromWords(hx | (i0 ^ 0x3ff00000), low(x)); // x or x/2 in [√2/2, √2)
  k += i0 >> 20;
  const f = x - 1;
  const dk = k;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - R : dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + R)) : dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  return k === 0 ? f - s * (f - R) : dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

/**
 * x^y, deterministic. Exact for y = 0, 1, 2, correctly rounded for y = 0.5 (√x,
 * as fdlibm's pow does), binary powering for other integers up to 64 (exact when
 * the result is representable); otherwise e^(y·ln x), within ~16 ulps.
 * Negative x (not used by indexing) follows Math.pow's rules for integer y.
 */
export function pow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x !== x || y !== y) return NaN;
  if (y === 1) return x;
  if (y === 2) return x * x;
  if (y === 0.5 && x >= 0 && x !== Infinity) return Math.sqrt(x) + 0; // + 0: √−0 is −0, pow(−0, 0.5) is +0
  if (x === 0) {
    const odd = Number.isInteger(y) && Math.abs(y) < 9007199254740992 && Math.abs(y % 2) === 1;
    if (y > 0) return odd ? x : 0;
    return odd && Object.is(x, -0) ? -Infinity : Infinity;
  }
  if (x < 0) {
    if (!Number.isInteger(y)) return NaN;
    const r = pow(-x, y);
    return Math.abs(y % 2) === 1 ? -r : r;
  }
  if (x === Infinity) return y > 0 ? Infinity : 0;
  if (x === 1) return 1;
  if (Number.isInteger(y) && Math.abs(y) <= 64) {
    // Binary powering: exact whenever the result is representable (2^10, 3^5…), as Math.pow is.
    let n = Math.abs(y), base = x, r = 1;
    while (n > 0) {
      if (n & 1) r *= base;
      base *= base;
      n >>= 1;
    }
    return y < 0 ? 1 / r : r;
  }
  return exp(y * log(x));
}
