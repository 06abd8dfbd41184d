/**
 * `blo virtual`, `blo sum|mean|max|std`, `blo com` and `blo navigator
 * --compute`: one streaming pass of the analysis engine over a blockfile,
 * on worker threads, with the result written as .npy, .tiff or .png.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Detector } from '../../analysis/detectors.js';
import { analyze, type AnalysisPool } from '../../analysis/engine.js';
import type { AnalysisRequest, AnalysisResult, ScanRegion } from '../../analysis/request.js';
import { createNodeAnalysisPool } from '../../node/analysis-pool.js';
import { openBlockfile } from '../../node/open.js';
import { decodeNpy } from '../../npy/npy.js';
import type { Blockfile } from '../../reader/blockfile.js';
import { UsageError } from '../errors.js';
import { displayOptions, outputKind, writeImages, type DisplayFlags, type NamedImage } from '../image-output.js';
import { progressBar } from '../progress.js';
import { warningPrinter } from '../warnings.js';
import { diskDetectorOption, diskOption, rectOption, resolveDetector, type DetectorOption } from '../detector-options.js';
import { patternScale } from '../pixel-size.js';
import { numberOption } from '../numbers.js';
import { comImages, parseComOutputs, type ComFlags } from '../com-options.js';
import type { PartCommand, PartFlags } from './parts.js';

export interface AnalysisFlags extends DisplayFlags, PartFlags {
  output?: string;
  overwrite?: boolean;
  workers?: string;
  /** Å⁻¹ per pattern pixel, or "header": for radii given in A-1 or mrad. */
  pixelSize?: string;
}

/** A pattern-sized weight mask from a .npy file. */
async function maskFromFile(path: string, bf: Blockfile): Promise<Detector> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    throw new UsageError(`--mask ${path}: no such file`);
  }
  let decoded;
  try {
    decoded = decodeNpy(bytes, path);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const pixels = bf.geometry.pixelsPerFrame;
  if (decoded.data.length !== pixels) {
    throw new UsageError(`--mask ${path}: has shape [${decoded.header.shape.join(', ')}], the patterns are ${bf.geometry.sigShape.join('×')}`);
  }
  const weights = Float64Array.from(decoded.data as ArrayLike<number | bigint>, (v) => Number(v));
  return { kind: 'mask', weights };
}

export function workerCount(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  return numberOption('--workers', text, { integer: true, min: 0 });
}

function requireOutput(flags: AnalysisFlags): string {
  if (!flags.output) throw new UsageError('say where to write the result with -o OUT.npy, OUT.tiff or OUT.png');
  outputKind(flags.output);
  return flags.output;
}

/** Whether the command writes a results store (tasks of a job) rather than images. */
function writesStore(flags: AnalysisFlags): boolean {
  return flags.part !== undefined || flags.slurm !== undefined || !!flags.submit || /\.zarr$/i.test(flags.output ?? '');
}

/** Opens the file, runs one pass with a progress bar and worker threads, closes everything. */
async function runPass(
  file: string,
  flags: AnalysisFlags,
  warn: (line: string) => void,
  build: (bf: Blockfile) => Promise<AnalysisRequest>,
  images: (result: AnalysisResult, bf: Blockfile) => Promise<NamedImage[]>,
  command?: PartCommand,
): Promise<void> {
  if (command && writesStore(flags)) {
    return runParts(file, flags, warn, build, command);
  }
  const output = requireOutput(flags);
  const display = displayOptions(flags);
  const workers = workerCount(flags.workers);
  const bf = await openBlockfile(file);
  let pool: AnalysisPool | undefined;
  const bar = progressBar('analysing');
  const report = warningPrinter(warn);
  try {
    report(bf.warnings);
    const request = await build(bf);
    pool = workers > 1 ? createNodeAnalysisPool(workers) : undefined;
    const result = await analyze(bf, request, { pool, onProgress: (p) => bar.update(p.frames, p.totalFrames) });
    bar.stop();
    report(bf.warnings); // broken frame records are found while reading
    await writeImages(output, await images(result, bf), { overwrite: flags.overwrite, display });
  } finally {
    bar.stop();
    await pool?.close();
    await bf.close();
  }
}

/** `--part I/N -o results.zarr` (a plain `-o results.zarr` is part 0/1), or `--slurm N` to write the job that runs them all. */
async function runParts(
  file: string,
  flags: AnalysisFlags,
  warn: (line: string) => void,
  build: (bf: Blockfile) => Promise<AnalysisRequest>,
  command: PartCommand,
): Promise<void> {
  const parts = await import('./parts.js');
  if (flags.part !== undefined && flags.slurm !== undefined) throw new UsageError('give --part (one task) or --slurm (the job of all tasks), not both');
  if (flags.submit && flags.slurm === undefined) throw new UsageError('--submit submits the job that --slurm N writes: give --slurm N');
  if (!flags.output || !parts.isStoreOutput(flags.output)) throw new UsageError('--part and --slurm write a results store: give -o RESULTS.zarr');
  if (flags.cmap !== undefined || flags.scale !== undefined || flags.percentiles !== undefined) {
    throw new UsageError('--cmap, --scale and --percentiles apply to a .png: give them to blo convert RESULTS.zarr OUT.png');
  }
  const output = flags.output;
  const slurm = flags.slurm === undefined ? undefined : numberOption('--slurm', flags.slurm, { integer: true, min: 1 });
  const part = flags.part === undefined ? ([0, 1] as [number, number]) : parts.parsePart(flags.part);
  const workers = workerCount(flags.workers);
  const bf = await openBlockfile(file);
  let pool: AnalysisPool | undefined;
  const bar = progressBar(slurm === undefined ? `part ${part[0]}/${part[1]}` : 'checking');
  const report = warningPrinter(warn);
  try {
    report(bf.warnings);
    const request = await build(bf);
    if (slurm !== undefined) {
      const { analysisShape, compileRequest } = await import('../../analysis/accumulate.js');
      compileRequest(request, analysisShape(bf.geometry)); // a bad request fails here, not in every task
      await parts.writeSlurmJob(command, output, slurm, flags, (line) => process.stdout.write(`${line}\n`));
      return;
    }
    pool = workers > 1 ? createNodeAnalysisPool(workers) : undefined;
    let done = '';
    await parts.runPart(bf, command, request, part, output, {
      overwrite: flags.overwrite,
      input: file,
      pool,
      onProgress: (p) => bar.update(p.frames, p.totalFrames),
      print: (line) => (done = line),
    });
    bar.stop();
    process.stdout.write(`${done}\n`);
    report(bf.warnings);
  } finally {
    bar.stop();
    await pool?.close();
    await bf.close();
  }
}

export async function virtualCommand(
  file: string,
  given: DetectorOption[],
  flags: AnalysisFlags,
  warn: (line: string) => void,
): Promise<void> {
  if (given.length === 0) throw new UsageError('give at least one detector: --disk CX,CY,R, --annulus CX,CY,R1,R2, --rect X0,Y0,X1,Y1 or --mask M.npy');
  await runPass(
    file,
    flags,
    warn,
    async (bf) => {
      const scale = patternScale(flags.pixelSize, bf, warn);
      return { virtual: await Promise.all(given.map((d) => (d.kind === 'mask-file' ? maskFromFile(d.path, bf) : resolveDetector(d, scale)))) };
    },
    async (result) => {
      const [rows, cols] = result.scanShape;
      return result.virtual.map((data, i) => ({ name: String(i + 1), data, rows, cols }));
    },
    'virtual',
  );
}

export type PatternStatistic = 'sum' | 'mean' | 'max' | 'std';

export function parseRegion(text: string | undefined): ScanRegion | undefined {
  if (text === undefined) return undefined;
  const count = text.split(',').length;
  if (count === 4) {
    const [x0, y0, x1, y1] = rectOption('--region', text);
    return { kind: 'rect', x0, y0, x1, y1 };
  }
  if (count === 3) {
    const [cx, cy, r] = diskOption('--region', text);
    return { kind: 'disk', cx, cy, r };
  }
  throw new UsageError(`--region must be X0,Y0,X1,Y1 (a rectangle of scan positions) or CX,CY,R (a disk), got "${text}"`);
}

export async function patternCommand(
  statistic: PatternStatistic,
  file: string,
  flags: AnalysisFlags & { region?: string },
  warn: (line: string) => void,
): Promise<void> {
  const region = parseRegion(flags.region);
  await runPass(
    file,
    flags,
    warn,
    async () => ({ patterns: { [statistic]: true, region } }),
    async (result) => {
      const [rows, cols] = result.patternShape;
      return [{ name: statistic, data: result[statistic]!, rows, cols }];
    },
    statistic,
  );
}

export async function comCommand(
  file: string,
  flags: AnalysisFlags & ComFlags & { mask?: string; disk?: string; threshold?: string },
  warn: (line: string) => void,
): Promise<void> {
  if (flags.mask !== undefined && flags.disk !== undefined) throw new UsageError('give --mask or --disk, not both');
  const threshold = flags.threshold === undefined ? undefined : numberOption('--threshold', flags.threshold);
  const outputs = parseComOutputs(flags, flags.output, writesStore(flags));
  await runPass(
    file,
    flags,
    warn,
    async (bf) => {
      let mask: Detector | undefined;
      if (flags.mask !== undefined) mask = await maskFromFile(flags.mask, bf);
      if (flags.disk !== undefined) mask = resolveDetector(diskDetectorOption('--disk', flags.disk), patternScale(flags.pixelSize, bf, warn));
      return { centerOfMass: { mask, threshold } };
    },
    async (result, bf) => comImages(result, bf, outputs, (line) => process.stdout.write(`${line}\n`)),
    'com',
  );
}

/** `blo navigator FILE --compute`: the stored VBF and the mean intensity of each pattern, side by side. */
export async function computedNavigatorCommand(file: string, flags: AnalysisFlags, warn: (line: string) => void): Promise<void> {
  await runPass(
    file,
    flags,
    warn,
    async () => ({ frameSums: true }),
    async (result, bf) => {
      const [rows, cols] = result.scanShape;
      const pixels = bf.geometry.pixelsPerFrame;
      const computed = result.frameSums!.map((s) => s / pixels);
      // Without a readable stored navigator (warned about on opening) the computed one is written alone.
      const stored = bf.hasNavigator ? await bf.navigator() : undefined;
      const storedImage = stored && stored.data.length === rows * cols ? Float64Array.from(stored.data) : undefined;
      if (stored && !storedImage) warn(`${bf.name}: the stored navigator (${stored.shape.join('×')}) does not match the scan (${rows}×${cols}); writing the computed one only`);
      return storedImage
        ? [
            { name: 'stored', data: storedImage, rows, cols },
            { name: 'computed', data: computed, rows, cols },
          ]
        : [{ name: 'computed', data: computed, rows, cols }];
    },
  );
}
