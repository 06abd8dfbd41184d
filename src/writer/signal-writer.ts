/**
 * Writing signals of any numeric type as blockfiles, with RosettaSciIO's
 * options: `intensityScaling`, `navigatorSignal`, and 16-bit format 1.3.
 * `BlockfileWriter` takes frames one block at a time (data larger than
 * memory, conversions); `writeBlockfileTo` writes a signal held in memory.
 */
import { BlockfileError, type BlockfileWarning } from '../format/errors.js';
import type { NumericArray } from '../format/types.js';
import { headerFromSignal, type SignalDescription } from './header-from-signal.js';
import {
  castConverter,
  dtypeLimits,
  dtypeOf,
  frameMean,
  isFloat,
  minMax,
  rescaleConverter,
  type IntensityScaling,
  type NumericDtype,
  type PixelConverter,
} from './pixels.js';
import type { ByteSink } from './sink.js';
import { BlockfileStreamWriter, type WriteProgress } from './stream-writer.js';

/** An NY × NX image, as a typed array (checked by length) or with its shape (checked by shape). */
export type NavigatorImage = NumericArray | { data: NumericArray; shape: readonly number[] };

export interface WriteOptions {
  /** Without it, values are cast to uint8 (wrapping, with a warning for other types). */
  intensityScaling?: IntensityScaling;
  /**
   * The stored VBF: `'navigator'` (default: the signal's own `navigator`,
   * else the mean of each pattern), `'mean'` (the mean of each pattern),
   * `'keep'` (the input blockfile's stored VBF, byte for byte: the
   * description's `storedNavigator`), `null` (zeros), or an NY × NX image.
   * Except for `'keep'` it goes through the same intensity scaling as the data.
   */
  navigatorSignal?: 'navigator' | 'mean' | 'keep' | null | NavigatorImage;
  /** 16 writes format 1.3 with uint16 pixels, unscaled. Default 8. */
  bitDepth?: 8 | 16;
  onProgress?: (progress: WriteProgress) => void;
  signal?: AbortSignal;
}

/** What the writer needs besides the frames: shape, axes, metadata, the frames' type, and navigators it may store. */
export type WriterDescription = SignalDescription & {
  dtype: NumericDtype;
  /** A navigator computed earlier (HyperSpy's `_sig_navigator`), NY × NX. */
  navigator?: NavigatorImage;
  /** The input blockfile's stored VBF (NY × NX uint8), for `navigatorSignal: 'keep'`; read when the file is finished. */
  storedNavigator?: () => Promise<Uint8Array>;
};

/** A signal dictionary to write: data of any numeric type in C order with its shape. */
export interface WritableSignal extends SignalDescription {
  data: NumericArray;
  /** A navigator computed earlier (HyperSpy's `_sig_navigator`), NY × NX. */
  navigator?: NavigatorImage;
  /** A stored VBF to keep byte for byte (`navigatorSignal: 'keep'`). */
  storedNavigator?: () => Promise<Uint8Array>;
}

interface Conversion {
  convert: PixelConverter;
  /** The input range mapped onto 0–255, when scaling. */
  inRange?: [number, number];
}

function resolveConversion(
  scaling: IntensityScaling | undefined,
  dtype: NumericDtype,
  bits: 8 | 16,
  minmax: (() => [number, number]) | undefined,
  target: string,
  warnings: BlockfileWarning[],
): Conversion {
  if (bits === 16) {
    if (scaling !== undefined) {
      throw new BlockfileError('BAD_OPTION', target, '16-bit blockfiles store pixels unscaled: intensityScaling applies to 8-bit output only');
    }
    if (dtype !== 'uint16' && dtype !== 'uint8') {
      warnings.push({ code: 'OVERFLOW', message: `${target}: Data does not have uint16 dtype: values outside the range 0-65535 may result in overflow.` });
    }
    return { convert: castConverter(dtype, 16) };
  }
  let inRange: [number, number];
  if (scaling === undefined) {
    if (dtype !== 'uint8') {
      warnings.push({
        code: 'OVERFLOW',
        message: `${target}: Data does not have uint8 dtype: values outside the range 0-255 may result in overflow. To avoid this use the 'intensity_scaling' keyword argument.`,
      });
    }
    return { convert: castConverter(dtype, 8) };
  } else if (scaling === 'dtype') {
    if (isFloat(dtype)) throw new BlockfileError('BAD_OPTION', target, "Signals with float dtype can not use 'dtype' intensity scaling");
    inRange = dtypeLimits(dtype);
  } else if (scaling === 'minmax') {
    if (!minmax) throw new BlockfileError('BAD_OPTION', target, "'minmax' scaling needs the data's minimum and maximum");
    inRange = minmax();
  } else if (scaling === 'crop') {
    inRange = [0, 255];
  } else if (Array.isArray(scaling) && scaling.length === 2 && scaling.every((v) => Number.isFinite(v)) && scaling[0] <= scaling[1]) {
    inRange = [scaling[0], scaling[1]];
  } else {
    throw new BlockfileError('BAD_OPTION', target, `intensityScaling must be 'dtype', 'minmax', 'crop' or [lo, hi] with lo ≤ hi, got ${JSON.stringify(scaling)}`);
  }
  return { convert: rescaleConverter(dtype, inRange[0], inRange[1]), inRange };
}

/** Streams frames of any numeric type into a blockfile. */
export class BlockfileWriter {
  readonly warnings: BlockfileWarning[];
  readonly #writer: BlockfileStreamWriter;
  readonly #conversion: Conversion;
  readonly #dtype: NumericDtype;
  readonly #bits: 8 | 16;
  readonly #pixels: number;
  readonly #frameCount: number;
  readonly #navigator: NavigatorImage | null | 'mean' | { keep: () => Promise<Uint8Array> };
  readonly #means: Float32Array | Float64Array | undefined;
  readonly #target: string;
  #frames = 0;
  #scratch: Uint8Array | Uint16Array;

  /**
   * `description` gives shape, axes and metadata; `dtype` the type of the
   * frames to come. For `'minmax'` scaling pass `minmax` (a first pass over
   * the data). `navigator` is what `navigatorSignal` resolved to.
   */
  constructor(
    sink: ByteSink,
    description: WriterDescription,
    options: WriteOptions & { minmax?: [number, number] } = {},
  ) {
    this.#target = sink.name;
    const plan = headerFromSignal(description, sink.name);
    this.warnings = [...plan.warnings];
    this.#dtype = description.dtype;
    this.#bits = options.bitDepth ?? 8;
    if (this.#bits !== 8 && this.#bits !== 16) throw new BlockfileError('BAD_OPTION', sink.name, `bitDepth must be 8 or 16, got ${this.#bits}`);
    const minmax = options.minmax;
    this.#conversion = resolveConversion(options.intensityScaling, this.#dtype, this.#bits, minmax && (() => minmax), sink.name, this.warnings);
    this.#pixels = plan.dpSize * plan.dpSize;
    this.#frameCount = plan.nx * plan.ny;
    const choice = options.navigatorSignal === undefined ? 'navigator' : options.navigatorSignal;
    if (choice === 'keep') {
      if (!description.storedNavigator) {
        throw new BlockfileError('BAD_OPTION', sink.name, "navigatorSignal 'keep' needs a blockfile input with a readable stored navigator");
      }
      this.#navigator = { keep: description.storedNavigator };
    } else {
      this.#navigator = choice === 'navigator' ? (description.navigator ?? 'mean') : choice;
      if (this.#navigator !== null && this.#navigator !== 'mean') this.#checkNavigator(this.#navigator, plan.ny, plan.nx);
    }
    this.#means = this.#navigator === 'mean' ? (this.#dtype === 'float32' ? new Float32Array(this.#frameCount) : new Float64Array(this.#frameCount)) : undefined;
    this.#writer = new BlockfileStreamWriter(sink, {
      nx: plan.nx,
      ny: plan.ny,
      dpSize: plan.dpSize,
      bits: this.#bits,
      header: plan.header,
      note: plan.note,
      navigator: 'zeros',
      onProgress: options.onProgress,
      signal: options.signal,
    });
    if (this.#writer.plan.noteTruncated) {
      this.warnings.push({ code: 'NOTE_TRUNCATED', message: `${sink.name}: the note was cut to the ${this.#writer.plan.noteBytes.length} bytes that fit` });
    }
    this.#scratch = this.#bits === 16 ? new Uint16Array(0) : new Uint8Array(0);
  }

  #checkNavigator(nav: NavigatorImage, ny: number, nx: number): void {
    const data = ArrayBuffer.isView(nav) ? nav : nav.data;
    let ok = data.length === ny * nx;
    if (ok && !ArrayBuffer.isView(nav)) {
      // Compared squeezed, as a line scan's navigator may be [NX] or [1, NX].
      const given = nav.shape.filter((n) => n !== 1);
      const wanted = [ny, nx].filter((n) => n !== 1);
      ok = given.length === wanted.length && given.every((n, i) => n === wanted[i]);
    }
    if (!ok) {
      const shape = ArrayBuffer.isView(nav) ? `${nav.length} values` : `shape [${nav.shape.join(', ')}]`;
      throw new BlockfileError(
        'BAD_OPTION',
        this.#target,
        `Size of the provided navigator (${shape}) does not match the navigation dimensions of the dataset (${ny}×${nx})`,
      );
    }
  }

  /** Frames the scan holds. */
  get frameCount(): number {
    return this.#frameCount;
  }

  /** Frames written so far. */
  get framesWritten(): number {
    return this.#frames;
  }

  /** Appends whole frames (multiples of DP² values of the declared type) in scan order. */
  async writeFrames(values: NumericArray): Promise<void> {
    if (dtypeOf(values) !== this.#dtype || values.length % this.#pixels !== 0) {
      throw new BlockfileError('BAD_OPTION', this.#target, `frames must be whole ${this.#dtype} frames of ${this.#pixels} values`);
    }
    const count = values.length / this.#pixels;
    if (this.#scratch.length < values.length) this.#scratch = this.#bits === 16 ? new Uint16Array(values.length) : new Uint8Array(values.length);
    const out = this.#scratch.subarray(0, values.length) as Uint8Array | Uint16Array;
    this.#conversion.convert(values, 0, out, 0, values.length);
    if (this.#means) {
      for (let i = 0; i < count && this.#frames + i < this.#frameCount; i++) {
        this.#means[this.#frames + i] = frameMean(values, i * this.#pixels, this.#pixels, this.#dtype);
      }
    }
    await this.#writer.writeFrames(out);
    this.#frames += count;
  }

  /** Writes the navigator image; call once every frame is written. */
  async finish(): Promise<BlockfileWarning[]> {
    await this.#writer.finish(await this.#navigatorImage());
    return this.warnings;
  }

  async #navigatorImage(): Promise<Uint8Array> {
    const image = new Uint8Array(this.#frameCount);
    const nav = this.#navigator;
    if (nav === null) return image; // zeros, really: not scaled (HyperSpy 1.7.3 scales them)
    if (typeof nav === 'object' && 'keep' in nav) {
      const stored = await nav.keep();
      if (stored.length !== this.#frameCount) {
        throw new BlockfileError('BAD_OPTION', this.#target, `the stored navigator to keep has ${stored.length} values, the scan ${this.#frameCount}`);
      }
      return stored;
    }
    const values: NumericArray = nav === 'mean' ? this.#means! : ArrayBuffer.isView(nav) ? nav : (nav as { data: NumericArray }).data;
    const dtype = dtypeOf(values);
    let convert: PixelConverter;
    if (this.#bits === 16) {
      // A 16-bit file's VBF is still uint8: means map from 0–65535; an image given in uint8 is kept.
      convert = dtype === 'uint8' ? castConverter('uint8', 8) : rescaleConverter(dtype, 0, 65535);
    } else if (this.#conversion.inRange) {
      convert = rescaleConverter(dtype, ...this.#conversion.inRange);
    } else {
      convert = castConverter(dtype, 8);
    }
    convert(values, 0, image, 0, this.#frameCount);
    return image;
  }
}

/** Frames converted and written per block: a few MB whatever the data size. */
const BLOCK_VALUES = 4 * 1024 * 1024;

/** Writes a signal held in memory (the reader's signal dictionary, or any data with a shape). */
export async function writeBlockfileTo(sink: ByteSink, signal: WritableSignal, options: WriteOptions = {}): Promise<BlockfileWarning[]> {
  const expected = signal.shape.reduce((a, b) => a * b, 1);
  if (signal.data.length !== expected) {
    throw new BlockfileError('BAD_OPTION', sink.name, `data has ${signal.data.length} values, its shape [${signal.shape.join(', ')}] says ${expected}`);
  }
  const dtype = dtypeOf(signal.data);
  const minmax = options.intensityScaling === 'minmax' ? minMax(signal.data) : undefined;
  const writer = new BlockfileWriter(sink, { ...signal, dtype }, { ...options, minmax });
  const pixels = signal.shape.length >= 2 ? signal.shape[signal.shape.length - 1] * signal.shape[signal.shape.length - 2] : 1;
  const perBlock = Math.max(1, Math.floor(BLOCK_VALUES / pixels)) * pixels;
  for (let at = 0; at < signal.data.length; at += perBlock) {
    await writer.writeFrames(signal.data.subarray(at, Math.min(signal.data.length, at + perBlock)) as NumericArray);
  }
  return writer.finish();
}

/** Blocks of whole frames in scan order; a function when they can be iterated again (needed for a 'minmax' first pass). */
export type FrameStream = AsyncIterable<NumericArray> | (() => AsyncIterable<NumericArray>);

/** Minimum and maximum over every value of a stream: the first pass of streaming 'minmax' scaling. */
export async function streamMinMax(frames: AsyncIterable<NumericArray>): Promise<[number, number]> {
  let lo = Infinity;
  let hi = -Infinity;
  for await (const block of frames) {
    if (block.length === 0) continue;
    const [a, b] = minMax(block);
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  return [lo, hi];
}

/**
 * Writes a signal whose data comes as a stream of frame blocks, for data
 * larger than memory and for conversions: `description` gives the shape,
 * dtype, axes and metadata. With `'minmax'` scaling the stream is read twice
 * (pass a function returning a fresh iterable), unless `minmax` is given.
 */
export async function writeFrameStreamTo(
  sink: ByteSink,
  description: WriterDescription,
  frames: FrameStream,
  options: WriteOptions & { minmax?: [number, number] } = {},
): Promise<BlockfileWarning[]> {
  const iterate = typeof frames === 'function' ? frames : () => frames;
  let minmax = options.minmax;
  if (options.intensityScaling === 'minmax' && minmax === undefined && options.bitDepth !== 16) {
    if (typeof frames !== 'function') {
      throw new BlockfileError('BAD_OPTION', sink.name, "'minmax' scaling of a stream reads it twice: pass a function returning the frames, or the minmax option");
    }
    minmax = await streamMinMax(iterate());
  }
  const writer = new BlockfileWriter(sink, description, { ...options, minmax });
  for await (const block of iterate()) await writer.writeFrames(block);
  const expected = writer.frameCount;
  if (writer.framesWritten !== expected) {
    throw new BlockfileError('BAD_OPTION', sink.name, `the stream ended after ${writer.framesWritten} of ${expected} frames`);
  }
  return writer.finish();
}
