/**
 * src/crystal/exact-math.ts: the deterministic sin, cos, tan, atan, atan2,
 * acos, exp, log and pow that indexing uses so that Node and browsers give
 * the same bits. Known values exactly, the special cases as Math's, and
 * within 1 ulp of Node's Math over a sample of arguments (pow: a few ulps).
 */
import { describe, expect, it } from 'vitest';
import { acos, atan, atan2, cos, exp, log, pow, sin, tan } from '../src/crystal/exact-math.js';

/** Distance in units in the last place between two doubles of the same sign. */
function ulps(a: number, b: number): number {
  if (Object.is(a, b)) return 0;
  const bits = new BigInt64Array(new Float64Array([a, b]).buffer);
  return Math.abs(Number(bits[0] - bits[1]));
}

/** A fixed sequence of uniform numbers in [0, 1) (the sample is the same every run). */
function uniform(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

/** The largest ulp distance from Math's over `n` arguments drawn by `arg`. */
function worst(f: (x: number) => number, g: (x: number) => number, arg: () => number, n = 20000): number {
  let most = 0;
  for (let i = 0; i < n; i++) {
    const x = arg();
    most = Math.max(most, ulps(f(x), g(x)));
  }
  return most;
}

describe('exact-math', () => {
  it('gives the known values', () => {
    expect(sin(0)).toBe(0);
    expect(Object.is(sin(-0), -0)).toBe(true);
    expect(cos(0)).toBe(1);
    expect(sin(Math.PI / 6)).toBe(0.49999999999999994); // π/6 rounded is below the true π/6
    expect(cos(Math.PI)).toBe(-1);
    expect(sin(Math.PI)).toBe(1.2246467991473532e-16); // π − (π rounded)
    expect(sin(1e22)).toBe(-0.8522008497671888); // a huge argument: reduced modulo π/2 exactly
    expect(cos(1e22)).toBe(0.523214785395139);
    expect(tan(Math.PI / 4)).toBe(0.9999999999999999);
    expect(atan(1)).toBe(Math.PI / 4);
    expect(atan(Infinity)).toBe(Math.PI / 2);
    expect(atan2(1, 1)).toBe(Math.PI / 4);
    expect(atan2(0, -1)).toBe(Math.PI);
    expect(atan2(-0, -1)).toBe(-Math.PI);
    expect(atan2(1, 0)).toBe(Math.PI / 2);
    expect(atan2(-Infinity, Infinity)).toBe(-Math.PI / 4);
    expect(acos(-1)).toBe(Math.PI);
    expect(acos(0)).toBe(Math.PI / 2);
    expect(acos(1)).toBe(0);
    expect(acos(0.5)).toBe(1.0471975511965979);
    expect(exp(0)).toBe(1);
    expect(exp(1)).toBe(2.7182818284590455); // fdlibm's e^1, 1 ulp above Math.E
    expect(exp(-745)).toBe(5e-324);
    expect(exp(710)).toBe(Infinity);
    expect(log(1)).toBe(0);
    expect(log(Math.E)).toBe(1);
    expect(log(8)).toBe(2.0794415416798357);
    expect(log(5e-324)).toBe(-744.4400719213812);
    expect(log(0)).toBe(-Infinity);
    expect(pow(9, 0.5)).toBe(3);
    expect(pow(2, 10)).toBe(1024);
    expect(pow(7.5, 2)).toBe(56.25);
    expect(pow(5, 1)).toBe(5);
    expect(pow(-2, 3)).toBe(-8);
    expect(Object.is(pow(-0, 0.5), 0)).toBe(true);
  });

  it('has Math’s special cases', () => {
    for (const f of [sin, cos, tan, atan, acos, exp, log]) {
      for (const x of [NaN, Infinity, -Infinity, 0, -0, 2, -2]) expect(f(x), `${f.name}(${x})`).toBe(Math[f.name as 'sin'](x));
    }
    for (const y of [0, -0, 1, -1, Infinity, -Infinity, NaN]) {
      for (const x of [0, -0, 1, -1, Infinity, -Infinity, NaN]) expect(atan2(y, x), `atan2(${y}, ${x})`).toBe(Math.atan2(y, x));
    }
    for (const [x, y] of [[0, 2], [0, -1], [-0, 3], [-0, -3], [Infinity, 0.5], [Infinity, -2], [2, NaN], [NaN, 0], [-8, 1 / 3], [1, 1e300]]) {
      expect(pow(x, y), `pow(${x}, ${y})`).toBe(Math.pow(x, y));
    }
  });

  it('is within 1 ulp of Math over a sample (pow within 16)', () => {
    const r = uniform(17);
    expect(worst(sin, Math.sin, () => (r() - 0.5) * 2000)).toBeLessThanOrEqual(1);
    expect(worst(cos, Math.cos, () => (r() - 0.5) * 2000)).toBeLessThanOrEqual(1);
    expect(worst(sin, Math.sin, () => (r() - 0.5) * 1e15)).toBeLessThanOrEqual(1);
    expect(worst(cos, Math.cos, () => (r() - 0.5) * 1e300)).toBeLessThanOrEqual(1);
    expect(worst(sin, Math.sin, () => (r() - 0.5) * 1e-6)).toBeLessThanOrEqual(1);
    expect(worst(atan, Math.atan, () => Math.tan((r() - 0.5) * Math.PI))).toBeLessThanOrEqual(1);
    expect(worst(acos, Math.acos, () => (r() - 0.5) * 2)).toBeLessThanOrEqual(1);
    expect(worst(exp, Math.exp, () => (r() - 0.5) * 1400)).toBeLessThanOrEqual(1);
    expect(worst(exp, Math.exp, () => (r() - 0.5) * 2)).toBeLessThanOrEqual(1);
    expect(worst(log, Math.log, () => Math.exp((r() - 0.5) * 1400))).toBeLessThanOrEqual(1);
    expect(worst(log, Math.log, () => 0.5 + r())).toBeLessThanOrEqual(1);
    const points = Array.from({ length: 20000 }, () => [(r() - 0.5) * 6, (r() - 0.5) * 6] as const);
    expect(Math.max(...points.map(([y, x]) => ulps(atan2(y, x), Math.atan2(y, x))))).toBeLessThanOrEqual(1);
    const pairs = Array.from({ length: 20000 }, () => [r() * 1000, r() * 2] as const);
    expect(Math.max(...pairs.map(([x, y]) => ulps(pow(x, y), Math.pow(x, y))))).toBeLessThanOrEqual(16);
  });
});
