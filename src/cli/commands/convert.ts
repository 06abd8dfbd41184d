/**
 * `blo convert IN OUT`, by file extension:
 * - FILE.blo → OUT.npy: the data as a NumPy array (C order, the shape and dtype `info` reports);
 * - IN.npy or IN.blo → OUT.blo: a blockfile, with the writer's options.
 * Everything streams with bounded memory; outputs appear only when complete.
 */
import { readFile } from 'node:fs/promises';
import type { Axis, NumericArray } from '../../format/types.js';
import { writeFileAtomically } from '../../node/atomic-file.js';
import { NpyFile } from '../../node/npy-file.js';
import { openBlockfile } from '../../node/open.js';
import { decodeNpy, encodeNpyHeader } from '../../npy/npy.js';
import type { Blockfile } from '../../reader/blockfile.js';
import { defaultAxes, type SignalDescription } from '../../writer/header-from-signal.js';
import type { IntensityScaling, NumericDtype } from '../../writer/pixels.js';
import type { NavigatorImage } from '../../writer/signal-writer.js';
import { writeBlockfileFrames } from '../../node/write.js';
import { UsageError } from '../errors.js';
import { progressBar } from '../progress.js';

export interface ConvertOptions {
  overwrite?: boolean;
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
  const m = /^\s*(-?[\d.eE+-]+)\s*,\s*(-?[\d.eE+-]+)\s*$/.exec(text);
  const range = m ? [Number(m[1]), Number(m[2])] : [];
  if (range.length !== 2 || !range.every(Number.isFinite) || range[0] > range[1]) {
    throw new UsageError(`--intensity-scaling must be dtype, minmax, crop or LO,HI with LO ≤ HI, got "${text}"`);
  }
  return [range[0], range[1]];
}

function parseNumbers(name: string, text: string, count: number[]): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (!count.includes(values.length) || !values.every((v) => Number.isFinite(v) && v > 0)) {
    throw new UsageError(`${name} must be ${count.join(' or ')} positive number(s) separated by a comma, got "${text}"`);
  }
  return values;
}

/** The axes after --scan-step (nm) and --calibration (cm per pixel). */
function calibrate(axes: Axis[], options: ConvertOptions): Axis[] {
  const nav = axes.filter((a) => a.navigate);
  const out = axes.map((a) => ({ ...a }));
  if (options.scanStep !== undefined) {
    const steps = parseNumbers('--scan-step', options.scanStep, [1, 2]);
    const navOut = out.filter((a) => a.navigate);
    navOut.forEach((a, i) => {
      // One value for both directions; two as NMY,NMX.
      a.scale = steps.length === 1 ? steps[0] : steps[nav.length === 2 ? i : 1];
      a.units = 'nm';
    });
  }
  if (options.calibration !== undefined) {
    const [cm] = parseNumbers('--calibration', options.calibration, [1]);
    for (const a of out.filter((a) => !a.navigate)) {
      a.scale = cm;
      a.units = 'cm';
    }
  }
  return out;
}

/** What the writer needs of an input: a description and its frames, readable twice. */
interface FrameInput {
  description: SignalDescription & { dtype: NumericDtype };
  frames: () => AsyncIterable<NumericArray>;
}

function npyInput(npy: NpyFile, options: ConvertOptions): FrameInput {
  const shape = npy.header.shape;
  return {
    description: { shape, axes: calibrate(defaultAxes(shape), options), dtype: npy.header.dtype },
    frames: async function* () {
      for await (const block of npy.blocks()) yield block.data;
    },
  };
}

function blockfileInput(bf: Blockfile, options: ConvertOptions): FrameInput {
  return {
    description: {
      shape: bf.squeezedShape,
      axes: calibrate(bf.axes, options),
      metadata: bf.metadata,
      original_metadata: bf.originalMetadata,
      dtype: bf.dtype,
    },
    frames: async function* () {
      for await (const block of bf.blocks()) yield block.data as NumericArray;
    },
  };
}

async function navigatorOption(text: string | undefined): Promise<'navigator' | null | NavigatorImage> {
  if (text === undefined || text === 'mean') return 'navigator';
  if (text === 'none') return null;
  if (extension(text) !== 'npy') throw new UsageError(`--navigator must be mean, none or a .npy file, got "${text}"`);
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

async function toBlockfile(input: FrameInput, output: string, options: ConvertOptions, warn: (line: string) => void): Promise<void> {
  const intensityScaling = parseScaling(options.intensityScaling);
  if (options.bits !== undefined && options.bits !== '8' && options.bits !== '16') throw new UsageError(`--bits must be 8 or 16, got "${options.bits}"`);
  const bitDepth = options.bits === '16' ? 16 : 8;
  const navigatorSignal = await navigatorOption(options.navigator);
  const bar = progressBar('writing');
  try {
    const warnings = await writeBlockfileFrames(output, input.description, input.frames, {
      intensityScaling,
      navigatorSignal,
      bitDepth,
      overwrite: options.overwrite,
      onProgress: (p) => bar.update(p.frames, p.totalFrames),
    });
    bar.stop();
    for (const w of warnings) warn(w.message);
  } finally {
    bar.stop();
  }
}

async function toNpy(bf: Blockfile, output: string, options: ConvertOptions): Promise<void> {
  const header = encodeNpyHeader(bf.dtype, bf.squeezedShape);
  const bytesPerFrame = bf.geometry.pixelsPerFrame * bf.layout.bytesPerPixel;
  const bar = progressBar('converting');
  try {
    await writeFileAtomically(output, options, async (sink) => {
      await sink.write(header, 0);
      for await (const block of bf.blocks()) {
        const bytes = new Uint8Array(block.data.buffer, block.data.byteOffset, block.data.byteLength);
        await sink.write(bytes, header.length + block.start * bytesPerFrame);
        bar.update(block.start + block.count, bf.frameCount);
      }
    });
  } finally {
    bar.stop();
  }
}

export async function convertCommand(input: string, output: string, options: ConvertOptions, warn: (line: string) => void): Promise<void> {
  const from = extension(input);
  const to = extension(output);
  const supported = (from === 'blo' && to === 'npy') || ((from === 'npy' || from === 'blo') && to === 'blo');
  if (!supported) {
    throw new UsageError(`cannot convert .${from} to .${to}: supported are FILE.blo to OUT.npy, and IN.npy or IN.blo to OUT.blo`);
  }
  const writerOptions = options.intensityScaling ?? options.navigator ?? options.bits ?? options.scanStep ?? options.calibration;
  if (to === 'npy' && writerOptions !== undefined) throw new UsageError('--intensity-scaling, --navigator, --bits, --scan-step and --calibration apply to .blo output');
  if (from === 'npy') {
    const npy = await NpyFile.open(input);
    try {
      await toBlockfile(npyInput(npy, options), output, options, warn);
    } finally {
      await npy.close();
    }
    return;
  }
  const bf = await openBlockfile(input);
  try {
    for (const w of bf.warnings) warn(w.message);
    if (to === 'npy') await toNpy(bf, output, options);
    else await toBlockfile(blockfileInput(bf, options), output, options, warn);
  } finally {
    await bf.close();
  }
}

