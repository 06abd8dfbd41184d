/** Four-index (Miller–Bravais) directions and planes for hexagonal cells, as the viewer writes zone axes and hkl. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { directionLabel, fourIndexDirection, fourIndexPlane, isHexagonalCell, planeLabel } from '../src/crystal/miller-bravais.js';
import { readCifPhase } from '../src/crystal/phase.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const phase = (name: string) => readCifPhase(readFileSync(join(REPO_ROOT, 'examples', name), 'utf8'), name);

describe('Miller–Bravais indices', () => {
  it('tells hexagonal cells from others', () => {
    expect(isHexagonalCell(phase('Ti-alpha.cif').cell)).toBe(true);
    expect(isHexagonalCell(phase('Cu.cif').cell)).toBe(false);
    expect(isHexagonalCell({ a: 3, b: 3, c: 5, alpha: 90, beta: 90, gamma: 90 })).toBe(false);
    expect(isHexagonalCell({ a: 3, b: 3.1, c: 5, alpha: 90, beta: 90, gamma: 120 })).toBe(false);
  });

  it('converts the textbook directions and planes', () => {
    // a1 = [100] is [2 -1 -1 0]; [110] is [1 1 -2 0]; c = [001] is [0001]; [1 -1 0] is [1 -1 0 0].
    expect(fourIndexDirection([1, 0, 0])).toEqual([2, -1, -1, 0]);
    expect(fourIndexDirection([1, 1, 0])).toEqual([1, 1, -2, 0]);
    expect(fourIndexDirection([0, 0, 1])).toEqual([0, 0, 0, 1]);
    expect(fourIndexDirection([1, -1, 0])).toEqual([1, -1, 0, 0]);
    expect(fourIndexDirection([2, 1, 3])).toEqual([1, 0, -1, 3]);
    expect(fourIndexPlane([1, 0, 0])).toEqual([1, 0, -1, 0]);
    expect(fourIndexPlane([0, 0, 2])).toEqual([0, 0, 0, 2]);
    expect(fourIndexPlane([1, 1, 0])).toEqual([1, 1, -2, 0]);
  });

  it('gives back the direction it came from (U − T, V − T, W), with U + V + T = 0', () => {
    const index = fc.integer({ min: -12, max: 12 });
    fc.assert(
      fc.property(fc.tuple(index, index, index).filter((v) => v.some((x) => x !== 0)), ([u, v, w]) => {
        const [U, V, T, W] = fourIndexDirection([u, v, w]);
        expect(U + V + T).toBe(0);
        const back = [U - T, V - T, W];
        // Parallel, same sense: back = s·(u, v, w) with s > 0.
        const s = Math.hypot(...back) / Math.hypot(u, v, w);
        expect(s).toBeGreaterThan(0);
        back.forEach((x, i) => expect(x).toBeCloseTo(s * [u, v, w][i], 9));
      }),
    );
  });

  it('writes labels: four indices for hexagonal cells, three otherwise', () => {
    const ti = phase('Ti-alpha.cif').cell;
    const cu = phase('Cu.cif').cell;
    expect(directionLabel([1, 0, 0], ti)).toBe('[2 -1 -1 0] ([1 0 0])');
    expect(directionLabel([1, 0, 0], cu)).toBe('[1 0 0]');
    expect(planeLabel([1, 0, 1], ti)).toBe('101\u03051');
    expect(planeLabel([-1, 1, 1], cu)).toBe('1\u030511');
  });
});
