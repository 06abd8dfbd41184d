/** The synthetic SPED generator: deterministic, in range, and grains visible in virtual dark field. */
import { describe, expect, it } from 'vitest';
import { createSyntheticDataset } from '../src/demo/synthetic.js';

function render(ds: ReturnType<typeof createSyntheticDataset>, index: number) {
  const px = ds.options.dpSize ** 2;
  const out = ds.options.bits === 16 ? new Uint16Array(px) : new Uint8Array(px);
  ds.renderFrame(index, out);
  return out;
}

describe('createSyntheticDataset', () => {
  it('is deterministic from the seed and independent of render order', () => {
    const a = createSyntheticDataset({ nx: 8, ny: 6, dpSize: 32, bits: 8, seed: 5 });
    const b = createSyntheticDataset({ nx: 8, ny: 6, dpSize: 32, bits: 8, seed: 5 });
    const c = createSyntheticDataset({ nx: 8, ny: 6, dpSize: 32, bits: 8, seed: 6 });
    const last = render(a, 47);
    expect(render(b, 3)).toEqual(render(a, 3));
    expect(render(b, 47)).toEqual(last);
    expect(render(c, 3)).not.toEqual(render(a, 3));
  });

  it('puts the direct beam at the centre and uses the 16-bit range', () => {
    const ds = createSyntheticDataset({ nx: 4, ny: 4, dpSize: 64, bits: 16, seed: 1 });
    const f = render(ds, 0);
    let max = 0;
    for (const v of f) max = Math.max(max, v);
    expect(f[31 * 64 + 31]).toBeGreaterThan(0.8 * max);
    expect(max).toBeGreaterThan(20000);
  });

  it('has the requested grains, and a virtual dark field shows them', () => {
    const ds = createSyntheticDataset({ nx: 24, ny: 24, dpSize: 64, bits: 8, seed: 2, grains: 4 });
    expect(new Set(ds.grainMap).size).toBe(4);
    const grainA = ds.grainMap[0];
    const grainB = ds.grainMap.find((g) => g !== grainA)!;
    // A disk of radius 1.5 at grain A's innermost (brightest) spot that grain B lacks.
    const a = ds.spots[grainA];
    const b = ds.spots[grainB];
    let sx = 0;
    let sy = 0;
    let best = Infinity;
    for (let s = 0; s < a.length; s += 2) {
      let nearB = Infinity;
      for (let t = 0; t < b.length; t += 2) nearB = Math.min(nearB, Math.hypot(a[s] - b[t], a[s + 1] - b[t + 1]));
      const r = Math.hypot(a[s] - 31.5, a[s + 1] - 31.5);
      if (nearB > 3 && r < best) [best, sx, sy] = [r, a[s], a[s + 1]];
    }
    const vdf = (index: number) => {
      const f = render(ds, index);
      let sum = 0;
      for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) if ((j - sx) ** 2 + (i - sy) ** 2 <= 2.25) sum += f[i * 64 + j];
      return sum;
    };
    const mean = (g: number) => {
      const idx = [...ds.grainMap.keys()].filter((i) => ds.grainMap[i] === g).slice(0, 20);
      return idx.reduce((s, i) => s + vdf(i), 0) / idx.length;
    };
    expect(mean(grainA)).toBeGreaterThan(1.5 * mean(grainB));
  });

  it('refuses bad options, naming them', () => {
    expect(() => createSyntheticDataset({ nx: 0, ny: 1, dpSize: 8, bits: 8, seed: 1 })).toThrow(/nx must be an integer/);
    expect(() => createSyntheticDataset({ nx: 1, ny: 1, dpSize: 8, bits: 12 as 8, seed: 1 })).toThrow(/bits must be 8 or 16/);
  });
});
