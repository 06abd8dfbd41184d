/**
 * Where everything sits in a blockfile, checked against the file's size
 * before anything is allocated from header values.
 */
import { BlockfileError, type BlockfileWarning } from './errors.js';
import { BLOCKFILE_ID, HEADER_FIELDS, HEADER_SIZE, MAGIC_1_2, MAGIC_1_3, type BlockfileHeader } from './header.js';
import { FRAME_PREFIX_SIZE } from './frame.js';
import { bitDepthFromNote } from './note.js';
import type { PixelDtype } from './types.js';

/** The note region is 3856 bytes in every known file; refuse absurd ones. */
export const MAX_NOTE_BYTES = 16 * 1024 * 1024;
/**
 * A file may hold fewer frames than its header promises (an interrupted
 * acquisition): the missing ones read as zeros. Past this ratio of promised
 * to present frame bytes the header is taken as corrupt rather than truncated.
 */
export const MAX_TRUNCATION_RATIO = 16;

export interface BlockfileLayout {
  readonly fileSize: number;
  readonly nx: number;
  readonly ny: number;
  readonly dpSize: number;
  readonly dtype: PixelDtype;
  readonly bytesPerPixel: 1 | 2;
  /** NX·NY: the frame records the header promises. */
  readonly frameCount: number;
  readonly pixelsPerFrame: number;
  /** Pixel bytes of one frame (without its 6-byte prefix). */
  readonly frameBytes: number;
  /** Prefix plus pixels. */
  readonly recordSize: number;
  readonly vbfOffset: number;
  readonly framesOffset: number;
  /** Records wholly inside the file. */
  readonly completeFrames: number;
  readonly truncated: boolean;
}

/** Checks what can be checked from the header alone and the file size; returns the note's byte range. */
export function checkHeader(
  header: BlockfileHeader,
  fileSize: number,
  file: string,
): { noteStart: number; noteEnd: number; warnings: BlockfileWarning[] } {
  const warnings: BlockfileWarning[] = [];
  if (header.ID !== BLOCKFILE_ID) {
    throw new BlockfileError('BAD_ID', file, `not a blockfile: ID is ${JSON.stringify(header.ID)}, expected "IMGBLO"`);
  }
  if (header.MAGIC !== MAGIC_1_2 && header.MAGIC !== MAGIC_1_3) {
    warnings.push({
      code: 'UNKNOWN_MAGIC',
      message: `${file}: unrecognized format version (MAGIC 0x${header.MAGIC.toString(16).padStart(4, '0')}); reading it as format 1.2`,
    });
  }
  // Calibrations and the date are floats: a NaN or infinity there is odd, not fatal.
  const nonFinite = HEADER_FIELDS.filter(({ name, type }) => type === 'f64' && !Number.isFinite(header[name] as number)).map((f) => `${f.name} ${header[f.name]}`);
  if (nonFinite.length > 0) {
    warnings.push({ code: 'NON_FINITE_HEADER', message: `${file}: header fields that are not finite numbers: ${nonFinite.join(', ')}` });
  }
  const o1 = header.Data_offset_1;
  if (o1 < HEADER_SIZE || o1 > fileSize) {
    throw new BlockfileError(
      'BAD_OFFSET',
      file,
      `Data_offset_1 (${o1}) is outside the file: it must lie between the header's end (${HEADER_SIZE}) and the file size (${fileSize})`,
    );
  }
  if (o1 - HEADER_SIZE > MAX_NOTE_BYTES) {
    throw new BlockfileError('BAD_NOTE', file, `note region of ${o1 - HEADER_SIZE} bytes (Data_offset_1 ${o1}) is implausibly large`);
  }
  return { noteStart: HEADER_SIZE, noteEnd: o1, warnings };
}

/** Computes and checks the layout once header and note are known. */
export function describeLayout(
  header: BlockfileHeader,
  note: string,
  fileSize: number,
  file: string,
): { layout: BlockfileLayout; warnings: BlockfileWarning[] } {
  const warnings: BlockfileWarning[] = [];
  const { NX: nx, NY: ny, DP_SZ: dpSize } = header;
  for (const [name, value] of [['NX', nx], ['NY', ny], ['DP_SZ', dpSize]] as const) {
    if (value === 0) throw new BlockfileError('BAD_DIMENSIONS', file, `${name} is 0: the header describes no data`);
  }
  let bytesPerPixel: 1 | 2 = 1;
  if (header.MAGIC === MAGIC_1_3) {
    const depth = bitDepthFromNote(note);
    if ('unreadable' in depth) {
      warnings.push({
        code: 'NOTE_BIT_DEPTH',
        message: `${file}: cannot read the bit depth from the note line ${JSON.stringify(depth.unreadable)}; reading 8-bit pixels`,
      });
    }
    bytesPerPixel = depth.bits === 16 ? 2 : 1;
  }
  const frameCount = nx * ny;
  const vbfOffset = header.Data_offset_1;
  const vbfEnd = vbfOffset + frameCount;
  if (vbfEnd > fileSize) {
    throw new BlockfileError(
      'TOO_LARGE',
      file,
      `header promises a ${ny}×${nx} scan whose navigator image alone ends at byte ${vbfEnd}, past the end of the file (${fileSize} bytes)`,
    );
  }
  const framesOffset = header.Data_offset_2;
  if (framesOffset < vbfEnd || framesOffset > fileSize) {
    throw new BlockfileError(
      'BAD_OFFSET',
      file,
      `Data_offset_2 (${framesOffset}) must lie between the navigator image's end (${vbfEnd}) and the file size (${fileSize})`,
    );
  }
  const pixelsPerFrame = dpSize * dpSize;
  const frameBytes = pixelsPerFrame * bytesPerPixel;
  const recordSize = FRAME_PREFIX_SIZE + frameBytes;
  const promised = frameCount * recordSize;
  const present = fileSize - framesOffset;
  const completeFrames = Math.min(frameCount, Math.floor(present / recordSize));
  const truncated = present < promised;
  if (truncated) {
    if (promised > MAX_TRUNCATION_RATIO * present + recordSize) {
      throw new BlockfileError(
        'TOO_LARGE',
        file,
        `header promises ${frameCount} frames of ${dpSize}×${dpSize} (${promised} bytes) but the file holds only ${present} bytes of frames`,
      );
    }
    warnings.push({
      code: 'TRUNCATED',
      message: `${file}: Blockfile header dimensions larger than file size! The file holds ${completeFrames} of ${frameCount} frames; the missing ones read as zeros`,
    });
  }
  const layout: BlockfileLayout = {
    fileSize,
    nx,
    ny,
    dpSize,
    dtype: bytesPerPixel === 2 ? 'uint16' : 'uint8',
    bytesPerPixel,
    frameCount,
    pixelsPerFrame,
    frameBytes,
    recordSize,
    vbfOffset,
    framesOffset,
    completeFrames,
    truncated,
  };
  return { layout, warnings };
}

/** Byte offset of frame record `index` (0-based, file order). */
export function recordOffset(layout: BlockfileLayout, index: number): number {
  return layout.framesOffset + index * layout.recordSize;
}
