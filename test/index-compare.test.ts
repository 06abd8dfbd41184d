/**
 * Comparing orientations by their kinematic patterns (patternSimilarity in
 * src/indexing/compare.ts): the bench's test of whether a miss is one no
 * indexer could avoid.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { multiply3 } from '../src/crystal/lattice.js';
import { eulerDegreesToMatrix } from '../src/crystal/orientation.js';
import { readCifPhase } from '../src/crystal/phase.js';
import { PatternSimulator } from '../src/crystal/simulate.js';
import { patternSimilarity } from '../src/indexing/compare.js';
import { turnAbout } from '../src/indexing/profile-fit.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const copper = readCifPhase(readFileSync(join(REPO_ROOT, 'examples', 'Cu.cif'), 'utf8'), 'Cu.cif');
const sims = [30, 40, 50].map((thickness) => new PatternSimulator(copper, { size: 144, pixelSize: 0.025, precession: 1, thickness }));
const g = eulerDegreesToMatrix(31.4, 54.2, 17.9);
const degrees = Math.PI / 180;

describe('pattern similarity', () => {
  it('is 1 for the same orientation, its half turn about the beam, and a symmetry-equivalent one', () => {
    expect(patternSimilarity(sims, g, g, 1.8)).toBeCloseTo(1, 12);
    expect(patternSimilarity(sims, g, turnAbout(g, 2, Math.PI), 1.8)).toBeCloseTo(1, 12);
    // A crystal rotation S of the Laue group: S·G shows the same pattern.
    const s = copper.laueRotations.find((r) => Math.abs(r[0] - 1) > 1e-9)!;
    expect(patternSimilarity(sims, g, multiply3(s, g), 1.8)).toBeCloseTo(1, 9);
  });

  it('falls as the orientations part, and is lowest at the thickness where they differ most', () => {
    const near = patternSimilarity(sims, g, turnAbout(g, 0, 0.5 * degrees), 1.8);
    const far = patternSimilarity(sims, g, turnAbout(turnAbout(g, 0, 10 * degrees), 1, 5 * degrees), 1.8);
    expect(near).toBeLessThan(1);
    expect(near).toBeGreaterThan(far);
    expect(far).toBeLessThan(0.5);
    const each = sims.map((sim) => patternSimilarity([sim], g, turnAbout(g, 0, 0.5 * degrees), 1.8));
    expect(near).toBe(Math.min(...each));
  });

  it('refuses a spot width that is not positive', () => {
    expect(() => patternSimilarity(sims, g, g, 0)).toThrow(/sigma must be positive/);
  });
});
