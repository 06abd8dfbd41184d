/**
 * Frame records: `AA 55`, a uint32 frame index, then DP_SZ² pixels.
 * The one encoder and checker of record prefixes, used by reader, writer and demo.
 */

export const FRAME_PREFIX_SIZE = 6;
const MARKER_0 = 0xaa;
const MARKER_1 = 0x55;

/** Writes the 6-byte record prefix for frame `index` at `offset` of `target`. */
export function encodeFramePrefix(target: Uint8Array, offset: number, index: number): void {
  target[offset] = MARKER_0;
  target[offset + 1] = MARKER_1;
  target[offset + 2] = index & 0xff;
  target[offset + 3] = (index >>> 8) & 0xff;
  target[offset + 4] = (index >>> 16) & 0xff;
  target[offset + 5] = (index >>> 24) & 0xff;
}

/**
 * Checks the prefix at `offset`; returns `undefined` when it is `AA 55` and
 * `expectedIndex`, else a sentence saying what was found.
 */
export function checkFramePrefix(bytes: Uint8Array, offset: number, expectedIndex: number): string | undefined {
  if (bytes[offset] !== MARKER_0 || bytes[offset + 1] !== MARKER_1) {
    const found = [bytes[offset], bytes[offset + 1]].map((b) => (b ?? 0).toString(16).padStart(2, '0').toUpperCase());
    return `frame ${expectedIndex} does not start with AA 55 (found ${found.join(' ')})`;
  }
  const index =
    (bytes[offset + 2] | (bytes[offset + 3] << 8) | (bytes[offset + 4] << 16) | (bytes[offset + 5] << 24)) >>> 0;
  if (index !== expectedIndex >>> 0) return `frame ${expectedIndex} is labelled as frame ${index}`;
  return undefined;
}

/**
 * Encodes one whole frame record (prefix and little-endian pixels) into
 * `target` at `offset`. `pixels` holds DP_SZ² values already in the file's
 * pixel type.
 */
export function encodeFrameRecord(
  target: Uint8Array,
  offset: number,
  index: number,
  pixels: Uint8Array | Uint16Array,
): number {
  encodeFramePrefix(target, offset, index);
  const start = offset + FRAME_PREFIX_SIZE;
  if (pixels instanceof Uint8Array) {
    target.set(pixels, start);
    return FRAME_PREFIX_SIZE + pixels.length;
  }
  if (LITTLE_ENDIAN_HOST && (target.byteOffset + start) % 2 === 0) {
    new Uint16Array(target.buffer, target.byteOffset + start, pixels.length).set(pixels);
  } else {
    for (let i = 0; i < pixels.length; i++) {
      target[start + 2 * i] = pixels[i] & 0xff;
      target[start + 2 * i + 1] = pixels[i] >>> 8;
    }
  }
  return FRAME_PREFIX_SIZE + 2 * pixels.length;
}

/** True where typed arrays are little-endian, as on every platform Node and browsers run on today. */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
