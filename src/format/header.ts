/**
 * The 240-byte blockfile header: field table, parsing and encoding.
 * Pure: bytes in, values out. Field names are RosettaSciIO's.
 */

type Digit8 = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
type Pair14 = '00' | '01' | '02' | '03' | '04' | '05' | '06' | '07' | '08' | '09' | '10' | '11' | '12' | '13';

export type CenteringField = `Centering_N${Digit8}`;
export type DistortionField = `Distortion_N${Pair14}`;

/** Every header field, as RosettaSciIO names them. */
export type BlockfileHeader = {
  ID: string;
  MAGIC: number;
  Data_offset_1: number;
  Data_offset_2: number;
  UNKNOWN1: number;
  DP_SZ: number;
  DP_rotation: number;
  NX: number;
  NY: number;
  Scan_rotation: number;
  SX: number;
  SY: number;
  Beam_energy: number;
  SDP: number;
  Camera_length: number;
  Acquisition_time: number;
} & Record<CenteringField, number> &
  Record<DistortionField, number>;

export type HeaderFieldName = keyof BlockfileHeader;
type FieldType = 'id' | 'u16' | 'u32' | 'f64';

interface FieldSpec {
  readonly name: HeaderFieldName;
  readonly offset: number;
  readonly type: FieldType;
}

export const HEADER_SIZE = 240;
export const BLOCKFILE_ID = 'IMGBLO';
export const MAGIC_1_2 = 0x0102;
export const MAGIC_1_3 = 0x0103;
/** Where every known file puts the VBF; the writer's default. */
export const DEFAULT_DATA_OFFSET_1 = 0x1000;

const FIELD_SIZE: Record<FieldType, number> = { id: 6, u16: 2, u32: 4, f64: 8 };

function buildFieldTable(): readonly FieldSpec[] {
  const list: [HeaderFieldName, FieldType][] = [
    ['ID', 'id'],
    ['MAGIC', 'u16'],
    ['Data_offset_1', 'u32'],
    ['Data_offset_2', 'u32'],
    ['UNKNOWN1', 'u32'],
    ['DP_SZ', 'u16'],
    ['DP_rotation', 'u16'],
    ['NX', 'u16'],
    ['NY', 'u16'],
    ['Scan_rotation', 'u16'],
    ['SX', 'f64'],
    ['SY', 'f64'],
    ['Beam_energy', 'u32'],
    ['SDP', 'u16'],
    ['Camera_length', 'u32'],
    ['Acquisition_time', 'f64'],
  ];
  for (let i = 0; i < 8; i++) list.push([`Centering_N${i as Digit8}`, 'f64']);
  for (let i = 0; i < 14; i++) list.push([`Distortion_N${String(i).padStart(2, '0') as Pair14}`, 'f64']);
  let offset = 0;
  const table = list.map(([name, type]) => {
    const spec = { name, offset, type };
    offset += FIELD_SIZE[type];
    return spec;
  });
  if (offset !== HEADER_SIZE) throw new Error(`header table covers ${offset} bytes, not ${HEADER_SIZE}`);
  return table;
}

/** The packed field layout, in file order. */
export const HEADER_FIELDS: readonly FieldSpec[] = buildFieldTable();

/** The header's field names in file order (the order of `original_metadata.blockfile_header`). */
export const HEADER_FIELD_NAMES: readonly HeaderFieldName[] = HEADER_FIELDS.map((f) => f.name);

/** Parses the first 240 bytes. Does not validate values: see `layout.ts`. */
export function parseHeader(bytes: Uint8Array): BlockfileHeader {
  if (bytes.length < HEADER_SIZE) throw new RangeError(`a header needs ${HEADER_SIZE} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  const header: Record<string, string | number> = {};
  for (const { name, offset, type } of HEADER_FIELDS) {
    switch (type) {
      case 'id':
        header[name] = String.fromCharCode(...bytes.subarray(offset, offset + 6));
        break;
      case 'u16':
        header[name] = view.getUint16(offset, true);
        break;
      case 'u32':
        header[name] = view.getUint32(offset, true);
        break;
      case 'f64':
        header[name] = view.getFloat64(offset, true);
        break;
    }
  }
  return header as BlockfileHeader;
}

/**
 * Encodes a header to 240 bytes. Integer fields are cast as numpy's
 * `astype` does for in-range values (truncated toward zero); a value outside
 * the field's range is a RangeError rather than a silent wrap.
 */
export function encodeHeader(header: BlockfileHeader): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  for (const { name, offset, type } of HEADER_FIELDS) {
    const value = header[name];
    switch (type) {
      case 'id': {
        const id = String(value);
        for (let i = 0; i < 6; i++) bytes[offset + i] = i < id.length ? id.charCodeAt(i) & 0xff : 0;
        break;
      }
      case 'u16':
      case 'u32': {
        const n = Math.trunc(Number(value));
        const max = type === 'u16' ? 0xffff : 0xffffffff;
        if (!Number.isFinite(n) || n < 0 || n > max) {
          throw new RangeError(`header field ${name} = ${value} does not fit in ${type}`);
        }
        if (type === 'u16') view.setUint16(offset, n, true);
        else view.setUint32(offset, n, true);
        break;
      }
      case 'f64':
        view.setFloat64(offset, Number(value), true);
        break;
    }
  }
  return bytes;
}

/** A header with RosettaSciIO's writer defaults (dimensions still to be filled in). */
export function defaultHeader(): BlockfileHeader {
  const header: Record<string, string | number> = {};
  for (const { name, type } of HEADER_FIELDS) header[name] = type === 'id' ? BLOCKFILE_ID : 0;
  header.MAGIC = MAGIC_1_2;
  header.Data_offset_1 = DEFAULT_DATA_OFFSET_1;
  header.UNKNOWN1 = 131141;
  // 1970-01-02 00:00 UTC as an OLE serial date, RosettaSciIO's default.
  header.Acquisition_time = 25570;
  return header as BlockfileHeader;
}
