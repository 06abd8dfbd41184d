/**
 * EDAX TSL .ang orientation maps (read by MTEX, orix, kikuchipy): `#`
 * header lines with each phase's name, symmetry (TSL's code) and lattice
 * constants, then one row per scan position, x fastest:
 * φ1 Φ φ2 (radians), x, y (µm), IQ, CI, phase ID, detector signal, fit.
 * Here IQ is the correlation index (0–1), CI the reliability (0–1; −1 when
 * not indexed, as TSL marks it), the detector signal the phase reliability
 * (0–1) and the fit 0. Pure.
 */
import type { Cell } from '../crystal/lattice.js';

/** TSL's symmetry codes of the Laue classes (EDAX OIM; MTEX and orix read them). */
export const TSL_SYMMETRY: Record<string, number> = {
  '-1': 1,
  '2/m': 2,
  mmm: 22,
  '4/m': 4,
  '4/mmm': 42,
  '-3': 3,
  '-3m': 32,
  '6/m': 6,
  '6/mmm': 62,
  'm-3': 23,
  'm-3m': 43,
};

export interface AngMap {
  nx: number;
  ny: number;
  /** Scan steps, µm. */
  xStep: number;
  yStep: number;
  phases: readonly { name: string; formula: string; cell: Cell; laueGroup: string }[];
  /** 1-based phase per position, 0 when not indexed. */
  phase: ArrayLike<number>;
  /** Bunge Euler angles in degrees, interleaved. */
  euler: ArrayLike<number>;
  correlation: ArrayLike<number>;
  /** 0–100. */
  reliability: ArrayLike<number>;
  /** 0–100. */
  phaseReliability: ArrayLike<number>;
  /** Who wrote it, for the OPERATOR line. */
  operator?: string;
}

/** The .ang text of an orientation map. */
export function formatAng(map: AngMap): string {
  const clean = (s: string) => s.replace(/[\r\n\t]+/g, ' ').trim() || 'phase';
  const lines = ['# TEM_PIXperUM          1.000000', '# x-star                0.000000', '# y-star                0.000000', '# z-star                0.000000', '# WorkingDistance       0.000000', '#'];
  map.phases.forEach((p, i) => {
    const code = TSL_SYMMETRY[p.laueGroup];
    if (code === undefined) throw new RangeError(`not a Laue class: ${p.laueGroup}`);
    const { a, b, c, alpha, beta, gamma } = p.cell;
    lines.push(
      `# Phase ${i + 1}`,
      `# MaterialName  \t${clean(p.name)}`,
      `# Formula     \t${clean(p.formula).replace(/\s+/g, '')}`,
      '# Info \t\t',
      `# Symmetry              ${code}`,
      `# LatticeConstants      ${[a, b, c].map((v) => v.toFixed(3)).join(' ')}  ${[alpha, beta, gamma].map((v) => v.toFixed(3)).join('  ')}`,
      '# NumberFamilies        0',
      '#',
    );
  });
  lines.push(
    '# GRID: SqrGrid',
    `# XSTEP: ${map.xStep.toFixed(6)}`,
    `# YSTEP: ${map.yStep.toFixed(6)}`,
    `# NCOLS_ODD: ${map.nx}`,
    `# NCOLS_EVEN: ${map.nx}`,
    `# NROWS: ${map.ny}`,
    '#',
    `# OPERATOR: \t${map.operator ?? 'blockfile'}`,
    '#',
    '# SAMPLEID: \t',
    '#',
    '# SCANID: \t',
    '#',
  );
  const rad = Math.PI / 180;
  for (let y = 0, i = 0; y < map.ny; y++) {
    for (let x = 0; x < map.nx; x++, i++) {
      const phase = map.phase[i];
      const e = phase === 0 ? [0, 0, 0] : [0, 1, 2].map((k) => map.euler[3 * i + k] * rad);
      lines.push(
        [
          ...e.map((v) => v.toFixed(5).padStart(9)),
          (x * map.xStep).toFixed(5).padStart(12),
          (y * map.yStep).toFixed(5).padStart(12),
          (phase === 0 ? 0 : map.correlation[i]).toFixed(5).padStart(8),
          (phase === 0 ? -1 : map.reliability[i] / 100).toFixed(5).padStart(8),
          String(phase).padStart(2),
          (phase === 0 ? 0 : map.phaseReliability[i] / 100).toFixed(5).padStart(8),
          (0).toFixed(5).padStart(8),
        ].join(' '),
      );
    }
  }
  return lines.join('\n') + '\n';
}
