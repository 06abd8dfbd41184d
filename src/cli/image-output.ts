/** Writing images (virtual images, patterns, maps) as .npy, .tiff or .png, safely. */
import { encode } from 'fast-png';
import { basename, dirname, extname, join } from 'node:path';
import { COLORMAP_NAMES, renderRgba, type ColormapName, type DisplayOptions } from '../display/render.js';
import { checkTarget, writeFileAtomically } from '../node/atomic-file.js';
import { encodeNpyHeader } from '../npy/npy.js';
import { encodeTiff } from '../tiff/tiff.js';
import { UsageError } from './errors.js';

export interface NamedImage {
  /** Names the file of this image when several go to PNG: OUT-NAME.png. */
  name: string;
  data: Float64Array | Uint8Array;
  rows: number;
  cols: number;
  /** Already in colour (a picture with its key, say): written as is, and only to PNG. */
  picture?: { width: number; height: number; rgb: Uint8Array };
}

/** The CLI's display options, as given. */
export interface DisplayFlags {
  cmap?: string;
  scale?: string;
  /** The gamma exponent alone: `--gamma G` is `--scale gamma:G`. */
  gamma?: string;
  percentiles?: string;
}

export const IMAGE_EXTENSIONS = ['npy', 'tif', 'tiff', 'png'];

export function outputKind(path: string): 'npy' | 'tiff' | 'png' {
  const ext = extname(path).slice(1).toLowerCase();
  if (!IMAGE_EXTENSIONS.includes(ext)) throw new UsageError(`cannot write ${path}: use a .npy, .tiff or .png file`);
  return ext === 'tif' ? 'tiff' : (ext as 'npy' | 'tiff' | 'png');
}

/** The G of `--scale gamma:G`, if given. */
function scaleGamma(scale: string | undefined): number | undefined {
  const m = /^gamma:([\d.]+)$/.exec(scale ?? '');
  return m ? Number(m[1]) : undefined;
}

export function displayOptions(flags: DisplayFlags): DisplayOptions {
  const options: DisplayOptions = {};
  if (flags.cmap !== undefined) {
    if (!(COLORMAP_NAMES as readonly string[]).includes(flags.cmap)) throw new UsageError(`--cmap must be one of ${COLORMAP_NAMES.join(', ')}, got "${flags.cmap}"`);
    options.cmap = flags.cmap as ColormapName;
  }
  if (flags.scale !== undefined) {
    const m = /^(linear|log|gamma)(?::([\d.]+))?$/.exec(flags.scale);
    if (!m || (m[2] !== undefined && !(Number(m[2]) > 0))) throw new UsageError(`--scale must be linear, log, gamma or gamma:G, got "${flags.scale}"`);
    options.scale = m[1] as DisplayOptions['scale'];
    if (m[2] !== undefined) options.gamma = Number(m[2]);
  }
  if (flags.gamma !== undefined) {
    const g = Number(flags.gamma);
    if (!(g > 0) || !Number.isFinite(g) || flags.gamma.trim() === '') throw new UsageError(`--gamma must be a number above 0, got "${flags.gamma}"`);
    if (options.scale && options.scale !== 'gamma') throw new UsageError(`--gamma goes with --scale gamma (or alone), not --scale ${options.scale}`);
    if (scaleGamma(flags.scale) !== undefined && scaleGamma(flags.scale) !== g) throw new UsageError(`--gamma ${flags.gamma} and --scale ${flags.scale} disagree`);
    options.scale = 'gamma';
    options.gamma = g;
  }
  if (flags.percentiles !== undefined) {
    const p = flags.percentiles.split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
    if (p.length !== 2 || !p.every((v) => v >= 0 && v <= 100) || p[0] >= p[1]) {
      throw new UsageError(`--percentiles must be LO,HI with 0 ≤ LO < HI ≤ 100, got "${flags.percentiles}"`);
    }
    options.percentiles = [p[0], p[1]];
  }
  return options;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytesOf(data: Float64Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function png(image: NamedImage, display: DisplayOptions): Uint8Array {
  if (image.picture) {
    const { width, height, rgb } = image.picture;
    return encode({ width, height, data: rgb, depth: 8, channels: 3 });
  }
  const { rgba } = renderRgba(image.data, display);
  if ((display.cmap ?? 'gray') === 'gray') {
    const grey = new Uint8Array(image.rows * image.cols);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4];
    return encode({ width: image.cols, height: image.rows, data: grey, depth: 8, channels: 1 });
  }
  const rgb = new Uint8Array(image.rows * image.cols * 3);
  for (let i = 0; i < image.rows * image.cols; i++) rgb.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
  return encode({ width: image.cols, height: image.rows, data: rgb, depth: 8, channels: 3 });
}

/**
 * Writes `images` (all the same size and type) to `output`: one array or a
 * stack in .npy, one page each in .tiff, one PNG each (OUT-NAME.png when
 * several) with the display options. Returns the paths written.
 */
export async function writeImages(output: string, images: NamedImage[], options: { overwrite?: boolean; display?: DisplayOptions }): Promise<string[]> {
  const kind = outputKind(output);
  const { rows, cols } = images[0];
  const dtype = images[0].data instanceof Uint8Array ? 'uint8' : 'float64';
  const files: [string, Uint8Array][] = [];
  const picture = images.find((i) => i.picture);
  if (picture && kind !== 'png') throw new UsageError(`${picture.name} is a picture: write it to a .png`);
  if (kind === 'npy') {
    const shape = images.length === 1 ? [rows, cols] : [images.length, rows, cols];
    files.push([output, concat(encodeNpyHeader(dtype, shape), ...images.map((i) => bytesOf(i.data)))]);
  } else if (kind === 'tiff') {
    const description = images.length > 1 ? `images: ${images.map((i) => i.name).join(', ')}` : images[0].name;
    files.push([output, encodeTiff(images.map((i) => ({ data: i.data, rows, cols })), description)]);
  } else if (images.length === 1) {
    files.push([output, png(images[0], options.display ?? {})]);
  } else {
    const stem = basename(output, extname(output));
    for (const image of images) files.push([join(dirname(output), `${stem}-${image.name}${extname(output)}`), png(image, options.display ?? {})]);
  }
  // Refuse before writing anything, so that a set is never half replaced by mistake.
  for (const [path] of files) await checkTarget(path, options);
  for (const [path, bytes] of files) await writeFileAtomically(path, options, (sink) => sink.write(bytes, 0));
  return files.map(([path]) => path);
}
