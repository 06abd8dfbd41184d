/**
 * The free-text note between the header and the VBF (bytes 240 to
 * Data_offset_1): latin-1, CRLF line ends, NUL-padded.
 */
import { HEADER_SIZE } from './header.js';

/** Decodes the note as RosettaSciIO does: latin-1, leading and trailing NULs stripped. */
export function decodeNote(bytes: Uint8Array): string {
  let start = 0;
  let end = bytes.length;
  while (start < end && bytes[start] === 0) start++;
  while (end > start && bytes[end - 1] === 0) end--;
  let text = '';
  // Chunked so that a long note does not overflow the argument list.
  for (let i = start; i < end; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 4096)));
  }
  return text;
}

/**
 * Encodes a note as latin-1, cut to `capacity` bytes. Characters outside
 * latin-1 become '?'. Returns the bytes and whether the note was cut.
 */
export function encodeNote(note: string, capacity: number): { bytes: Uint8Array; truncated: boolean } {
  const length = Math.min(note.length, Math.max(0, capacity));
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const c = note.charCodeAt(i);
    bytes[i] = c <= 0xff ? c : 0x3f;
  }
  return { bytes, truncated: note.length > length };
}

/** How many note bytes fit before the VBF. */
export function noteCapacity(dataOffset1: number): number {
  return Math.max(0, dataOffset1 - HEADER_SIZE);
}

export type BitDepthReading = { bits: 8 | 16 } | { bits: 8; unreadable: string };

const BIT_DEPTH_KEY = 'blo bit depth:';

/**
 * The pixel bit depth a format 1.3 note declares in a line like
 * `Blo Bit Depth: 16 bits` (as LiberTEM reads it). No such line means 8 bits;
 * a line that is there but unreadable falls back to 8 bits and says so.
 */
export function bitDepthFromNote(note: string): BitDepthReading {
  for (const rawLine of note.split(/\r\n|\r|\n/)) {
    const line = rawLine.trim();
    if (!line.toLowerCase().startsWith(BIT_DEPTH_KEY)) continue;
    const value = line.slice(BIT_DEPTH_KEY.length).trim().toLowerCase();
    const match = /^(\d+)\s*bits?$/.exec(value);
    if (match && (match[1] === '8' || match[1] === '16')) return { bits: Number(match[1]) as 8 | 16 };
    return { bits: 8, unreadable: line };
  }
  return { bits: 8 };
}

/** The note line that declares 16-bit pixels in a format 1.3 file. */
export const BIT_DEPTH_16_LINE = 'Blo Bit Depth: 16 bits';
