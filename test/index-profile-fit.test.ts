/**
 * The spot-profile fit that decides near-tied solutions (src/indexing/profile-fit.ts):
 * it finds the orientation a noisy simulated pattern was made at, from a start
 * tilted off it (also through a coarse screening grid), and leaves saturated
 * pixels out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eulerDegreesToMatrix } from '../src/crystal/orientation.js';
import { readCifPhase } from '../src/crystal/phase.js';
import { PatternSimulator, renderPattern } from '../src/crystal/simulate.js';
import type { Mat3 } from '../src/crystal/lattice.js';
import { buildLibrary } from '../src/indexing/library.js';
import { ProfileFitter, turnAbout } from '../src/indexing/profile-fit.js';
import { matrixToQuaternion, misorientation } from '../src/indexing/quaternion.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const copper = readCifPhase(readFileSync(join(REPO_ROOT, 'examples', 'Cu.cif'), 'utf8'), 'Cu.cif');
const size = 128;
const pixelSize = 0.028;
const center: [number, number] = [63.6, 64.2];
const degrees = Math.PI / 180;
const library = buildLibrary([copper], { pixelSize, radius: 86, innerRadius: 8, resolution: 1.5, precession: 1, thickness: 40 });
const truth = eulerDegreesToMatrix(31.4, 54.2, 17.9);

function render(thickness: number): Float64Array {
  const sim = new PatternSimulator(copper, { size, pixelSize, center, precession: 1, thickness });
  return renderPattern(sim.simulate(truth), size, center, { spotSigma: 1.6, background: 2, counts: 300, seed: 5 });
}

const angle = (a: Mat3, b: Mat3) => misorientation(matrixToQuaternion(a), matrixToQuaternion(b), library.phases[0].symmetry);

describe('profile fit', () => {
  it.each([30, 45, 60])('finds the orientation of a pattern %i nm thick from a start tilted 0.6° off it', (thickness) => {
    const fitter = new ProfileFitter(library, size);
    fitter.setPattern(render(thickness), center[0], center[1], new Float64Array(100).fill(2), 0);
    const start = turnAbout(turnAbout(turnAbout(truth, 0, 0.45 * degrees), 1, -0.35 * degrees), 2, 0.15 * degrees);
    expect(angle(start, truth)).toBeGreaterThan(0.5);
    const fit = fitter.fit(0, start);
    expect(angle(fit.g, truth)).toBeLessThan(0.15);
    // A solution 3° away, fitted the same way, scores lower.
    const other = fitter.fit(0, turnAbout(turnAbout(truth, 0, 2.2 * degrees), 1, 2 * degrees));
    expect(other.score).toBeLessThan(fit.score);
  });

  it('a coarse screening grid, then the fine one from where it ended, also finds it (as the matcher screens extra solutions)', () => {
    const fitter = new ProfileFitter(library, size);
    fitter.setPattern(render(45), center[0], center[1], new Float64Array(100).fill(2), 0);
    const start = turnAbout(turnAbout(truth, 0, 0.45 * degrees), 1, -0.35 * degrees);
    const screened = fitter.fit(0, start, [[1, 0.2]]);
    const fine = fitter.fit(0, screened.g, [[0.25, 0.025]]);
    expect(angle(fine.g, truth)).toBeLessThan(0.15);
    expect(fine.score).toBeGreaterThanOrEqual(screened.score);
  });

  it('leaves pixels at or above the saturation value out', () => {
    const image = render(40);
    const saturation = [...image].sort((a, b) => a - b)[Math.floor(0.998 * image.length)];
    const clipped = image.map((v) => Math.min(v, saturation));
    const wild = image.map((v) => (v >= saturation ? v * 7 : v));
    expect(clipped).not.toEqual(wild);
    const start = turnAbout(truth, 0, 0.3 * degrees);
    const fits = [clipped, wild].map((frame) => {
      const fitter = new ProfileFitter(library, size, { saturation });
      fitter.setPattern(frame, center[0], center[1], new Float64Array(100).fill(2), 0);
      return fitter.fit(0, start);
    });
    expect(fits[1]).toEqual(fits[0]);
  });

  it('refuses a non-positive spot width or thickness', () => {
    expect(() => new ProfileFitter(library, size, { spotSigma: 0 })).toThrow(/spotSigma must be positive/);
    expect(() => new ProfileFitter(library, size, { thicknesses: [30, -1] })).toThrow(/thicknesses must be positive/);
    expect(() => new ProfileFitter(library, size).fit(0, truth, [[1, 0]])).toThrow(/a tilt stage needs/);
  });
});
