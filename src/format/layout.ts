/**
 * Where everything sits in a blockfile, checked against the file's size
 * before anything is allocated from header values.
 */
import { BlockfileError, type BlockfileWarning } from './errors.js';
import { BLOCKFILE_ID, HEADER_FIELDS, HEADER_SIZE, MAGIC_1_2, MAGIC_1_3, type BlockfileHeader } from './header.js';
import { FRAME_PREFIX_SIZE } from './frame.js';
import { bitDepthFromNote } from './note.js';
import type { PixelDtype } from './types.js';

/** Where every known writer puts the navigator image (Data_offset_1), so where the note ends. */
const CONVENTIONAL_NAVIGATOR_OFFSET = 0x1000;
/** The note region is 3856 bytes in every known file; refuse absurd ones. */
export const MAX_NOTE_BYTES = 16 * 1024 * 1024;
/**
 * A file may hold fewer frames than its header promises (an interrupted
 * acquisition): the missing ones read as zeros. Past this ratio of promised
 * frame bytes to the file's size the header is taken as corrupt rather than truncated.
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
  /** Whether the stored navigator (VBF) can be read: inside the file, and clear of the frames or not. */
  readonly navigator: NavigatorStatus;
}

export type NavigatorStatus = 'ok' | 'overlap' | 'outside';

/** Where the VBF region [offset, offset + NX·NY) sits against the header, the frame records and the file's end. */
function navigatorStatus(offset: number, length: number, framesOffset: number, framesLength: number, fileSize: number): NavigatorStatus {
  if (offset < HEADER_SIZE || offset + length > fileSize) return 'outside';
  return offset < framesOffset + framesLength && framesOffset < offset + length ? 'overlap' : 'ok';
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
  // The note runs from the header's end to the navigator image. HyperSpy reads it up to
  // Data_offset_1 whatever that is; here it also stops at the frames and the file's end, and
  // where Data_offset_1 is unusable, at the 4096 (0x1000) every known writer uses, so that
  // a wrong offset pulls neither the navigator nor the frames into the note.
  const o1 = header.Data_offset_1;
  const o2 = header.Data_offset_2;
  const navigatorStart = o1 >= HEADER_SIZE && o1 <= fileSize ? o1 : CONVENTIONAL_NAVIGATOR_OFFSET;
  const noteEnd = Math.max(HEADER_SIZE, Math.min(navigatorStart, o2 >= HEADER_SIZE ? o2 : Infinity, fileSize));
  if (noteEnd - HEADER_SIZE > MAX_NOTE_BYTES) {
    throw new BlockfileError('BAD_NOTE', file, `note region of ${noteEnd - HEADER_SIZE} bytes (Data_offset_1 ${header.Data_offset_1}) is implausibly large`);
  }
  return { noteStart: HEADER_SIZE, noteEnd, warnings };
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
  const framesOffset = header.Data_offset_2;
  if (framesOffset > fileSize) {
    throw new BlockfileError('BAD_OFFSET', file, `Data_offset_2 (${framesOffset}) is past the end of the file (${fileSize} bytes): there are no frames`);
  }
  const pixelsPerFrame = dpSize * dpSize;
  const frameBytes = pixelsPerFrame * bytesPerPixel;
  const recordSize = FRAME_PREFIX_SIZE + frameBytes;
  const promised = frameCount * recordSize;
  const present = fileSize - framesOffset;
  const completeFrames = Math.min(frameCount, Math.floor(present / recordSize));
  const truncated = present < promised;
  if (truncated) {
    // Bounded by the whole file's size, so that a file cut at (or just after) the frames' start still reads, as HyperSpy's does.
    if (promised > MAX_TRUNCATION_RATIO * fileSize + recordSize) {
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
  const navigator = navigatorStatus(vbfOffset, frameCount, framesOffset, frameCount * recordSize, fileSize);
  if (navigator === 'outside') {
    warnings.push({
      code: 'NAVIGATOR_UNAVAILABLE',
      message: `${file}: the stored navigator image (Data_offset_1 ${vbfOffset}, ${frameCount} bytes) lies outside the file's ${HEADER_SIZE}…${fileSize} bytes; it is unavailable (HyperSpy does not read it either)`,
    });
  } else if (navigator === 'overlap') {
    warnings.push({
      code: 'NAVIGATOR_OVERLAP',
      message: `${file}: the stored navigator image (bytes ${vbfOffset}…${vbfOffset + frameCount}) overlaps the frame records (from Data_offset_2 ${framesOffset}); it is suspect`,
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
    navigator,
  };
  return { layout, warnings };
}

/** Byte offset of frame record `index` (0-based, file order). */
export function recordOffset(layout: BlockfileLayout, index: number): number {
  return layout.framesOffset + index * layout.recordSize;
}
