/**
 * A synthetic SPED dataset: a polycrystal of a few grains, each with its own
 * rotated spot pattern (direct beam and Bragg spots whose intensity falls off
 * with angle), a diffuse background and noise. Deterministic from the seed,
 * and any frame can be rendered on its own, in any order. Pure: no I/O.
 */
import { seededRandom } from './random.js';

export interface SyntheticOptions {
  nx: number;
  ny: number;
  dpSize: number;
  bits: 8 | 16;
  seed: number;
  /** Number of grains; default 3 to 6, from the seed. */
  grains?: number;
}

export interface SyntheticDataset {
  readonly options: Required<SyntheticOptions>;
  /** Grain index of each scan position, row-major NY × NX. */
  readonly grainMap: Uint8Array;
  /** Spot positions (x, y pixel coordinates, interleaved) of each grain. */
  readonly spots: readonly Float64Array[];
  /** Fills `out` (DP² values, Uint8Array for 8 bits, Uint16Array for 16) with frame `index` (row-major scan order). */
  renderFrame(index: number, out: Uint8Array | Uint16Array): void;
  readonly scanStepNm: number;
  readonly patternCmPerPixel: number;
  readonly note: string;
}


function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

const NOISE_TABLE_SIZE = 1 << 16;

export function createSyntheticDataset(options: SyntheticOptions): SyntheticDataset {
  const { nx, ny, dpSize: dp, bits, seed } = options;
  checkInt('nx', nx, 1, 0xffff);
  checkInt('ny', ny, 1, 0xffff);
  checkInt('dpSize', dp, 1, 0xffff);
  checkInt('seed', seed, 0, 0xffffffff);
  if (bits !== 8 && bits !== 16) throw new RangeError(`bits must be 8 or 16, got ${bits}`);
  const random = seededRandom(seed ^ 0x9e3779b9);
  const grains = options.grains ?? 3 + Math.floor(random() * 4);
  checkInt('grains', grains, 1, 255);

  // Grains: a Voronoi tessellation of random points of the scan.
  const centres = Array.from({ length: grains }, () => [random() * nx, random() * ny]);
  const grainMap = new Uint8Array(nx * ny);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      let best = 0;
      let bestD = Infinity;
      centres.forEach(([cx, cy], g) => {
        const d = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2;
        if (d < bestD) {
          bestD = d;
          best = g;
        }
      });
      grainMap[y * nx + x] = best;
    }
  }

  const maxValue = bits === 16 ? 65535 : 255;
  const gain = bits === 16 ? 160 : 1;
  const c = (dp - 1) / 2;
  const spotSigma = Math.max(0.7, dp / 110);
  const window = Math.ceil(3 * spotSigma);
  const reach = 0.45 * dp;
  const falloff = 0.25 * dp;

  // Per grain: its lattice, rotated, as spot positions and amplitudes.
  const spots: Float64Array[] = [];
  const amplitudes: Float64Array[] = [];
  for (let g = 0; g < grains; g++) {
    const a = dp * (0.07 + 0.05 * random());
    const b = a * (0.8 + 0.4 * random());
    const gamma = (Math.PI / 180) * (60 + 30 * random());
    const theta = 2 * Math.PI * random();
    const ax = a * Math.cos(theta);
    const ay = a * Math.sin(theta);
    const bx = b * Math.cos(theta + gamma);
    const by = b * Math.sin(theta + gamma);
    const pos: number[] = [];
    const amp: number[] = [];
    const n = Math.ceil(reach / Math.min(a, b) / Math.sin(gamma)) + 1;
    for (let h = -n; h <= n; h++) {
      for (let k = -n; k <= n; k++) {
        if (h === 0 && k === 0) continue;
        const sx = h * ax + k * bx;
        const sy = h * ay + k * by;
        const r = Math.hypot(sx, sy);
        if (r > reach) continue;
        pos.push(c + sx, c + sy);
        amp.push(170 * gain * Math.exp(-((r / falloff) ** 2)) * (0.6 + 0.4 * random()));
      }
    }
    spots.push(Float64Array.from(pos));
    amplitudes.push(Float64Array.from(amp));
  }

  // Shared by all frames: direct beam and diffuse background.
  const base = new Float32Array(dp * dp);
  const beamSigma = Math.max(0.8, dp * 0.025);
  for (let i = 0; i < dp; i++) {
    for (let j = 0; j < dp; j++) {
      const r2 = (i - c) ** 2 + (j - c) ** 2;
      base[i * dp + j] = gain * (245 * Math.exp(-r2 / (2 * beamSigma ** 2)) + 24 * Math.exp(-Math.sqrt(r2) / (0.3 * dp)) + 4);
    }
  }
  // Gaussian deviates, indexed by a per-frame PRNG: noise without per-pixel transcendental calls.
  const noise = new Float32Array(NOISE_TABLE_SIZE);
  for (let i = 0; i < NOISE_TABLE_SIZE; i += 2) {
    const u = Math.max(random(), 1e-12);
    const v = random();
    const m = Math.sqrt(-2 * Math.log(u));
    noise[i] = m * Math.cos(2 * Math.PI * v);
    noise[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  const noiseLevel = 2.5 * gain;
  const scratch = new Float32Array(dp * dp);

  function renderFrame(index: number, out: Uint8Array | Uint16Array): void {
    checkInt('frame index', index, 0, nx * ny - 1);
    if (out.length !== dp * dp || (bits === 16) !== out instanceof Uint16Array) {
      throw new RangeError(`out must be a ${bits === 16 ? 'Uint16Array' : 'Uint8Array'} of ${dp * dp} values`);
    }
    const g = grainMap[index];
    const frameRandom = seededRandom((seed * 2654435761 + index * 40503 + 1) >>> 0);
    scratch.set(base);
    const pos = spots[g];
    const amp = amplitudes[g];
    const twoS2 = 2 * spotSigma * spotSigma;
    for (let s = 0; s < amp.length; s++) {
      const sx = pos[2 * s];
      const sy = pos[2 * s + 1];
      const peak = amp[s] * (0.85 + 0.3 * frameRandom());
      const i0 = Math.max(0, Math.floor(sy) - window);
      const i1 = Math.min(dp - 1, Math.ceil(sy) + window);
      const j0 = Math.max(0, Math.floor(sx) - window);
      const j1 = Math.min(dp - 1, Math.ceil(sx) + window);
      for (let i = i0; i <= i1; i++) {
        const dy2 = (i - sy) ** 2;
        for (let j = j0; j <= j1; j++) scratch[i * dp + j] += peak * Math.exp(-(dy2 + (j - sx) ** 2) / twoS2);
      }
    }
    let at = Math.floor(frameRandom() * NOISE_TABLE_SIZE);
    const stride = 1 + 2 * Math.floor(frameRandom() * 1000); // odd: walks the whole table
    for (let p = 0; p < scratch.length; p++) {
      const v = scratch[p] + noiseLevel * noise[at];
      at = (at + stride) & (NOISE_TABLE_SIZE - 1);
      out[p] = v <= 0 ? 0 : v >= maxValue ? maxValue : v;
    }
  }

  return {
    options: { nx, ny, dpSize: dp, bits, seed, grains },
    grainMap,
    spots,
    renderFrame,
    scanStepNm: 10,
    patternCmPerPixel: 100 / 6226,
    note: `Precession angle : 0.5\r\nPrecession Frequency : 100\r\nCamera gamma : on\r\nSynthetic polycrystal: seed ${seed}, ${grains} grains`,
  };
}
