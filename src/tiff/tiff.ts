/**
 * Baseline TIFF writing: grey-scale pages of unsigned integers or floats,
 * one strip each, uncompressed, little-endian, as tifffile and ImageJ read
 * them. Several pages make a stack; `TiffStackWriter` streams one.
 */
import type { ByteSink } from '../writer/sink.js';

export type TiffPixels = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;
export type TiffDtype = 'uint8' | 'uint16' | 'uint32' | 'float32' | 'float64';

export interface TiffPage {
  data: TiffPixels;
  rows: number;
  cols: number;
}

const BYTES: Record<TiffDtype, number> = { uint8: 1, uint16: 2, uint32: 4, float32: 4, float64: 8 };
const SHORT = 3;
const LONG = 4;
const ASCII = 2;

export function tiffDtypeOf(data: TiffPixels): TiffDtype {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint32Array) return 'uint32';
  return data instanceof Float32Array ? 'float32' : 'float64';
}

/** Where each page's IFD and data go in a stack of equal pages. */
class StackLayout {
  readonly text: Uint8Array | undefined;
  readonly pageBytes: number;
  readonly size: number;
  readonly #first: number;
  readonly #stride: number;

  constructor(
    readonly pages: number,
    readonly rows: number,
    readonly cols: number,
    readonly dtype: TiffDtype,
    description?: string,
  ) {
    this.text = description ? new TextEncoder().encode(`${description}\0`) : undefined;
    this.pageBytes = rows * cols * BYTES[dtype];
    // The first page: IFD with one more entry, the description, then data (8-byte aligned).
    this.#first = align(8 + ifdSize(12) + (this.text?.length ?? 0), 8) + this.pageBytes;
    this.#stride = align(ifdSize(11), 8) + this.pageBytes;
    this.size = 8 + (this.#first - 8) + (pages - 1) * this.#stride;
    if (this.size > 0xffffffff) throw new RangeError(`the TIFF would be ${this.size} bytes, over the 4 GiB of classic TIFF`);
  }

  ifdAt(page: number): number {
    return page === 0 ? 8 : align(8 + ifdSize(12) + (this.text?.length ?? 0), 8) + this.pageBytes + (page - 1) * this.#stride;
  }

  dataAt(page: number): number {
    return page === 0 ? align(8 + ifdSize(12) + (this.text?.length ?? 0), 8) : this.ifdAt(page) + align(ifdSize(11), 8);
  }

  /** The header (page 0 only) and IFD of a page, to be written at `start`. */
  encodeHead(page: number): { start: number; bytes: Uint8Array } {
    const start = page === 0 ? 0 : this.ifdAt(page);
    const end = this.dataAt(page);
    const bytes = new Uint8Array(end - start);
    const view = new DataView(bytes.buffer);
    const at = (absolute: number) => absolute - start;
    if (page === 0) {
      bytes.set([0x49, 0x49, 42, 0]);
      view.setUint32(4, 8, true);
    }
    const textAt = this.ifdAt(0) + ifdSize(12);
    const entries: [number, number, number, number][] = [
      [256, LONG, 1, this.cols],
      [257, LONG, 1, this.rows],
      [258, SHORT, 1, BYTES[this.dtype] * 8],
      [259, SHORT, 1, 1],
      [262, SHORT, 1, 1],
      [273, LONG, 1, this.dataAt(page)],
      [277, SHORT, 1, 1],
      [278, LONG, 1, this.rows],
      [279, LONG, 1, this.pageBytes],
      [284, SHORT, 1, 1],
      [339, SHORT, 1, this.dtype.startsWith('float') ? 3 : 1],
    ];
    if (page === 0 && this.text) entries.push([270, ASCII, this.text.length, textAt]);
    entries.sort((a, b) => a[0] - b[0]);
    const ifd = at(this.ifdAt(page));
    view.setUint16(ifd, entries.length, true);
    entries.forEach(([tag, type, count, value], k) => {
      const e = ifd + 2 + k * 12;
      view.setUint16(e, tag, true);
      view.setUint16(e + 2, type, true);
      view.setUint32(e + 4, count, true);
      if (type === SHORT) view.setUint16(e + 8, value, true);
      else view.setUint32(e + 8, value, true);
    });
    view.setUint32(ifd + 2 + entries.length * 12, page + 1 < this.pages ? this.ifdAt(page + 1) : 0, true);
    if (page === 0 && this.text) bytes.set(this.text, at(textAt));
    return { start, bytes };
  }
}

function ifdSize(entries: number): number {
  return 2 + entries * 12 + 4;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  // Typed arrays are in the host's byte order; every supported host is little-endian.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Encodes pages of one size and type into one TIFF file (classic TIFF: under 4 GiB). */
export function encodeTiff(pages: readonly TiffPage[], description?: string): Uint8Array {
  if (pages.length === 0) throw new RangeError('a TIFF needs at least one page');
  const { rows, cols } = pages[0];
  const dtype = tiffDtypeOf(pages[0].data);
  pages.forEach((page, i) => {
    if (page.data.length !== page.rows * page.cols) throw new RangeError(`TIFF page ${i}: ${page.data.length} values for ${page.rows}×${page.cols}`);
    if (page.rows !== rows || page.cols !== cols || tiffDtypeOf(page.data) !== dtype) throw new RangeError(`TIFF page ${i}: pages must share size and type`);
  });
  const layout = new StackLayout(pages.length, rows, cols, dtype, description);
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

  constructor(sink: ByteSink, init: { pages: number; rows: number; cols: number; dtype: TiffDtype; description?: string }) {
    this.#sink = sink;
    this.#layout = new StackLayout(init.pages, init.rows, init.cols, init.dtype, init.description);
  }

  get size(): number {
    return this.#layout.size;
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
