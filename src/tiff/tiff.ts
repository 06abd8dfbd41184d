/**
 * Baseline TIFF writing: grey-scale pages of unsigned integers or floats,
 * one strip each, uncompressed, little-endian, as tifffile and ImageJ read
 * them; BigTIFF when a stack passes 4 GiB. Several pages make a stack;
 * `TiffStackWriter` streams one.
 */
import type { ByteSink } from '../writer/sink.js';

export type TiffPixels = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;
export type TiffDtype = 'uint8' | 'uint16' | 'uint32' | 'float32' | 'float64';

/**
 * The physical size of the pixels (TIFF's XResolution, YResolution and
 * ResolutionUnit): pixels per unit along x and y, the unit centimetres or
 * none (a unit TIFF cannot name, given in the description instead).
 */
export interface TiffResolution {
  x: number;
  y: number;
  unit: 'none' | 'inch' | 'cm';
}

const RESOLUTION_UNIT = { none: 1, inch: 2, cm: 3 } as const;

/** A positive number as a TIFF RATIONAL: the largest denominator that keeps the numerator in 32 bits. */
export function toRational(v: number): [number, number] {
  if (!(v > 0) || !Number.isFinite(v) || v >= 2 ** 32) throw new RangeError(`a TIFF resolution must be positive and below 2³², got ${v}`);
  const den = Math.min(0xffffffff, Math.floor(0xffffffff / Math.max(1, v)));
  return [Math.max(1, Math.round(v * den)), den];
}

export interface TiffPage {
  data: TiffPixels;
  rows: number;
  cols: number;
}

const BYTES: Record<TiffDtype, number> = { uint8: 1, uint16: 2, uint32: 4, float32: 4, float64: 8 };
const SHORT = 3;
const LONG = 4;
const ASCII = 2;
const LONG8 = 16;
const RATIONAL = 5;

export function tiffDtypeOf(data: TiffPixels): TiffDtype {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint32Array) return 'uint32';
  return data instanceof Float32Array ? 'float32' : 'float64';
}

/** Where each page's IFD and data go in a stack of equal pages: classic TIFF, or BigTIFF past 4 GiB. */
class StackLayout {
  readonly text: Uint8Array | undefined;
  readonly resolution: TiffResolution | undefined;
  readonly pageBytes: number;
  readonly size: number;
  readonly big: boolean;
  readonly #firstData: number;
  readonly #stride: number;

  constructor(
    readonly pages: number,
    readonly rows: number,
    readonly cols: number,
    readonly dtype: TiffDtype,
    description?: string,
    format: 'auto' | 'classic' | 'big' = 'auto',
    resolution?: TiffResolution,
  ) {
    this.text = description ? new TextEncoder().encode(`${description}\0`) : undefined;
    this.resolution = resolution;
    this.pageBytes = rows * cols * BYTES[dtype];
    const sizeFor = (big: boolean) => {
      const firstData = align(this.#resolutionAt(big) + (resolution ? 16 : 0), 8);
      const stride = align(ifdSize(11, big), 8) + this.pageBytes;
      return { firstData, stride, size: firstData + this.pageBytes + (pages - 1) * stride };
    };
    const classic = sizeFor(false);
    this.big = format === 'big' || (format === 'auto' && classic.size > 0xffffffff);
    if (format === 'classic' && classic.size > 0xffffffff) throw new RangeError(`the TIFF would be ${classic.size} bytes, over the 4 GiB of classic TIFF`);
    const chosen = this.big ? sizeFor(true) : classic;
    this.#firstData = chosen.firstData;
    this.#stride = chosen.stride;
    this.size = chosen.size;
  }

  /** The first page's tags: 11, the description's slot, and the resolution's three. */
  #firstEntries(): number {
    return 12 + (this.resolution ? 3 : 0);
  }

  /** Where the two RATIONALs of the resolution go: after the description, on a word boundary. */
  #resolutionAt(big: boolean): number {
    return align(headerSize(big) + ifdSize(this.#firstEntries(), big) + (this.text?.length ?? 0), 2);
  }

  ifdAt(page: number): number {
    return page === 0 ? headerSize(this.big) : this.#firstData + this.pageBytes + (page - 1) * this.#stride;
  }

  dataAt(page: number): number {
    return page === 0 ? this.#firstData : this.ifdAt(page) + align(ifdSize(11, this.big), 8);
  }

  /** The header (page 0 only) and IFD of a page, to be written at `start`. */
  encodeHead(page: number): { start: number; bytes: Uint8Array } {
    const big = this.big;
    const start = page === 0 ? 0 : this.ifdAt(page);
    const end = this.dataAt(page);
    const bytes = new Uint8Array(end - start);
    const view = new DataView(bytes.buffer);
    const at = (absolute: number) => absolute - start;
    const offset = (where: number, value: number) => (big ? view.setBigUint64(where, BigInt(value), true) : view.setUint32(where, value, true));
    if (page === 0) {
      bytes.set([0x49, 0x49, big ? 43 : 42, 0]);
      if (big) {
        view.setUint16(4, 8, true);
        view.setBigUint64(8, BigInt(headerSize(true)), true);
      } else {
        view.setUint32(4, 8, true);
      }
    }
    const textAt = this.ifdAt(0) + ifdSize(this.#firstEntries(), big);
    const resolutionAt = this.#resolutionAt(big);
    const OFFSET = big ? LONG8 : LONG;
    const entries: [number, number, number, number][] = [
      [256, LONG, 1, this.cols],
      [257, LONG, 1, this.rows],
      [258, SHORT, 1, BYTES[this.dtype] * 8],
      [259, SHORT, 1, 1],
      [262, SHORT, 1, 1],
      [273, OFFSET, 1, this.dataAt(page)],
      [277, SHORT, 1, 1],
      [278, LONG, 1, this.rows],
      [279, OFFSET, 1, this.pageBytes],
      [284, SHORT, 1, 1],
      [339, SHORT, 1, this.dtype.startsWith('float') ? 3 : 1],
    ];
    if (page === 0 && this.text) entries.push([270, ASCII, this.text.length, textAt]);
    if (page === 0 && this.resolution) {
      entries.push([282, RATIONAL, 1, resolutionAt], [283, RATIONAL, 1, resolutionAt + 8], [296, SHORT, 1, RESOLUTION_UNIT[this.resolution.unit]]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const ifd = at(this.ifdAt(page));
    const entrySize = big ? 20 : 12;
    const first = ifd + (big ? 8 : 2);
    if (big) view.setBigUint64(ifd, BigInt(entries.length), true);
    else view.setUint16(ifd, entries.length, true);
    entries.forEach(([tag, type, count, value], k) => {
      const e = first + k * entrySize;
      view.setUint16(e, tag, true);
      view.setUint16(e + 2, type, true);
      if (big) view.setBigUint64(e + 4, BigInt(count), true);
      else view.setUint32(e + 4, count, true);
      const v = e + (big ? 12 : 8);
      if (type === SHORT) view.setUint16(v, value, true);
      else if (type === LONG) view.setUint32(v, value, true);
      else if (type === RATIONAL && big) {
        // BigTIFF holds an 8-byte RATIONAL in the entry itself.
        const [n, d] = toRational(tag === 282 ? this.resolution!.x : this.resolution!.y);
        view.setUint32(v, n, true);
        view.setUint32(v + 4, d, true);
      } else offset(v, value);
    });
    offset(first + entries.length * entrySize, page + 1 < this.pages ? this.ifdAt(page + 1) : 0);
    if (page === 0 && this.text) bytes.set(this.text, at(textAt));
    if (page === 0 && this.resolution && !big) {
      const [xn, xd] = toRational(this.resolution.x);
      const [yn, yd] = toRational(this.resolution.y);
      for (const [k, n] of [xn, xd, yn, yd].entries()) view.setUint32(at(resolutionAt) + 4 * k, n, true);
    }
    return { start, bytes };
  }
}

function headerSize(big: boolean): number {
  return big ? 16 : 8;
}

function ifdSize(entries: number, big: boolean): number {
  return big ? 8 + entries * 20 + 8 : 2 + entries * 12 + 4;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  // Typed arrays are in the host's byte order; every supported host is little-endian.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Encodes pages of one size and type into one TIFF file (classic TIFF: under 4 GiB), the pixel size in the first page's tags when given. */
export function encodeTiff(pages: readonly TiffPage[], description?: string, format: 'auto' | 'classic' | 'big' = 'auto', resolution?: TiffResolution): Uint8Array {
  if (pages.length === 0) throw new RangeError('a TIFF needs at least one page');
  const { rows, cols } = pages[0];
  const dtype = tiffDtypeOf(pages[0].data);
  pages.forEach((page, i) => {
    if (page.data.length !== page.rows * page.cols) throw new RangeError(`TIFF page ${i}: ${page.data.length} values for ${page.rows}×${page.cols}`);
    if (page.rows !== rows || page.cols !== cols || tiffDtypeOf(page.data) !== dtype) throw new RangeError(`TIFF page ${i}: pages must share size and type`);
  });
  const layout = new StackLayout(pages.length, rows, cols, dtype, description, format, resolution);
  const out = new Uint8Array(layout.size);
  pages.forEach((page, i) => {
    const head = layout.encodeHead(i);
    out.set(head.bytes, head.start);
    out.set(bytesOf(page.data), layout.dataAt(i));
  });
  return out;
}

/** Writes a stack page by page, in order, to a sink: memory stays at the pages given. */
export class TiffStackWriter {
  readonly #sink: ByteSink;
  readonly #layout: StackLayout;
  #written = 0;

  /** `format` 'auto' writes classic TIFF when it fits in 4 GiB, BigTIFF otherwise. */
  constructor(sink: ByteSink, init: { pages: number; rows: number; cols: number; dtype: TiffDtype; description?: string; format?: 'auto' | 'classic' | 'big' }) {
    this.#sink = sink;
    this.#layout = new StackLayout(init.pages, init.rows, init.cols, init.dtype, init.description, init.format);
  }

  get size(): number {
    return this.#layout.size;
  }

  /** Whether the file is BigTIFF (64-bit offsets). */
  get big(): boolean {
    return this.#layout.big;
  }

  /** Appends whole pages (a multiple of rows × cols values of the stack's type). */
  async writePages(values: TiffPixels): Promise<void> {
    const { pageBytes, pages } = this.#layout;
    const bytes = bytesOf(values);
    if (tiffDtypeOf(values) !== this.#layout.dtype || bytes.length % pageBytes !== 0) throw new RangeError(`pages must be whole ${this.#layout.dtype} pages`);
    const count = bytes.length / pageBytes;
    if (this.#written + count > pages) throw new RangeError(`more than the ${pages} pages of the stack`);
    if (count === 0) return;
    // Pages lie one after another (IFD, then data): one write for the whole run.
    const first = this.#written;
    const start = this.#layout.encodeHead(first).start;
    const end = this.#layout.dataAt(first + count - 1) + pageBytes;
    const out = new Uint8Array(end - start);
    for (let i = 0; i < count; i++) {
      const head = this.#layout.encodeHead(first + i);
      out.set(head.bytes, head.start - start);
      out.set(bytes.subarray(i * pageBytes, (i + 1) * pageBytes), this.#layout.dataAt(first + i) - start);
    }
    await this.#sink.write(out, start);
    this.#written += count;
  }

  finish(): void {
    if (this.#written !== this.#layout.pages) throw new RangeError(`only ${this.#written} of ${this.#layout.pages} pages were written`);
  }
}
