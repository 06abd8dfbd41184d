import { describe, expect, it } from 'vitest';
import { calibrationFromRing, headerCalibration, reciprocalToMrad } from '../src/crystal/calibration.js';
import { electronWavelength } from '../src/crystal/lattice.js';

describe('reciprocal calibration', () => {
  it('inverts the pattern pixel size the SPED demo writes (SDP, camera length 200 mm, 200 kV)', () => {
    const perPixel = 0.0125;
    const cmPerPixel = perPixel * electronWavelength(200e3) * 0.2 * 100;
    const SDP = 100 / cmPerPixel; // unrounded, so the round trip is exact
    const c = headerCalibration({ SDP, Camera_length: 2000, Beam_energy: 200_000 })!;
    expect(c.perPixel).toBeCloseTo(perPixel, 12);
    expect(c.source).toBe('header');
    expect(c.how).toMatch(/estimated from the header/);
  });

  it('gives none when the header lacks what it needs', () => {
    expect(headerCalibration({ SDP: 0, Camera_length: 2000, Beam_energy: 200_000 })).toBeUndefined();
    expect(headerCalibration({ SDP: 100, Camera_length: 0, Beam_energy: 200_000 })).toBeUndefined();
    expect(headerCalibration({ SDP: 100, Camera_length: 2000, Beam_energy: 0 })).toBeUndefined();
  });

  it('measures on a ring: Cu 111 (d = 2.087 Å) at 40 px', () => {
    const c = calibrationFromRing(40, 2.087);
    expect(c.perPixel).toBeCloseTo(1 / 2.087 / 40, 12);
    expect(() => calibrationFromRing(0, 2)).toThrow(/radius/);
    expect(() => calibrationFromRing(10, -1)).toThrow(/d-spacing/);
  });

  it('converts Å⁻¹ to mrad: 1 Å⁻¹ at 200 kV is 25.08 mrad', () => {
    expect(reciprocalToMrad(1, 200e3)).toBeCloseTo(25.079, 2);
  });
});
