/** The pure parts of calibrated reciprocal space: units, the link key, ring refinement, detector numbers, CLI lengths. */
import { describe, expect, it } from 'vitest';
import { refineRingRadius, reciprocalToMrad, type ReciprocalCalibration } from '../src/crystal/calibration.js';
import { lengthList } from '../src/cli/numbers.js';
import { describeCalibration, formatDistance } from '../viewer/src/calibration.js';
import { lengthFromPixels, lengthToPixels } from '../viewer/src/detector-inputs.js';
import { formatHash, parseHash } from '../viewer/src/hash.js';
import { moveShape, shapeFields, withField } from '../viewer/src/shapes.js';

const measured: ReciprocalCalibration = { perPixel: 0.025, source: 'measured', how: 'measured on a ring' };

describe('units shown', () => {
  it('pixels while uncalibrated, Å⁻¹ (and mrad with a beam energy) once calibrated', () => {
    expect(formatDistance(12, undefined)).toBe('12 px');
    expect(formatDistance(10, measured)).toBe('0.25 Å⁻¹');
    expect(formatDistance(10, measured, 200_000)).toBe(`0.25 Å⁻¹ (${Number(reciprocalToMrad(0.25, 200_000).toPrecision(4))} mrad)`);
    expect(formatDistance(10, measured, 0)).toBe('0.25 Å⁻¹');
  });

  it('names the source, so an estimate reads as one', () => {
    expect(describeCalibration(undefined)).toBe('uncalibrated: pattern distances in pixels');
    expect(describeCalibration(measured)).toBe('0.025 Å⁻¹ per pixel, measured on a ring');
    expect(describeCalibration({ perPixel: 0.0250123, source: 'header', how: 'estimated from the header: SDP 7975 …' })).toBe('0.02501 Å⁻¹ per pixel, estimate from header: SDP 7975 …');
    expect(describeCalibration({ perPixel: 0.02, source: 'typed', how: 'typed in by the user' })).toBe('0.02 Å⁻¹ per pixel, typed in');
    expect(describeCalibration({ perPixel: 0.02, source: 'link', how: 'cal=0.02 in the link' })).toBe('0.02 Å⁻¹ per pixel, from the link');
  });
});

describe('cal= in the link', () => {
  it('reads and writes Å⁻¹ per pixel; refuses what is not a positive number', () => {
    expect(parseHash('#cal=0.025&pos=1,2')).toEqual({ state: { cal: 0.025, pos: { x: 1, y: 2 } }, ignored: [] });
    expect(parseHash('#cal=1.5e-2').state.cal).toBe(0.015);
    for (const bad of ['cal=0', 'cal=-0.02', 'cal=abc', 'cal=', 'cal=Infinity']) expect(parseHash(`#${bad}`)).toEqual({ state: {}, ignored: [bad] });
    expect(formatHash({ cal: 0.0123 })).toBe('#cal=0.0123');
    expect(parseHash(formatHash({ cal: 1 / 41.7 })).state.cal).toBe(1 / 41.7);
  });
});

describe('ring refinement', () => {
  /** A ring of radius `r` (Gaussian, σ 1 px) on a sloping background, about (cx, cy). */
  function ring(n: number, cx: number, cy: number, r: number): Float64Array {
    const p = new Float64Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const d = Math.hypot(x - cx, y - cy);
        p[y * n + x] = 1000 / (1 + d / 5) + 60 * Math.exp(-((d - r) ** 2) / 2);
      }
    }
    return p;
  }

  it('finds the ring a circle drawn a pixel or two off was meant for', () => {
    const p = ring(128, 63.2, 64.1, 30.3);
    // Within 0.15 px (0.5 %) on the sloping background, from a circle drawn up to 1.8 px off.
    for (const drawn of [28.5, 29.5, 30, 31, 32]) expect(Math.abs(refineRingRadius(p, 128, 128, 63.2, 64.1, drawn)! - 30.3), `drawn ${drawn}`).toBeLessThan(0.15);
  });

  it('finds nothing where there is no ring', () => {
    const p = ring(128, 63.5, 63.5, 50);
    expect(refineRingRadius(p, 128, 128, 63.5, 63.5, 20)).toBeUndefined();
  });
});

describe('detector numbers', () => {
  it('moves by whole steps and stays on the pattern', () => {
    expect(moveShape({ kind: 'disk', cx: 10, cy: 10, r: 4 }, 1, -10, 64, 64)).toEqual({ kind: 'disk', cx: 11, cy: 0, r: 4 });
    expect(moveShape({ kind: 'disk', cx: 60, cy: 10, r: 4 }, 10, 0, 64, 64)).toEqual({ kind: 'disk', cx: 63.5, cy: 10, r: 4 });
    expect(moveShape({ kind: 'rect', x0: 50, y0: 0, x1: 60, y1: 5 }, 10, -1, 64, 64)).toEqual({ kind: 'rect', x0: 54, y0: 0, x1: 64, y1: 5 });
    expect(moveShape({ kind: 'point', x: 0, y: 3 }, -1, 1, 64, 64)).toEqual({ kind: 'point', x: 0, y: 4 });
  });

  it('typed numbers: radii are lengths, positions pixels; impossible shapes are refused, saying why', () => {
    expect(shapeFields({ kind: 'annulus', cx: 1, cy: 2, r1: 3, r2: 4 }).map((f) => [f.key, f.value, f.length])).toEqual([
      ['cx', 1, false],
      ['cy', 2, false],
      ['r1', 3, true],
      ['r2', 4, true],
    ]);
    expect(withField({ kind: 'disk', cx: 1, cy: 2, r: 3 }, 'r', 8)).toEqual({ kind: 'disk', cx: 1, cy: 2, r: 8 });
    expect(withField({ kind: 'disk', cx: 1, cy: 2, r: 3 }, 'r', -1)).toBe('the radius must be ≥ 0');
    expect(withField({ kind: 'annulus', cx: 1, cy: 2, r1: 3, r2: 4 }, 'r1', 5)).toBe('the annulus needs 0 ≤ r1 ≤ r2');
    expect(withField({ kind: 'rect', x0: 0, y0: 0, x1: 4, y1: 4 }, 'x1', 0)).toMatch(/x0 < x1/);
    expect(withField({ kind: 'point', x: 0, y: 0 }, 'x', 1.5)).toMatch(/whole pixel/);
    expect(withField({ kind: 'disk', cx: 1, cy: 2, r: 3 }, 'r', NaN)).toBe('not a number');
  });

  it('Å⁻¹ typed back to pixels without float noise', () => {
    expect(lengthToPixels(0.2, measured)).toBe(8);
    expect(lengthToPixels(7, undefined)).toBe(7);
    expect(lengthFromPixels(8, measured)).toBe(0.2);
    expect(lengthFromPixels(1 / 3, measured)).toBe(0.008333);
  });
});

describe('CLI lengths', () => {
  it('reads suffixes on the lengths only', () => {
    expect(lengthList('--disk', '1,2,0.5A-1', { count: 3, form: 'CX,CY,R', lengths: [2] })).toEqual([
      { value: 1, unit: 'px' },
      { value: 2, unit: 'px' },
      { value: 0.5, unit: 'A-1' },
    ]);
    for (const text of ['0.5Å-1', '0.5Å⁻¹', '0.5 1/A']) expect(lengthList('--bin', text, { lengths: [0] })[0]).toEqual({ value: 0.5, unit: 'A-1' });
    expect(lengthList('--bin', '6mrad', { lengths: [0] })[0]).toEqual({ value: 6, unit: 'mrad' });
    expect(lengthList('--bin', '6px', { lengths: [0] })[0]).toEqual({ value: 6, unit: 'px' });
    expect(() => lengthList('--disk', '1mrad,2,3', { count: 3, form: 'CX,CY,R', lengths: [2] })).toThrow(/only the radii of CX,CY,R take A-1 or mrad/);
    expect(() => lengthList('--disk', '1,2', { count: 3, form: 'CX,CY,R', lengths: [2] })).toThrow('--disk must be CX,CY,R: 3 numbers separated by commas, got "1,2"');
  });
});
