/**
 * `blo profile FILE`: the radial (azimuthal-average) profile of the mean
 * pattern (of the scan, a region of it, or one position's pattern) about a
 * centre, as CSV: the ring's middle radius in pixels and, with
 * --pixel-size, in Å⁻¹ (and mrad at the file's beam energy), its mean and
 * pixel count.
 */
import { analyze, type AnalysisPool } from '../../analysis/engine.js';
import { radialProfile, type RadialProfile } from '../../analysis/profile.js';
import { reciprocalToMrad } from '../../crystal/calibration.js';
import { writeFileAtomically } from '../../node/atomic-file.js';
import { createNodeAnalysisPool } from '../../node/analysis-pool.js';
import { openBlockfile } from '../../node/open.js';
import { lengthToPixels } from '../detector-options.js';
import { UsageError } from '../errors.js';
import { lengthList, numberList } from '../numbers.js';
import { patternScale } from '../pixel-size.js';
import { progressBar } from '../progress.js';
import { warningPrinter } from '../warnings.js';
import { parseRegion, workerCount } from './analysis.js';

export interface ProfileFlags {
  output?: string;
  center?: string;
  frame?: string;
  region?: string;
  bin?: string;
  pixelSize?: string;
  workers?: string;
  overwrite?: boolean;
}

/** Shortest round-trip text of a number (CSV readers get every digit). */
const num = (v: number) => (Number.isFinite(v) ? String(v) : '');

/**
 * The profile as CSV. `r_px` is the middle of each ring [r − w/2, r + w/2)
 * (w the bin width); `k_A-1` and `mrad` appear only when the calibration
 * (and, for mrad, the beam energy) is known; `mean` is empty for a ring
 * without pixels.
 */
export function profileCsv(profile: RadialProfile, binWidth: number, calibration?: { perPixel: number; volts?: number }): string {
  const mrad = calibration?.volts !== undefined && calibration.volts > 0;
  const head = ['r_px', ...(calibration ? ['k_A-1'] : []), ...(mrad ? ['mrad'] : []), 'mean', 'pixels'];
  const lines = [head.join(',')];
  for (let k = 0; k < profile.mean.length; k++) {
    const r = profile.radius[k] + binWidth / 2;
    const row = [num(r)];
    if (calibration) row.push(num(r * calibration.perPixel));
    if (mrad) row.push(num(reciprocalToMrad(r * calibration!.perPixel, calibration!.volts!)));
    row.push(num(profile.mean[k]), String(profile.count[k]));
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

export async function profileCommand(file: string, flags: ProfileFlags, out: (line: string) => void, warn: (line: string) => void): Promise<void> {
  if (flags.frame !== undefined && flags.region !== undefined) throw new UsageError('give --frame (one pattern) or --region (the mean of some), not both');
  if (flags.output !== undefined && !/\.csv$/i.test(flags.output)) throw new UsageError(`-o writes a .csv file, got "${flags.output}"`);
  const region = parseRegion(flags.region);
  const frame = flags.frame === undefined ? undefined : numberList('--frame', flags.frame, { count: 2, integer: true, min: 0, form: 'X,Y' });
  const center = flags.center === undefined ? undefined : numberList('--center', flags.center, { count: 2, form: 'CX,CY' });
  const bin = flags.bin === undefined ? undefined : lengthList('--bin', flags.bin, { count: 1, above: 0, form: 'W', lengths: [0] })[0];
  const workers = workerCount(flags.workers);
  const bf = await openBlockfile(file);
  let pool: AnalysisPool | undefined;
  const bar = progressBar('mean pattern');
  const report = warningPrinter(warn);
  try {
    report(bf.warnings);
    const scale = patternScale(flags.pixelSize, bf, warn);
    const binWidth = bin ? lengthToPixels(bin, scale, `--bin ${flags.bin}`) : 1;
    const [rows, cols] = bf.geometry.sigShape;
    const [cx, cy] = center ?? [(cols - 1) / 2, (rows - 1) / 2];
    let pattern: ArrayLike<number>;
    if (frame) {
      const [nx, ny] = [bf.layout.nx, bf.layout.ny];
      if (frame[0] >= nx || frame[1] >= ny) throw new UsageError(`--frame ${flags.frame} is outside the ${nx} × ${ny} scan (X,Y from 0)`);
      pattern = await bf.frameAt(frame[1], frame[0]);
    } else {
      pool = workers > 1 ? createNodeAnalysisPool(workers) : undefined;
      pattern = (await analyze(bf, { patterns: { mean: true, region } }, { pool, onProgress: (p) => bar.update(p.frames, p.totalFrames) })).mean!;
      bar.stop();
      report(bf.warnings);
    }
    const profile = radialProfile(pattern, rows, cols, cx, cy, { binWidth });
    const csv = profileCsv(profile, binWidth, scale.perPixel === undefined ? undefined : { perPixel: scale.perPixel, volts: scale.volts });
    if (flags.output === undefined) {
      process.stdout.write(csv);
      return;
    }
    await writeFileAtomically(flags.output, { overwrite: flags.overwrite }, (sink) => sink.write(new TextEncoder().encode(csv), 0));
    out(`${flags.output}: ${profile.mean.length} rings of ${binWidth} px about (${cx}, ${cy})${scale.perPixel === undefined ? '' : `, ${scale.perPixel} Å⁻¹ per pixel`}`);
  } finally {
    bar.stop();
    await pool?.close();
    await bf.close();
  }
}
