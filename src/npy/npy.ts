/**
 * NumPy .npy files (format 1.0/2.0): header encoding and parsing. Pure:
 * bytes in, values out; streaming is the caller's.
 */

export type NpyDtype = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64' | 'int64' | 'uint64';

const DESCR: Record<NpyDtype, string> = {
  uint8: '|u1',
  int8: '|i1',
  uint16: '<u2',
  int16: '<i2',
  uint32: '<u4',
  int32: '<i4',
  float32: '<f4',
  float64: '<f8',
  int64: '<i8',
  uint64: '<u8',
};

/** numpy's type string of a dtype ('|u1', '<f8', …), as .npy headers and Zarr 2 metadata write it. */
export function numpyTypestr(dtype: NpyDtype): string {
  return DESCR[dtype];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function shapeTuple(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** The header of a C-order .npy file of `dtype` and `shape`; the data follows it directly. */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeTuple(shape)}, }`;
  // Version 1.0 holds a header of up to 65535 bytes; the total is padded to 64 bytes.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const bytes = new Uint8Array(total);
  bytes.set(MAGIC);
  bytes[6] = 1;
  bytes[7] = 0;
  new DataView(bytes.buffer).setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) bytes[10 + i] = dict.charCodeAt(i);
  return bytes;
}

export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  fortranOrder: boolean;
  /** Byte offset of the data. */
  dataOffset: number;
}

/** Parses a .npy header from the file's first bytes (at least the whole header). */
export function parseNpyHeader(bytes: Uint8Array, file = 'input.npy'): NpyHeader {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw new Error(`${file}: not a NumPy .npy file`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start + headerLength) throw new Error(`${file}: .npy header is cut short`);
  const text = String.fromCharCode(...bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${file}: unreadable .npy header ${JSON.stringify(text.trim())}`);
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((d) => DESCR[d] === descr || DESCR[d].replace('|', '<') === descr);
  if (!dtype) throw new Error(`${file}: unsupported .npy dtype ${descr} (little-endian integers and floats only)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new Error(`${file}: bad .npy shape (${shapeText})`);
  return { dtype, shape, fortranOrder: fortran === 'True', dataOffset: start + headerLength };
}

type NpyArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

const CONSTRUCTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
} as const;

/** Bytes per value of a .npy dtype. */
export function npyItemSize(dtype: NpyDtype): number {
  return CONSTRUCTORS[dtype].BYTES_PER_ELEMENT;
}

/** A zero-filled typed array of `length` values of `dtype`. */
export function allocateNpy(dtype: NpyDtype, length: number): NpyArray {
  return new CONSTRUCTORS[dtype](length) as NpyArray;
}

/** A typed array of `dtype` holding a copy of `bytes` (little-endian, as .npy stores them). */
export function npyValues(dtype: NpyDtype, bytes: Uint8Array): NpyArray {
  const Ctor = CONSTRUCTORS[dtype];
  const copy = new Uint8Array(bytes.length - (bytes.length % Ctor.BYTES_PER_ELEMENT));
  copy.set(bytes.subarray(0, copy.length));
  return new Ctor(copy.buffer) as NpyArray;
}

/** Parses a whole .npy file held in memory (C order only). */
export function decodeNpy(bytes: Uint8Array, file = 'input.npy'): { header: NpyHeader; data: NpyArray } {
  const header = parseNpyHeader(bytes, file);
  if (header.fortranOrder) throw new Error(`${file}: Fortran-order .npy files are not supported; save with C order`);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const end = header.dataOffset + count * npyItemSize(header.dtype);
  if (bytes.length < end) throw new Error(`${file}: .npy data is cut short (${bytes.length} of ${end} bytes)`);
  return { header, data: npyValues(header.dtype, bytes.subarray(header.dataOffset, end)) };
}
