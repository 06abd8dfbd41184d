/**
 * Baseline TIFF writing: grey-scale pages of unsigned integers or floats,
 * one strip each, uncompressed, little-endian, as tifffile and ImageJ read
 * them. Several pages make a stack.
 */

export type TiffPixels = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

export interface TiffPage {
  data: TiffPixels;
  rows: number;
  cols: number;
}

const TAG = {
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  SampleFormat: 339,
} as const;

const SHORT = 3;
const LONG = 4;
const ASCII = 2;

/** Encodes pages into one TIFF file (classic TIFF: under 4 GiB). `description` goes into the first page. */
export function encodeTiff(pages: readonly TiffPage[], description?: string): Uint8Array {
  if (pages.length === 0) throw new RangeError('a TIFF needs at least one page');
  const text = description ? new TextEncoder().encode(`${description}\0`) : undefined;
  const entriesPerPage = (first: boolean) => 11 + (first && text ? 1 : 0);
  let size = 8;
  const layout = pages.map((page, i) => {
    if (page.data.length !== page.rows * page.cols) throw new RangeError(`TIFF page ${i}: ${page.data.length} values for ${page.rows}×${page.cols}`);
    const ifd = size;
    const ifdBytes = 2 + entriesPerPage(i === 0) * 12 + 4;
    const textAt = ifd + ifdBytes;
    const dataAt = align(textAt + (i === 0 && text ? text.length : 0), 8);
    size = dataAt + page.data.byteLength;
    return { ifd, textAt, dataAt };
  });
  if (size > 0xffffffff) throw new RangeError(`the TIFF would be ${size} bytes, over the 4 GiB of classic TIFF`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, layout[0].ifd, true);
  pages.forEach((page, i) => {
    const { ifd, textAt, dataAt } = layout[i];
    const bits = page.data.BYTES_PER_ELEMENT * 8;
    const format = page.data instanceof Float32Array || page.data instanceof Float64Array ? 3 : 1;
    const entries: [number, number, number][] = [
      [TAG.ImageWidth, LONG, page.cols],
      [TAG.ImageLength, LONG, page.rows],
      [TAG.BitsPerSample, SHORT, bits],
      [TAG.Compression, SHORT, 1],
      [TAG.Photometric, SHORT, 1],
      [TAG.StripOffsets, LONG, dataAt],
      [TAG.SamplesPerPixel, SHORT, 1],
      [TAG.RowsPerStrip, LONG, page.rows],
      [TAG.StripByteCounts, LONG, page.data.byteLength],
      [TAG.PlanarConfiguration, SHORT, 1],
      [TAG.SampleFormat, SHORT, format],
    ];
    if (i === 0 && text) entries.push([TAG.ImageDescription, ASCII, textAt]);
    entries.sort((a, b) => a[0] - b[0]);
    view.setUint16(ifd, entries.length, true);
    entries.forEach(([tag, type, value], k) => {
      const at = ifd + 2 + k * 12;
      view.setUint16(at, tag, true);
      view.setUint16(at + 2, type, true);
      view.setUint32(at + 4, type === ASCII ? text!.length : 1, true);
      if (type === SHORT) view.setUint16(at + 8, value, true);
      else view.setUint32(at + 8, value, true);
    });
    view.setUint32(ifd + 2 + entries.length * 12, i + 1 < pages.length ? layout[i + 1].ifd : 0, true);
    if (i === 0 && text) out.set(text, textAt);
    // Typed arrays are in the host's byte order; every supported host is little-endian.
    out.set(new Uint8Array(page.data.buffer, page.data.byteOffset, page.data.byteLength), dataAt);
  });
  return out;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
