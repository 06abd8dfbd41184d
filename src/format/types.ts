/** Interchange types shared by reader, writer, analysis and conversions. */
import type { BlockfileHeader } from './header.js';

/** Pixel types a blockfile can hold. */
export type PixelDtype = 'uint8' | 'uint16';
export type PixelArray = Uint8Array | Uint16Array;

/** Any numeric typed array the writer accepts. */
export type NumericArray =
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** One axis of a signal, as RosettaSciIO describes it. */
export interface Axis {
  name: string;
  size: number;
  scale: number;
  offset: number;
  units: string;
  navigate: boolean;
}

/** HyperSpy's metadata tree as the blockfile reader fills it. */
export interface BlockfileMetadata {
  General: {
    original_filename: string;
    title: string;
    date?: string;
    time?: string;
    time_zone?: string;
    notes: string;
  };
  Signal: { signal_type: string };
  Acquisition_instrument: {
    TEM: { beam_energy: number; camera_length: number; rotation: number };
  };
  [key: string]: unknown;
}

/** The header with the note, as `original_metadata.blockfile_header`. */
export type HeaderWithNote = BlockfileHeader & { Note: string };

/**
 * RosettaSciIO's signal dictionary: the data, its C-order shape and type,
 * the axes (one per dimension of `shape`), metadata and original_metadata.
 */
export interface SignalDict<T = PixelArray> {
  data: T;
  shape: number[];
  dtype: string;
  axes: Axis[];
  metadata: BlockfileMetadata;
  original_metadata: { blockfile_header: HeaderWithNote; [key: string]: unknown };
}
