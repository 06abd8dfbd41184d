/** A montage: the patterns of every n-th scan position in each direction, tiled in scan order. */
import type { Blockfile } from '../reader/blockfile.js';
import { gridOf } from '../reader/geometry.js';

export interface Montage {
  values: Float64Array;
  rows: number;
  cols: number;
  /** The scan step between tiles. */
  every: number;
}

/** `every` defaults to the smallest step that keeps the montage within `maxSide` pixels. */
export async function montage(bf: Blockfile, options: { every?: number; maxSide?: number; gap?: number } = {}): Promise<Montage> {
  const { scanRows, scanCols, patternRows: pr, patternCols: pc } = gridOf(bf.geometry);
  const gap = options.gap ?? 1;
  const maxSide = options.maxSide ?? 4096;
  const every = options.every ?? Math.max(1, Math.ceil(Math.max((scanCols * (pc + gap)) / maxSide, (scanRows * (pr + gap)) / maxSide)));
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`montage step must be a whole number ≥ 1, got ${every}`);
  const tilesX = Math.ceil(scanCols / every);
  const tilesY = Math.ceil(scanRows / every);
  const cols = tilesX * (pc + gap) - gap;
  const rows = tilesY * (pr + gap) - gap;
  const values = new Float64Array(rows * cols).fill(NaN);
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      const frame = await bf.frame((ty * every) * scanCols + tx * every);
      for (let y = 0; y < pr; y++) {
        const at = (ty * (pr + gap) + y) * cols + tx * (pc + gap);
        for (let x = 0; x < pc; x++) values[at + x] = frame[y * pc + x];
      }
    }
  }
  return { values, rows, cols, every };
}
