/**
 * A physically simulated SPED scan of a polycrystal: grains (a Voronoi
 * tessellation of the scan) of one or more phases in random orientations,
 * each pattern the kinematic precession pattern of its grain (see
 * `simulate.ts`), with what real ASTAR data have on top: a drifting direct
 * beam that saturates, a diffuse background, Poisson noise and 8-bit
 * saturation. The ground truth (phase and orientation of every position)
 * comes with it, as a .ctf. Deterministic from the seed; pure.
 */
import { formatCtf } from './ctf.js';
import { electronWavelength, type Mat3 } from './lattice.js';
import { eulerDegreesToMatrix, matrixToEuler } from './orientation.js';
import type { Phase } from './phase.js';
import { PatternSimulator, poisson, seededRandom, type SimulatedPattern } from './simulate.js';
import { cos, exp, pow, sin } from './exact-math.js';

export interface SpedDemoOptions {
  phases: Phase[];
  nx: number;
  ny: number;
  dpSize: number;
  bits: 8 | 16;
  seed: number;
  /** Number of grains (default 8). */
  grains?: number;
  /** Reciprocal calibration, Å⁻¹ per pixel. */
  pixelSize: number;
  /** Precession angle, degrees (default 1). */
  precession?: number;
  /** kV (default 200). */
  voltage?: number;
  /** Mean crystal thickness, nm (default 40; each grain within ±25 %). */
  thickness?: number;
  /** Scan step, nm (default 10). */
  scanStepNm?: number;
}

export interface SpedDemo {
  readonly options: Required<Omit<SpedDemoOptions, 'phases'>> & { phases: Phase[] };
  /** Grain of each scan position, row-major NY × NX. */
  readonly grainMap: Uint16Array;
  /** Phase (index into `phases`) of each grain. */
  readonly grainPhase: Uint8Array;
  /** Bunge Euler angles of each grain, degrees, interleaved (φ1, Φ, φ2). */
  readonly grainEuler: Float64Array;
  /** The pattern of each grain, in pixels of the detector about its undrifted centre (spots just outside included). */
  readonly grainPatterns: readonly SimulatedPattern[];
  /** Direct-beam position (x column, y row) at scan position `index`. */
  beamCenter(index: number): [number, number];
  /** Fills `out` (DP² values: Uint8Array for 8 bits, Uint16Array for 16) with frame `index`. */
  renderFrame(index: number, out: Uint8Array | Uint16Array): void;
  readonly scanStepNm: number;
  /** The pattern pixel size the header states, cm (camera length 0.2 m). */
  readonly patternCmPerPixel: number;
  readonly note: string;
  /** The ground-truth phase and orientation map as .ctf text. */
  truthCtf(project: string): string;
}

/** A uniformly random rotation matrix (Shoemake's quaternion method), as a Bunge matrix. */
function randomOrientation(random: () => number): Mat3 {
  const u1 = random();
  const u2 = 2 * Math.PI * random();
  const u3 = 2 * Math.PI * random();
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const [w, x, y, z] = [a * sin(u2), a * cos(u2), b * sin(u3), b * cos(u3)];
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
}

/** Camera length the header states, m: sets the pattern pixel size in cm from the reciprocal one. */
const CAMERA_LENGTH_M = 0.2;

export function createSpedDemo(options: SpedDemoOptions): SpedDemo {
  const { phases, nx, ny, dpSize: dp, bits, seed, pixelSize } = options;
  const grains = options.grains ?? 8;
  const precession = options.precession ?? 1;
  const voltage = options.voltage ?? 200;
  const thickness = options.thickness ?? 40;
  const scanStepNm = options.scanStepNm ?? 10;
  if (phases.length < 1 || phases.length > 255) throw new RangeError(`give 1 to 255 phases, got ${phases.length}`);
  checkInt('nx', nx, 1, 0xffff);
  checkInt('ny', ny, 1, 0xffff);
  checkInt('dpSize', dp, 8, 4096);
  checkInt('seed', seed, 0, 0xffffffff);
  checkInt('grains', grains, 1, 0xffff);
  if (bits !== 8 && bits !== 16) throw new RangeError(`bits must be 8 or 16, got ${bits}`);
  if (!(pixelSize > 0)) throw new RangeError(`pixelSize must be positive (Å⁻¹ per pixel), got ${pixelSize}`);
  const random = seededRandom(seed ^ 0x5bd1e995);

  // Grains: a Voronoi tessellation of random points of the scan.
  const centres = Array.from({ length: grains }, () => [random() * nx, random() * ny]);
  const grainMap = new Uint16Array(nx * ny);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      let best = 0;
      let bestD = Infinity;
      for (let g = 0; g < grains; g++) {
        const d = pow(x + 0.5 - centres[g][0], 2) + pow(y + 0.5 - centres[g][1], 2);
        if (d < bestD) {
          bestD = d;
          best = g;
        }
      }
      grainMap[y * nx + x] = best;
    }
  }

  // Each phase in at least one grain, then at random; random orientations; thickness ±25 %.
  const grainPhase = new Uint8Array(grains);
  const grainEuler = new Float64Array(3 * grains);
  const grainPatterns: SimulatedPattern[] = [];
  const c = (dp - 1) / 2;
  const drift = Math.max(1, dp / 64);
  // Spots as wide as a converged probe makes them: a few pixels.
  const spotSigma = Math.max(1, dp / 80);
  const border = Math.ceil(2 * drift + 4 * spotSigma);
  const simulators = phases.map(() => new Map<number, PatternSimulator>());
  for (let g = 0; g < grains; g++) {
    const p = g < phases.length ? g : Math.floor(random() * phases.length);
    grainPhase[g] = p;
    const euler = matrixToEuler(randomOrientation(random)).map((v) => Math.round(((v * 180) / Math.PI) * 1e4) / 1e4);
    grainEuler.set(euler, 3 * g);
    const t = Math.round(thickness * (0.75 + 0.5 * random()));
    let sim = simulators[p].get(t);
    if (!sim) {
      // Simulated on a detector wider by a border, so that spots the drifting beam brings in are there.
      sim = new PatternSimulator(phases[p], { size: dp + 2 * border, pixelSize, precession, voltage, thickness: t, center: [c + border, c + border] });
      simulators[p].set(t, sim);
    }
    const pattern = sim.simulate(eulerDegreesToMatrix(euler[0], euler[1], euler[2]));
    for (let i = 0; i < pattern.count; i++) {
      pattern.x[i] -= border;
      pattern.y[i] -= border;
    }
    grainPatterns.push(pattern);
  }

  // Counts: the strongest spot of a typical grain peaks near 60 % of the 8-bit range.
  const gain = bits === 16 ? 64 : 1;
  const maxValue = bits === 16 ? 65535 : 255;
  const norm = 1 / (2 * Math.PI * spotSigma * spotSigma);
  const strongest = grainPatterns.map((p) => p.intensity.reduce((m, v) => Math.max(m, v), 0)).sort((a, b) => a - b);
  const typical = strongest[Math.floor(strongest.length / 2)] || 1;
  const spotScale = (150 * gain) / (typical * norm);

  // Shared by all frames: a diffuse background (inelastic and thermal diffuse scattering) about the beam.
  const beamSigma = Math.max(1, dp / 48);
  const phaseSeed = [random() * 2 * Math.PI, random() * 2 * Math.PI];

  function beamCenter(index: number): [number, number] {
    const ix = index % nx;
    const iy = Math.floor(index / nx);
    // Descan imperfect: the beam wanders smoothly over the scan, a few pixels at most.
    const dx = drift * (1.2 * sin(2 * Math.PI * (0.7 * ix / nx + 0.3 * iy / ny) + phaseSeed[0]) + 0.8 * (iy / ny - 0.5));
    const dy = drift * (1.0 * sin(2 * Math.PI * (0.5 * iy / ny - 0.2 * ix / nx) + phaseSeed[1]) + 0.5 * (ix / nx - 0.5));
    return [c + dx, c + dy];
  }

  const mean = new Float64Array(dp * dp);
  const reach = Math.ceil(4 * spotSigma);
  const k = 1 / (2 * spotSigma * spotSigma);

  function renderFrame(index: number, out: Uint8Array | Uint16Array): void {
    checkInt('frame index', index, 0, nx * ny - 1);
    if (out.length !== dp * dp || (bits === 16) !== out instanceof Uint16Array) {
      throw new RangeError(`out must be a ${bits === 16 ? 'Uint16Array' : 'Uint8Array'} of ${dp * dp} values`);
    }
    const [bx, by] = beamCenter(index);
    const pattern = grainPatterns[grainMap[index]];
    const frameRandom = seededRandom((seed * 2654435761 + index * 40503 + 1) >>> 0);
    for (let r = 0; r < dp; r++) {
      for (let col = 0; col < dp; col++) {
        const r2 = pow(col - bx, 2) + pow(r - by, 2);
        const rr = Math.sqrt(r2);
        // Direct beam (far above saturation at its centre), diffuse halo, flat floor.
        mean[r * dp + col] = gain * (2000 * exp(-r2 / (2 * beamSigma * beamSigma)) + 18 * exp(-rr / (0.18 * dp)) + 1.5);
      }
    }
    const sx = bx - c;
    const sy = by - c;
    for (let i = 0; i < pattern.count; i++) {
      const x = pattern.x[i] + sx;
      const y = pattern.y[i] + sy;
      const value = pattern.intensity[i] * spotScale * norm;
      const x0 = Math.max(0, Math.floor(x - reach));
      const x1 = Math.min(dp - 1, Math.ceil(x + reach));
      const y0 = Math.max(0, Math.floor(y - reach));
      const y1 = Math.min(dp - 1, Math.ceil(y + reach));
      for (let r = y0; r <= y1; r++) {
        const ey = (r - y) * (r - y);
        for (let col = x0; col <= x1; col++) mean[r * dp + col] += value * exp(-k * ((col - x) * (col - x) + ey));
      }
    }
    for (let p = 0; p < mean.length; p++) {
      const v = poisson(mean[p], frameRandom);
      out[p] = v >= maxValue ? maxValue : v;
    }
  }

  // Bands of the truth: the reflections on the detector (about the undrifted centre).
  const grainBands = grainPatterns.map((p) => {
    let n = 0;
    for (let i = 0; i < p.count; i++) if (p.x[i] >= -0.5 && p.x[i] <= dp - 0.5 && p.y[i] >= -0.5 && p.y[i] <= dp - 0.5) n++;
    return n;
  });
  const lambda = electronWavelength(voltage * 1e3);
  // A reflection g lands at r = λ·L·|g| on the camera: cm per pixel = pixelSize·λ·L.
  const patternCmPerPixel = pixelSize * lambda * CAMERA_LENGTH_M * 100;

  return {
    options: { phases, nx, ny, dpSize: dp, bits, seed, grains, pixelSize, precession, voltage, thickness, scanStepNm },
    grainMap,
    grainPhase,
    grainEuler,
    grainPatterns,
    beamCenter,
    renderFrame,
    scanStepNm,
    patternCmPerPixel,
    note:
      `Precession angle : ${precession}\r\nPrecession Frequency : 100\r\nCamera gamma : off\r\n` +
      `Kinematic SPED simulation: ${phases.map((p) => p.name).join(', ')}; ${grains} grains; seed ${seed}; ` +
      `${pixelSize} 1/A per pixel; ${voltage} kV`,
    truthCtf(project: string): string {
      const n = nx * ny;
      const phase = new Uint8Array(n);
      const euler = new Float64Array(3 * n);
      const bands = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const g = grainMap[i];
        phase[i] = grainPhase[g] + 1;
        euler.set(grainEuler.subarray(3 * g, 3 * g + 3), 3 * i);
        bands[i] = grainBands[g];
      }
      return formatCtf({
        project,
        nx,
        ny,
        xStep: scanStepNm / 1000,
        yStep: scanStepNm / 1000,
        voltage,
        phases,
        phase,
        euler,
        bands,
        bc: new Uint8Array(n).fill(255),
        bs: new Uint8Array(n).fill(100),
      });
    },
  };
}
