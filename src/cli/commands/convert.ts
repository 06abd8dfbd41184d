/**
 * `blo convert IN OUT`, by file extension:
 * - IN (.blo, .npy, .hspy, .zspy, .zarr, .tif/.tiff) → OUT.blo: a blockfile, with the writer's options;
 * - IN → OUT.npy: the data as a NumPy array (C order);
 * - FILE.blo → .hspy, .zspy, .zarr (HyperSpy's and Dask's own), .tif/.tiff (a stack), .png
 *   (the navigator, one pattern or a montage).
 * Everything streams with bounded memory; outputs appear only when complete.
 */
import { readFile } from 'node:fs/promises';
import { montage } from '../../display/montage.js';
import type { Axis, NumericArray } from '../../format/types.js';
import type { BlockfileWarning } from '../../format/errors.js';
import { writeFileAtomically } from '../../node/atomic-file.js';
import { exportHspy, exportTiffStack, exportZarr } from '../../node/export.js';
import { blockfileInput, hspyInput, npyInput, tiffInput, zarrInput, type FrameInput } from '../../node/import.js';
import { NpyFile } from '../../node/npy-file.js';
import { openBlockfile } from '../../node/open.js';
import { decodeNpy, encodeNpyHeader, npyItemSize } from '../../npy/npy.js';
import type { Blockfile } from '../../reader/blockfile.js';
import { gridOf } from '../../reader/geometry.js';
import type { IntensityScaling } from '../../writer/pixels.js';
import type { NavigatorImage } from '../../writer/signal-writer.js';
import { writeBlockfileFrames } from '../../node/write.js';
import { UsageError } from '../errors.js';
import { displayOptions, writeImages, type DisplayFlags } from '../image-output.js';
import { progressBar } from '../progress.js';
import { numberList, numberOption } from '../numbers.js';
import { warningPrinter } from '../warnings.js';

export interface ConvertOptions extends DisplayFlags {
  overwrite?: boolean;
  png?: string;
  frame?: string;
  every?: string;
  intensityScaling?: string;
  navigator?: string;
  bits?: string;
  scanStep?: string;
  calibration?: string;
}

function extension(path: string): string {
  return /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
}

export function parseScaling(text: string | undefined): IntensityScaling | undefined {
  if (text === undefined) return undefined;
  if (text === 'dtype' || text === 'minmax' || text === 'crop') return text;
  const range = text.split(',').length === 2 ? numberList('--intensity-scaling', text, { count: 2, form: 'LO,HI' }) : [];
  if (range.length !== 2 || range[0] > range[1]) {
    throw new UsageError(`--intensity-scaling must be dtype, minmax, crop or LO,HI with LO ≤ HI, got "${text}"`);
  }
  return [range[0], range[1]];
}

/** The axes after --scan-step (nm) and --calibration (cm per pixel). */
function calibrate(axes: readonly Axis[], options: ConvertOptions): Axis[] {
  const nav = axes.filter((a) => a.navigate);
  const out = axes.map((a) => ({ ...a }));
  if (options.scanStep !== undefined) {
    const steps = numberList('--scan-step', options.scanStep, { count: [1, 2], above: 0, form: 'NM or NMY,NMX' });
    const navOut = out.filter((a) => a.navigate);
    navOut.forEach((a, i) => {
      // One value for both directions; two as NMY,NMX.
      a.scale = steps.length === 1 ? steps[0] : steps[nav.length === 2 ? i : 1];
      a.units = 'nm';
    });
  }
  if (options.calibration !== undefined) {
    const cm = numberOption('--calibration', options.calibration, { above: 0 });
    for (const a of out.filter((a) => !a.navigate)) {
      a.scale = cm;
      a.units = 'cm';
    }
  }
  return out;
}

/**
 * The stored VBF of a .blo output: a blockfile input keeps its own by default
 * (the instrument's image, byte for byte); other inputs get the mean of each pattern.
 */
async function navigatorOption(
  text: string | undefined,
  input: FrameInput,
  from: { path: string; blockfile: boolean },
  fallback: (line: string) => void,
): Promise<'navigator' | 'mean' | 'keep' | null | NavigatorImage> {
  const fromBlockfile = from.blockfile;
  if (text === undefined) {
    if (!fromBlockfile) return 'navigator';
    if (input.description.storedNavigator) return 'keep';
    fallback(`${from.path}: the input's stored navigator is unavailable; the output stores the mean of each pattern instead`);
    return 'mean';
  }
  if (text === 'keep') {
    if (!fromBlockfile) throw new UsageError('--navigator keep needs a .blo input: other inputs have no stored navigator');
    if (!input.description.storedNavigator) throw new UsageError(`--navigator keep: the stored navigator of ${from.path} is unavailable (outside the file); use --navigator mean`);
    return 'keep';
  }
  if (text === 'mean') return 'mean';
  if (text === 'none') return null;
  if (extension(text) !== 'npy') throw new UsageError(`--navigator must be keep, mean, none or a .npy file, got "${text}"`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(text);
  } catch {
    throw new UsageError(`--navigator ${text}: no such file`);
  }
  try {
    const { header, data } = decodeNpy(bytes, text);
    return { data, shape: header.shape };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const INPUTS = ['blo', 'npy', 'hspy', 'zspy', 'zarr', 'tif', 'tiff'];
const FROM_BLOCKFILE = ['hspy', 'zspy', 'zarr', 'tif', 'tiff', 'png'];
const WRITER_FLAGS = ['intensityScaling', 'navigator', 'bits', 'scanStep', 'calibration'] as const;
const PNG_FLAGS = ['png', 'frame', 'every', 'cmap', 'scale', 'percentiles'] as const;

async function openInput(path: string, kind: string): Promise<FrameInput> {
  switch (kind) {
    case 'blo':
      return blockfileInput(await openBlockfile(path));
    case 'npy':
      return npyInput(await NpyFile.open(path));
    case 'hspy':
      return hspyInput(path);
    case 'zspy':
    case 'zarr':
      return zarrInput(path);
    default:
      return tiffInput(path);
  }
}

async function toBlockfile(
  input: FrameInput,
  from: { path: string; blockfile: boolean },
  output: string,
  options: ConvertOptions,
  warn: (line: string) => void,
  /** Called once the options are known good, so that a usage error stays the only line. */
  ready: () => void,
): Promise<BlockfileWarning[]> {
  const intensityScaling = parseScaling(options.intensityScaling);
  if (options.bits !== undefined && options.bits !== '8' && options.bits !== '16') throw new UsageError(`--bits must be 8 or 16, got "${options.bits}"`);
  // A 16-bit (format 1.3) blockfile stays 16-bit, through any format, unless told otherwise.
  const header = input.description.original_metadata?.blockfile_header;
  const wide = input.description.dtype === 'uint16' && Number(header?.MAGIC) === 0x0103 && intensityScaling === undefined;
  const bitDepth = options.bits === '16' || (options.bits === undefined && wide) ? 16 : 8;
  const notes: string[] = [];
  const navigatorSignal = await navigatorOption(options.navigator, input, from, (line) => notes.push(line));
  const description = { ...input.description, axes: calibrate(input.description.axes ?? [], options) };
  ready();
  for (const line of notes) warn(line);
  const bar = progressBar('writing');
  try {
    const warnings = await writeBlockfileFrames(output, description, input.frames, {
      intensityScaling,
      navigatorSignal,
      bitDepth,
      overwrite: options.overwrite,
      onProgress: (p) => bar.update(p.frames, p.totalFrames),
      reads: [from.path],
    });
    bar.stop();
    return warnings;
  } finally {
    bar.stop();
  }
}

async function toNpy(input: FrameInput, output: string, options: ConvertOptions): Promise<void> {
  const { shape, dtype } = input.description;
  const header = encodeNpyHeader(dtype, shape);
  const total = shape.reduce((a, b) => a * b, 1);
  const bar = progressBar('converting', 'values');
  try {
    await writeFileAtomically(output, options, async (sink) => {
      await sink.write(header, 0);
      let at = header.length;
      let done = 0;
      for await (const block of input.frames()) {
        await sink.write(new Uint8Array(block.buffer, block.byteOffset, block.byteLength), at);
        at += block.byteLength;
        done += block.length;
        bar.update(done, total);
      }
      if (at !== header.length + total * npyItemSize(dtype)) throw new Error(`${output}: the input ended early`);
    });
  } finally {
    bar.stop();
  }
}

async function toPng(bf: Blockfile, output: string, options: ConvertOptions): Promise<void> {
  const what = options.png ?? 'navigator';
  const display = displayOptions(options);
  const { patternRows: rows, patternCols: cols } = gridOf(bf.geometry);
  if (what === 'navigator') {
    const nav = await bf.navigator();
    await writeImages(output, [{ name: 'navigator', data: Float64Array.from(nav.data), rows: nav.shape[0], cols: nav.shape[1] }], { overwrite: options.overwrite, display });
  } else if (what === 'pattern') {
    // Scan positions count from 0, as everywhere else.
    const [y, x] = numberList('--frame', options.frame ?? '', { count: 2, integer: true, min: 0, form: 'Y,X' });
    const frame = await bf.frameAt(y, x);
    await writeImages(output, [{ name: 'pattern', data: Float64Array.from(frame), rows, cols }], { overwrite: options.overwrite, display });
  } else if (what === 'montage') {
    const every = options.every === undefined ? undefined : numberOption('--every', options.every, { integer: true, min: 1 });
    const m = await montage(bf, { every });
    await writeImages(output, [{ name: 'montage', data: m.values, rows: m.rows, cols: m.cols }], { overwrite: options.overwrite, display });
  } else {
    throw new UsageError(`--png must be navigator, pattern or montage, got "${what}"`);
  }
}

/** A finished results store of `--part` tasks → what the single-process command writes (.npy, .tiff, .png). */
async function resultsStore(input: string, output: string, to: string, options: ConvertOptions): Promise<void> {
  const { readPartStoreSpec } = await import('../../node/part-store.js');
  if ((await readPartStoreSpec(input))?.command === 'index') return orientationStore(input, output, to, options);
  if (!['npy', 'tif', 'tiff', 'png'].includes(to)) throw new UsageError(`cannot convert a results store to .${to}: write .npy, .tiff or .png`);
  const pngOnly = (['png', 'frame', 'every'] as const).filter((n) => options[n] !== undefined);
  const writerOnly = WRITER_FLAGS.filter((n) => options[n] !== undefined);
  if (pngOnly.length > 0 || writerOnly.length > 0) throw new UsageError(`--${[...pngOnly, ...writerOnly][0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} does not apply to a results store`);
  if (to !== 'png' && (['cmap', 'scale', 'percentiles'] as const).some((n) => options[n] !== undefined)) throw new UsageError('--cmap, --scale and --percentiles apply to .png output');
  const { partStoreImages } = await import('./parts.js');
  const images = await partStoreImages(input);
  await writeImages(output, images, { overwrite: options.overwrite, display: displayOptions(options) });
}

/** A finished results store of `blo index --part` tasks → the map files blo index writes. */
async function orientationStore(input: string, output: string, to: string, options: ConvertOptions): Promise<void> {
  if (!['ctf', 'ang', 'npy', 'png'].includes(to)) throw new UsageError(`cannot convert an orientation results store to .${to}: write .ctf, .ang, .npy or .png`);
  const given = (['png', 'frame', 'every', 'cmap', 'scale', 'percentiles', ...WRITER_FLAGS] as const).filter((n) => options[n] !== undefined);
  if (given.length > 0) throw new UsageError(`--${given[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} does not apply to an orientation results store`);
  const { convertIndexStore } = await import('./index-command.js');
  await convertIndexStore(input, output, { overwrite: options.overwrite });
}

export async function convertCommand(input: string, output: string, options: ConvertOptions, warn: (line: string) => void): Promise<void> {
  const from = extension(input);
  const to = extension(output);
  if (from === 'zarr' && (await import('../../node/part-store.js').then((m) => m.isPartStore(input)))) return resultsStore(input, output, to, options);
  const supported = INPUTS.includes(from) && (to === 'blo' || to === 'npy' || (from === 'blo' && FROM_BLOCKFILE.includes(to)));
  if (!supported) {
    throw new UsageError(
      `cannot convert .${from} to .${to}: .blo, .npy, .hspy, .zspy, .zarr and .tif inputs go to .blo or .npy; a .blo also goes to .hspy, .zspy, .zarr, .tif and .png`,
    );
  }
  const given = (names: readonly (keyof ConvertOptions)[]) => names.filter((n) => options[n] !== undefined);
  if (to !== 'blo' && given(WRITER_FLAGS).length > 0) throw new UsageError('--intensity-scaling, --navigator, --bits, --scan-step and --calibration apply to .blo output');
  if (to !== 'png' && given(PNG_FLAGS).length > 0) throw new UsageError('--png, --frame, --every, --cmap, --scale and --percentiles apply to .png output');
  if (from === 'npy' && to === 'npy') throw new UsageError('the input is already a .npy file');

  const report = warningPrinter(warn);
  if (to === 'blo' || to === 'npy') {
    const source = await openInput(input, from);
    try {
      const opened = () => report(source.warnings ?? []);
      const warnings =
        to === 'blo' ? await toBlockfile(source, { path: input, blockfile: from === 'blo' }, output, options, warn, opened) : (opened(), await toNpy(source, output, options), []);
      // Broken frame records are found while reading.
      report([...(source.warnings ?? []), ...warnings]);
    } finally {
      await source.close();
    }
    return;
  }
  const bf = await openBlockfile(input);
  try {
    report(bf.warnings);
    let warnings: BlockfileWarning[] = [];
    const bar = progressBar('converting');
    const onProgress = (p: { frames: number; totalFrames: number }) => bar.update(p.frames, p.totalFrames);
    try {
      if (to === 'hspy') warnings = await exportHspy(bf, output, { overwrite: options.overwrite, onProgress });
      else if (to === 'zspy' || to === 'zarr') warnings = await exportZarr(bf, output, to, { overwrite: options.overwrite, onProgress });
      else if (to === 'tif' || to === 'tiff') warnings = await exportTiffStack(bf, output, { overwrite: options.overwrite, onProgress });
      else await toPng(bf, output, options);
    } finally {
      bar.stop();
    }
    report([...bf.warnings, ...warnings]);
  } finally {
    await bf.close();
  }
}
