/** The radial (azimuthal-average) profile of a pattern about a centre. */

export interface RadialProfile {
  /** Inner edge of each ring, in pixels: ring k holds binWidth·k ≤ d < binWidth·(k + 1). */
  radius: Float64Array;
  /** Mean value of the pixels in each ring (NaN for a ring without pixels). */
  mean: Float64Array;
  /** Sum of the pixels in each ring. */
  sum: Float64Array;
  /** Pixels in each ring. */
  count: Uint32Array;
}

/**
 * Averages `pattern` (rows × cols, row-major) over rings about (cx, cy),
 * x the column and y the row; rings reach the farthest pixel unless
 * `maxRadius` stops them sooner.
 */
export function radialProfile(
  pattern: ArrayLike<number>,
  rows: number,
  cols: number,
  cx: number,
  cy: number,
  options: { binWidth?: number; maxRadius?: number } = {},
): RadialProfile {
  const binWidth = options.binWidth ?? 1;
  if (pattern.length !== rows * cols) throw new RangeError(`pattern has ${pattern.length} values, not ${rows}×${cols}`);
  if (!(binWidth > 0) || !Number.isFinite(cx) || !Number.isFinite(cy)) throw new RangeError('radial profile: centre must be finite and binWidth > 0');
  const farthest = Math.hypot(Math.max(cx, cols - 1 - cx), Math.max(cy, rows - 1 - cy));
  const reach = Math.min(options.maxRadius ?? farthest, farthest);
  const bins = Math.floor(reach / binWidth) + 1;
  const sum = new Float64Array(bins);
  const count = new Uint32Array(bins);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const k = Math.floor(Math.hypot(x - cx, y - cy) / binWidth);
      if (k >= bins) continue;
      sum[k] += pattern[y * cols + x];
      count[k]++;
    }
  }
  const mean = new Float64Array(bins);
  const radius = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    mean[k] = count[k] ? sum[k] / count[k] : NaN;
    radius[k] = k * binWidth;
  }
  return { radius, mean, sum, count };
}
