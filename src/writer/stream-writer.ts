/**
 * Streaming blockfile writer: header and note first, frames one block at a
 * time in scan order, the navigator image (VBF) last, so that data larger
 * than memory never sits in memory whole and the VBF can be the mean of each
 * pattern, computed in the same pass.
 */
import { BlockfileError } from '../format/errors.js';
import { encodeFrameRecord, FRAME_PREFIX_SIZE } from '../format/frame.js';
import {
  defaultHeader,
  encodeHeader,
  HEADER_SIZE,
  MAGIC_1_2,
  MAGIC_1_3,
  type BlockfileHeader,
} from '../format/header.js';
import { BIT_DEPTH_16_LINE, bitDepthFromNote, encodeNote, noteCapacity } from '../format/note.js';
import type { PixelArray } from '../format/types.js';
import type { ByteSink } from './sink.js';

export interface StreamWriterInit {
  nx: number;
  ny: number;
  dpSize: number;
  /** Pixel depth: 8 (format 1.2) or 16 (format 1.3 with the bit-depth note line). */
  bits?: 8 | 16;
  /** Header fields to keep (e.g. from `original_metadata.blockfile_header`); dimensions and offsets are always computed. */
  header?: Partial<BlockfileHeader>;
  note?: string;
  /**
   * The stored VBF: an NY × NX uint8 image, `'mean'` (the mean of each
   * pattern, computed while writing; 16-bit means are mapped from 0–65535
   * onto 0–255), or `'zeros'`.
   */
  navigator?: Uint8Array | 'mean' | 'zeros';
  /** Called after each block: frames and bytes written so far, and the totals. */
  onProgress?: (progress: WriteProgress) => void;
  signal?: AbortSignal;
}

export interface WriteProgress {
  frames: number;
  totalFrames: number;
  bytes: number;
  totalBytes: number;
}

export interface PlannedLayout {
  header: BlockfileHeader;
  noteBytes: Uint8Array;
  noteTruncated: boolean;
  recordSize: number;
  fileSize: number;
}

/** Next multiple of 16 at or after n: where ASTAR puts the first frame. */
function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

function checkDimension(name: string, value: number, sink: string): void {
  if (!Number.isInteger(value) || value < 1 || value > 0xffff) {
    throw new BlockfileError('BAD_DIMENSIONS', sink, `${name} must be an integer from 1 to 65535, got ${value}`);
  }
}

/** Header, note bytes and sizes of the file the writer will produce. */
export function planBlockfile(init: StreamWriterInit, sinkName: string): PlannedLayout {
  checkDimension('NX', init.nx, sinkName);
  checkDimension('NY', init.ny, sinkName);
  checkDimension('DP_SZ', init.dpSize, sinkName);
  const bits = init.bits ?? 8;
  const header: BlockfileHeader = { ...defaultHeader(), ...init.header };
  let note = init.note ?? '';
  if (bits === 16) {
    header.MAGIC = MAGIC_1_3;
    if (bitDepthFromNote(note).bits !== 16) note = note ? `${BIT_DEPTH_16_LINE}\r\n${note}` : BIT_DEPTH_16_LINE;
  } else if (header.MAGIC === MAGIC_1_3 && bitDepthFromNote(note).bits === 16) {
    // An 8-bit re-write of a 16-bit file: the note must stop promising 16 bits.
    note = note
      .split('\r\n')
      .filter((line) => !line.trim().toLowerCase().startsWith('blo bit depth:'))
      .join('\r\n');
    header.MAGIC = MAGIC_1_2;
  }
  if (header.Data_offset_1 < HEADER_SIZE) {
    throw new BlockfileError('BAD_OFFSET', sinkName, `Data_offset_1 ${header.Data_offset_1} is inside the header`);
  }
  const { bytes: noteBytes, truncated: noteTruncated } = encodeNote(note, noteCapacity(header.Data_offset_1));
  header.NX = init.nx;
  header.NY = init.ny;
  header.DP_SZ = init.dpSize;
  header.Data_offset_2 = align16(header.Data_offset_1 + init.nx * init.ny);
  const recordSize = FRAME_PREFIX_SIZE + init.dpSize * init.dpSize * (bits === 16 ? 2 : 1);
  const fileSize = header.Data_offset_2 + init.nx * init.ny * recordSize;
  return { header, noteBytes, noteTruncated, recordSize, fileSize };
}

/** Writes one blockfile to a sink; call `writeFrames` until every frame is written, then `finish`. */
export class BlockfileStreamWriter {
  readonly plan: PlannedLayout;
  readonly #sink: ByteSink;
  readonly #init: StreamWriterInit;
  readonly #bits: 8 | 16;
  readonly #frameCount: number;
  readonly #pixels: number;
  readonly #means: Float64Array | undefined;
  #written = 0;
  #started = false;
  #scratch = new Uint8Array(0);

  constructor(sink: ByteSink, init: StreamWriterInit) {
    this.#sink = sink;
    this.#init = init;
    this.#bits = init.bits ?? 8;
    this.plan = planBlockfile(init, sink.name);
    this.#frameCount = init.nx * init.ny;
    this.#pixels = init.dpSize * init.dpSize;
    const nav = init.navigator ?? 'mean';
    if (nav instanceof Uint8Array && nav.length !== this.#frameCount) {
      throw new BlockfileError('BAD_OPTION', sink.name, `navigator image has ${nav.length} pixels, the scan ${init.ny}×${init.nx}`);
    }
    this.#means = nav === 'mean' ? new Float64Array(this.#frameCount) : undefined;
  }

  get framesWritten(): number {
    return this.#written;
  }

  async #start(): Promise<void> {
    const { header, noteBytes } = this.plan;
    const head = new Uint8Array(header.Data_offset_1);
    head.set(encodeHeader(header));
    head.set(noteBytes, HEADER_SIZE);
    await this.#sink.write(head, 0, this.#init.signal);
    this.#started = true;
  }

  /** Appends whole frames (a multiple of DP_SZ² values, in the file's pixel type) in scan order. */
  async writeFrames(frames: PixelArray): Promise<void> {
    const expected = this.#bits === 16 ? Uint16Array : Uint8Array;
    if (!(frames instanceof expected) || frames.length % this.#pixels !== 0) {
      throw new BlockfileError('BAD_OPTION', this.#sink.name, `frames must be whole ${this.#bits}-bit frames of ${this.#pixels} pixels`);
    }
    const count = frames.length / this.#pixels;
    if (this.#written + count > this.#frameCount) {
      throw new BlockfileError('BAD_OPTION', this.#sink.name, `more frames than the ${this.#frameCount} of the scan`);
    }
    this.#init.signal?.throwIfAborted();
    if (!this.#started) await this.#start();
    const { recordSize, header } = this.plan;
    const bytes = count * recordSize;
    if (this.#scratch.length < bytes) this.#scratch = new Uint8Array(bytes);
    for (let i = 0; i < count; i++) {
      const pixels = frames.subarray(i * this.#pixels, (i + 1) * this.#pixels);
      encodeFrameRecord(this.#scratch, i * recordSize, this.#written + i, pixels);
      if (this.#means) {
        let sum = 0;
        for (let p = 0; p < pixels.length; p++) sum += pixels[p];
        this.#means[this.#written + i] = sum / pixels.length;
      }
    }
    const position = header.Data_offset_2 + this.#written * recordSize;
    await this.#sink.write(this.#scratch.subarray(0, bytes), position, this.#init.signal);
    this.#written += count;
    this.#init.onProgress?.({
      frames: this.#written,
      totalFrames: this.#frameCount,
      bytes: position + bytes,
      totalBytes: this.plan.fileSize,
    });
  }

  /**
   * Writes the navigator image (`navigator` when given, else as the init
   * said) and the gap before the frames; every frame must have been written.
   */
  async finish(navigator?: Uint8Array): Promise<void> {
    if (this.#written !== this.#frameCount) {
      throw new BlockfileError('BAD_OPTION', this.#sink.name, `only ${this.#written} of ${this.#frameCount} frames were written`);
    }
    const { header } = this.plan;
    const region = new Uint8Array(header.Data_offset_2 - header.Data_offset_1);
    const image = navigator ?? this.navigatorImage();
    if (image.length !== this.#frameCount) {
      throw new BlockfileError('BAD_OPTION', this.#sink.name, `navigator image has ${image.length} pixels, the scan ${this.#init.ny}×${this.#init.nx}`);
    }
    region.set(image);
    await this.#sink.write(region, header.Data_offset_1, this.#init.signal);
  }

  /** The VBF as it will be stored. */
  navigatorImage(): Uint8Array {
    const nav = this.#init.navigator ?? 'mean';
    if (nav instanceof Uint8Array) return nav;
    const image = new Uint8Array(this.#frameCount);
    if (this.#means) {
      // numpy's float-to-uint8 cast truncates; 16-bit means are mapped onto 0–255 first.
      const scale = this.#bits === 16 ? 255 / 65535 : 1;
      for (let i = 0; i < image.length; i++) image[i] = Math.trunc(this.#means[i] * scale);
    }
    return image;
  }
}
