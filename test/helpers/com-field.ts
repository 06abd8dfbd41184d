/**
 * Blockfiles whose centre of mass is known at every scan position: one spot
 * per pattern, split over four pixels (bilinearly) so that its centre of
 * mass is the wanted fractional position, on a flat background and with a
 * bright stray pixel in a corner: a threshold above the background and a
 * mask without the corner recover the spot's position.
 */
import { buildBlockfile } from './build.js';

export interface ComFieldFile {
  bytes: Uint8Array;
  /** The spot's position (pattern pixels) at each scan position, row-major. */
  x: Float64Array;
  y: Float64Array;
}

export const SPOT = 60_000;
export const BACKGROUND = 3;
export const STRAY = 5_000;

/** `shift(x, y)` gives the spot's shift from the pattern's centre at scan position (x, y); the scan step is `stepNm`. */
export async function comFieldFile(rows: number, cols: number, dp: number, shift: (x: number, y: number) => [number, number], stepNm = 5): Promise<ComFieldFile> {
  const pixels = dp * dp;
  const data = new Uint16Array(rows * cols * pixels).fill(BACKGROUND);
  const x = new Float64Array(rows * cols);
  const y = new Float64Array(rows * cols);
  const centre = (dp - 1) / 2;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const [u, v] = shift(c, r);
      const px = centre + u;
      const py = centre + v;
      const ix = Math.floor(px);
      const iy = Math.floor(py);
      const fx = px - ix;
      const fy = py - iy;
      const base = i * pixels;
      const w = [
        [ix, iy, (1 - fx) * (1 - fy)],
        [ix + 1, iy, fx * (1 - fy)],
        [ix, iy + 1, (1 - fx) * fy],
        [ix + 1, iy + 1, fx * fy],
      ] as const;
      let sx = 0;
      let sy = 0;
      let total = 0;
      for (const [qx, qy, weight] of w) {
        const value = Math.round(weight * SPOT);
        data[base + qy * dp + qx] = value;
        // What a threshold above the background keeps.
        if (value <= BACKGROUND) continue;
        sx += value * qx;
        sy += value * qy;
        total += value;
      }
      data[base] = STRAY;
      x[i] = sx / total;
      y[i] = sy / total;
    }
  }
  const { bytes } = await buildBlockfile({ nx: cols, ny: rows, dpSize: dp, bits: 16, header: { SX: stepNm, SY: stepNm } }, data);
  return { bytes, x, y };
}
