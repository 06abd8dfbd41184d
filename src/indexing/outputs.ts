/**
 * The files an orientation map is written as, the same bytes wherever it
 * was made (`blo index`, the viewer): .ctf (Channel 5), .ang (TSL) and
 * .npy (one row of NPY_COLUMNS per position), and the phase map's colours.
 * Pure: runs in browsers.
 */
import { formatCtf } from '../crystal/ctf.js';
import type { Phase } from '../crystal/phase.js';
import { encodeNpyHeader } from '../npy/npy.js';
import { formatAng } from './ang.js';
import type { OrientationMap } from './engine.js';

/** What the files are written from: an index run's maps, or the same read back from a results store. */
export type IndexedMap = Pick<OrientationMap, 'scanShape' | 'voltage' | 'phase' | 'euler' | 'quaternion' | 'correlation' | 'reliability' | 'phaseReliability' | 'spots' | 'center'>;

/** The scanned file: its name (the .ctf's project) and the header's scan steps SX, SY in nm. */
export interface MapSource {
  project: string;
  SX: number;
  SY: number;
}

/** Scan step in µm from the header's nm (0.01 µm when the header has none). */
const micrometres = (nm: number) => (nm > 0 ? nm / 1000 : 0.01);

/** The .ctf text: bands are the matched spots, BC the correlation × 255, BS the reliability. */
export function orientationCtf(map: IndexedMap, phases: Phase[], source: MapSource): string {
  const [ny, nx] = map.scanShape;
  return formatCtf({
    project: source.project,
    nx,
    ny,
    xStep: micrometres(source.SX),
    yStep: micrometres(source.SY),
    voltage: map.voltage,
    phases,
    phase: map.phase,
    euler: map.euler,
    bands: map.spots,
    bc: Array.from(map.correlation, (c) => Math.min(255, Math.round(255 * c))),
    bs: map.reliability,
  });
}

/** The .ang text (see ang.ts for its columns). */
export function orientationAng(map: IndexedMap, phases: Phase[], source: MapSource): string {
  const [ny, nx] = map.scanShape;
  return formatAng({ nx, ny, xStep: micrometres(source.SX), yStep: micrometres(source.SY), phases, ...map });
}

/** Columns of the .npy output, in order. */
export const NPY_COLUMNS = ['phase', 'phi1', 'Phi', 'phi2', 'correlation', 'reliability', 'phase_reliability', 'spots', 'center_x', 'center_y'];

/** Position `i`'s values in the order of NPY_COLUMNS. */
export function orientationRow(map: IndexedMap, i: number): number[] {
  return [
    map.phase[i],
    map.euler[3 * i],
    map.euler[3 * i + 1],
    map.euler[3 * i + 2],
    map.correlation[i],
    map.reliability[i],
    map.phaseReliability[i],
    map.spots[i],
    map.center[2 * i],
    map.center[2 * i + 1],
  ];
}

/** The .npy bytes: float64, shape (rows, columns, NPY_COLUMNS). */
export function orientationNpy(map: IndexedMap): Uint8Array {
  const [ny, nx] = map.scanShape;
  const k = NPY_COLUMNS.length;
  const values = new Float64Array(nx * ny * k);
  for (let i = 0; i < nx * ny; i++) values.set(orientationRow(map, i), i * k);
  const header = encodeNpyHeader('float64', [ny, nx, k]);
  const out = new Uint8Array(header.length + values.byteLength);
  out.set(header);
  out.set(new Uint8Array(values.buffer), header.length);
  return out;
}

/** Distinct colours of phases 1, 2, … (0, not indexed, is black). */
export const PHASE_COLOURS: readonly (readonly [number, number, number])[] = [
  [230, 75, 53], [77, 187, 213], [0, 160, 135], [60, 84, 136], [243, 155, 127], [132, 145, 180], [145, 209, 194], [220, 0, 0],
];

/** The colour of 1-based phase `p` (black for 0). */
export function phaseColour(p: number): readonly [number, number, number] {
  return p > 0 ? PHASE_COLOURS[(p - 1) % PHASE_COLOURS.length] : [0, 0, 0];
}
