/** Centre-of-mass fields on synthetic maps with known answers. */
import { describe, expect, it } from 'vitest';
import { colourWheel, colourWheelKey, comFields, comReference, curlFreeRotation, divergenceAndCurl, toScanAxes } from '../src/analysis/com-fields.js';

const ROWS = 9;
const COLS = 12;

/** A centre-of-mass map (pattern pixels about (40, 30)) whose shift at scan position (x, y) is f(x, y). */
function map(f: (x: number, y: number) => [number, number], rows = ROWS, cols = COLS) {
  const x = new Float64Array(rows * cols);
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [u, v] = f(c, r);
      x[r * cols + c] = 40 + u;
      y[r * cols + c] = 30 + v;
    }
  }
  return { x, y };
}

const everywhere = (values: Float64Array, expected: number, digits = 12) => values.forEach((v) => expect(v).toBeCloseTo(expected, digits));

describe('divergence and curl', () => {
  it('a rotation field has no divergence and a constant curl of 2, edges included', () => {
    const f = comFields(map((x, y) => [-(y - 4), x - 5.5]), ROWS, COLS, { reference: { x: 40, y: 30 } });
    everywhere(f.divergence, 0);
    everywhere(f.curl, 2);
  });

  it('a radial field has no curl and a divergence of 2', () => {
    const f = comFields(map((x, y) => [0.5 * (x - 5.5), 0.5 * (y - 4)]), ROWS, COLS);
    everywhere(f.curl, 0);
    everywhere(f.divergence, 1);
  });

  it('are per unit of the scan step, rows and columns apart', () => {
    // u = −row, v = column: ∂v/∂x = 1 / 0.5 nm, ∂u/∂y = −1 / 2 nm.
    const f = comFields(map((x, y) => [-y, x]), ROWS, COLS, { step: [2, 0.5] });
    everywhere(f.curl, 2.5);
    everywhere(f.divergence, 0);
  });

  it('use central differences inside and one-sided ones on the edges', () => {
    // u = x²: central differences give 2x inside, the edges (x² − (x−1)²) and (1 − 0).
    const u = Float64Array.from({ length: 5 }, (_, i) => i * i);
    const { divergence } = divergenceAndCurl(u, new Float64Array(5), 1, 5);
    expect([...divergence]).toEqual([1, 2, 4, 6, 7]);
  });

  it('are NaN next to a frame without intensity, finite elsewhere; 0 along an axis of one position', () => {
    const com = map((x, y) => [x, y]);
    const at = 4 * COLS + 6;
    com.x[at] = NaN;
    com.y[at] = NaN;
    const f = comFields(com, ROWS, COLS);
    for (const i of [at - 1, at + 1, at - COLS, at + COLS]) expect(f.divergence[i]).toBeNaN();
    expect(f.divergence[0]).toBeCloseTo(2, 12);
    expect(f.reference).toEqual(comReference(com.x, com.y));
    const line = divergenceAndCurl([0, 1, 2], [5, 5, 5], 1, 3);
    expect([...line.divergence]).toEqual([1, 1, 1]);
    expect([...line.curl]).toEqual([0, 0, 0]);
  });

  it('refuse maps that are not the scan size', () => {
    expect(() => divergenceAndCurl([1, 2, 3], [1, 2, 3], 2, 2)).toThrow(/3 values do not make a 2 × 2 scan/);
    expect(() => comFields(map(() => [0, 0]), ROWS, COLS, { step: [0, 1] })).toThrow(/step must be positive/);
  });
});

describe('rotation and flip', () => {
  const u = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i));
  const v = Float64Array.from({ length: 50 }, (_, i) => Math.cos(3 * i));

  it('rotating by θ then −θ gives the vectors back; flipping twice too', () => {
    for (const theta of [0, 17.5, 90, -123, 400]) {
      const there = toScanAxes(u, v, theta);
      const back = toScanAxes(there.x, there.y, -theta);
      back.x.forEach((value, i) => expect(value).toBeCloseTo(u[i], 12));
      back.y.forEach((value, i) => expect(value).toBeCloseTo(v[i], 12));
    }
    const flipped = toScanAxes(u, v, 0, true);
    expect([...flipped.y]).toEqual([...v].map((x) => -x));
    const twice = toScanAxes(flipped.x, flipped.y, 0, true);
    expect([...twice.y]).toEqual([...v]);
  });

  it('turns +x towards +y (clockwise on screen) for θ > 0; flip mirrors y before turning', () => {
    const r = toScanAxes([1, 0], [0, 1], 90);
    expect([r.x[0], r.y[0]].map((n) => Math.round(n * 1e12) / 1e12)).toEqual([0, 1]);
    expect([r.x[1], r.y[1]].map((n) => Math.round(n * 1e12) / 1e12)).toEqual([-1, 0]);
    const f = toScanAxes([0], [1], 90, true);
    expect([f.x[0], f.y[0]].map((n) => Math.round(n * 1e12) / 1e12 + 0)).toEqual([1, 0]);
  });

  it('keeps the magnitude; turns the direction by θ; turns curl into divergence; a flip mirrors the vectors', () => {
    const com = map((x, y) => [-(y - 4), x - 5.5]);
    const plain = comFields(com, ROWS, COLS);
    const turned = comFields(com, ROWS, COLS, { rotation: 30 });
    turned.magnitude.forEach((m, i) => expect(m).toBeCloseTo(plain.magnitude[i], 12));
    const i = 2 * COLS + 9; // shift (2, 3.5)
    expect(plain.direction[i]).toBeCloseTo((Math.atan2(3.5, 2) * 180) / Math.PI, 10);
    expect(turned.direction[i]).toBeCloseTo(plain.direction[i] + 30, 10);
    // Turning the vectors (not the positions) by θ: curl 2 cos θ, divergence −2 sin θ.
    everywhere(turned.curl, 2 * Math.cos(Math.PI / 6));
    everywhere(turned.divergence, -2 * Math.sin(Math.PI / 6));
    // Mirroring the vectors turns a rotation field into a saddle and a saddle (y, x) into a rotation field.
    everywhere(comFields(com, ROWS, COLS, { flip: true }).curl, 0);
    const saddle = map((x, y) => [y - 4, x - 5.5]);
    everywhere(comFields(saddle, ROWS, COLS).curl, 0);
    everywhere(comFields(saddle, ROWS, COLS, { flip: true }).curl, -2);
    expect(comFields(map(() => [-1, -0]), ROWS, COLS, { reference: { x: 40, y: 30 } }).direction[0]).toBe(180);
  });
});

describe('the rotation that makes the field curl-free', () => {
  /** The gradient of a few Gaussian bumps (curl-free), seen in pattern axes turned by −θ₀ (and mirrored). */
  function tilted(theta0: number, flip: boolean) {
    const bumps = [
      [10, 8, 5, 1],
      [28, 20, 7, -0.6],
      [18, 30, 4, 0.8],
    ];
    const rows = 40;
    const cols = 36;
    const gx = new Float64Array(rows * cols);
    const gy = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        for (const [bx, by, s, a] of bumps) {
          const g = a * Math.exp(-((c - bx) ** 2 + (r - by) ** 2) / (2 * s * s));
          gx[r * cols + c] += (-(c - bx) / (s * s)) * g * 5;
          gy[r * cols + c] += (-(r - by) / (s * s)) * g * 5;
        }
      }
    }
    // Scan = R(θ₀)·F·pattern, so pattern = F·R(−θ₀)·scan.
    const back = toScanAxes(gx, gy, -theta0);
    const pattern = flip ? toScanAxes(back.x, back.y, 0, true) : back;
    return { com: { x: pattern.x.map((v) => v + 64), y: pattern.y.map((v) => v + 60) }, rows, cols };
  }

  for (const [theta0, flip] of [
    [0, false],
    [37, false],
    [-70, false],
    [123.4, true],
  ] as [number, boolean][]) {
    it(`finds ${theta0}° (mod 180°)${flip ? ' with the flip' : ''}`, () => {
      const { com, rows, cols } = tilted(theta0, flip);
      const found = curlFreeRotation(com, rows, cols, { flip });
      const expected = ((theta0 % 180) + 180) % 180;
      const error = Math.abs(((found.rotation - expected + 90) % 180 + 180) % 180 - 90);
      expect(error).toBeLessThan(0.5);
      expect(found.rmsCurl).toBeLessThan(found.rmsCurlWorst / 20);
      // The wrong flip leaves curl at every rotation.
      const wrong = curlFreeRotation(com, rows, cols, { flip: !flip });
      expect(wrong.rmsCurl).toBeGreaterThan(found.rmsCurl * 5);
      // Applying the rotation found leaves (almost) no curl; the other half-turn reverses the divergence.
      const applied = comFields(com, rows, cols, { rotation: found.rotation, flip });
      const rms = Math.sqrt(applied.curl.reduce((s, v) => s + v * v, 0) / applied.curl.length);
      expect(rms).toBeCloseTo(found.rmsCurl, 10);
      const mean = applied.divergence.reduce((s, v) => s + v, 0) / applied.divergence.length;
      expect(mean).toBeCloseTo(found.meanDivergence, 10);
    });
  }
});

describe('colour wheel', () => {
  it('colours direction by hue and magnitude by brightness; NaN transparent', () => {
    const { rgba, max } = colourWheel([2, 0, 1, NaN, 0], [0, 2, 0, 0, 0], 2);
    expect(max).toBe(2);
    expect([...rgba.subarray(0, 4)]).toEqual([255, 0, 0, 255]); // +x: red
    expect([...rgba.subarray(4, 8)]).toEqual([128, 255, 0, 255]); // +y: hue 90°
    expect([...rgba.subarray(8, 12)]).toEqual([128, 0, 0, 255]); // half the length: half as bright
    expect(rgba[15]).toBe(0);
    expect([...rgba.subarray(16, 20)]).toEqual([0, 0, 0, 255]);
    expect(colourWheel([1, 3], [0, 0]).max).toBeCloseTo(2.99, 10); // the 99.5th percentile by default
  });

  it('has a disc key: black at the centre, red to the right, hue 90° below, transparent in the corners', () => {
    const size = 65;
    const key = colourWheelKey(size);
    const px = (x: number, y: number) => [...key.subarray((y * size + x) * 4, (y * size + x) * 4 + 4)];
    expect(px(32, 32)).toEqual([0, 0, 0, 255]);
    expect(px(64, 32).slice(1)).toEqual([0, 0, 255]);
    expect(px(64, 32)[0]).toBeGreaterThan(240);
    expect(px(32, 64)[1]).toBeGreaterThan(240);
    expect(px(32, 64)[2]).toBe(0);
    expect(px(0, 0)[3]).toBe(0);
  });
});
