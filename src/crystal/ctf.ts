/**
 * Oxford HKL Channel 5 text (.ctf) orientation maps, as ORIENTATION.md
 * describes them (what ASTAR exports; MTEX, orix and AZtecCrystal read
 * them): header, one line per phase, then one row per scan position, x
 * fastest, Euler angles in degrees.
 */
import type { Phase } from './phase.js';

/**
 * Channel 5's Laue class codes: the position (1-based) in this list, as
 * MTEX's reader `interfaces/loadEBSD_ctf.m` has it (m-3m is 11, as in
 * ASTAR's exports).
 */
export const CTF_LAUE_CLASSES = ['-1', '2/m', 'mmm', '4/m', '4/mmm', '-3', '-3m', '6/m', '6/mmm', 'm-3', 'm-3m'] as const;

/** The Channel 5 Laue class code of a Laue group symbol such as `m-3m` (1–11). */
export function ctfLaueCode(laueGroup: string): number {
  const code = (CTF_LAUE_CLASSES as readonly string[]).indexOf(laueGroup) + 1;
  if (code === 0) throw new RangeError(`not a Laue class: ${laueGroup}`);
  return code;
}

export interface CtfMap {
  /** Project name (the scanned file). */
  project: string;
  nx: number;
  ny: number;
  /** Scan steps, µm. */
  xStep: number;
  yStep: number;
  /** Accelerating voltage, kV. */
  voltage: number;
  phases: Phase[];
  /** Per scan position (row-major, x fastest): 1-based phase, 0 when not indexed. */
  phase: Uint8Array | Uint16Array;
  /** Per scan position: Bunge Euler angles in degrees, interleaved (φ1, Φ, φ2). */
  euler: Float64Array;
  /** Per position, optional: bands (matched spots), MAD, BC (0–255), BS (0–100). */
  bands?: ArrayLike<number>;
  mad?: ArrayLike<number>;
  bc?: ArrayLike<number>;
  bs?: ArrayLike<number>;
}

const f = (v: number, digits: number) => v.toFixed(digits);

/** The .ctf text of an orientation map (CRLF line ends, as Channel 5 writes). */
export function formatCtf(map: CtfMap): string {
  const lines = [
    'Channel Text File',
    `Prj\t${map.project}`,
    'Author\tblockfile',
    'JobMode\tGrid',
    `XCells\t${map.nx}`,
    `YCells\t${map.ny}`,
    `XStep\t${f(map.xStep, 4)}`,
    `YStep\t${f(map.yStep, 4)}`,
    'AcqE1\t0',
    'AcqE2\t0',
    'AcqE3\t0',
    `Euler angles refer to Sample Coordinate system (CS0)!\tMag\t0\tCoverage\t100\tDevice\t0\tKV\t${f(map.voltage, 0)}\tTiltAngle\t0\tTiltAxis\t0`,
    `Phases\t${map.phases.length}`,
  ];
  for (const p of map.phases) {
    const { a, b, c, alpha, beta, gamma } = p.cell;
    lines.push(`${f(a, 4)};${f(b, 4)};${f(c, 4)}\t${f(alpha, 3)};${f(beta, 3)};${f(gamma, 3)}\t${p.name.replace(/\s+/g, ' ')}\t${ctfLaueCode(p.laueGroup)}\t${p.spaceGroup.number ?? 0}`);
  }
  lines.push('Phase\tX\tY\tBands\tError\tEuler1\tEuler2\tEuler3\tMAD\tBC\tBS');
  for (let y = 0, i = 0; y < map.ny; y++) {
    for (let x = 0; x < map.nx; x++, i++) {
      const phase = map.phase[i];
      lines.push(
        [
          phase,
          f(x * map.xStep, 4),
          f(y * map.yStep, 4),
          map.bands?.[i] ?? 0,
          phase === 0 ? 3 : 0,
          f(map.euler[3 * i], 4),
          f(map.euler[3 * i + 1], 4),
          f(map.euler[3 * i + 2], 4),
          f(map.mad?.[i] ?? 0, 4),
          Math.round(map.bc?.[i] ?? 0),
          Math.round(map.bs?.[i] ?? 0),
        ].join('\t'),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
