/**
 * Lazy access to a blockfile through any byte source: opening reads the
 * header and note only; every frame read is one source read.
 */
import { BlockfileError, type BlockfileErrorCode, type BlockfileWarning } from '../format/errors.js';
import { checkFramePrefix, FRAME_PREFIX_SIZE, LITTLE_ENDIAN_HOST } from '../format/frame.js';
import { HEADER_SIZE, parseHeader, type BlockfileHeader } from '../format/header.js';
import { checkHeader, describeLayout, recordOffset, type BlockfileLayout } from '../format/layout.js';
import { decodeNote } from '../format/note.js';
import { baseName, blockfileAxes, blockfileMetadata, headerWithNote, squeezeShape } from '../format/signal.js';
import type { Axis, BlockfileMetadata, HeaderWithNote, PixelArray, PixelDtype } from '../format/types.js';
import { readIntoTargets, type ByteSource } from '../sources/source.js';
import { resolveGeometry, type Geometry, type GeometryOptions } from './geometry.js';

export interface OpenOptions extends GeometryOptions {
  signal?: AbortSignal;
  /**
   * Refuse what lenient reading only warns about (a stored navigator outside
   * the file or overlapping the frames, broken frame-record prefixes, a
   * truncated file, an unknown version…), for users who want to know a file
   * is damaged. Default false: read what HyperSpy reads, with warnings.
   */
  strict?: boolean;
}

/** Frames listed by number in the BAD_FRAME_PREFIX warning; the rest are counted. */
const LISTED_BAD_FRAMES = 5;

/** What strict mode reports a lenient warning as. */
const STRICT_ERRORS: Record<BlockfileWarning['code'], BlockfileErrorCode> = {
  UNKNOWN_MAGIC: 'BAD_HEADER',
  NON_FINITE_HEADER: 'BAD_HEADER',
  NOTE_BIT_DEPTH: 'BAD_NOTE',
  TRUNCATED: 'TOO_SHORT',
  NAVIGATOR_UNAVAILABLE: 'BAD_OFFSET',
  NAVIGATOR_OVERLAP: 'BAD_OFFSET',
  BAD_FRAME_PREFIX: 'BAD_FRAME',
  PADDED: 'BAD_OPTION',
  UNITS: 'BAD_HEADER',
  OVERFLOW: 'BAD_HEADER',
  NOTE_TRUNCATED: 'BAD_NOTE',
  METADATA: 'BAD_HEADER',
};

/** In strict mode, the first warning as an error; else nothing. */
function refuseInStrictMode(warnings: readonly BlockfileWarning[], strict: boolean | undefined, file: string): void {
  const first = warnings[0];
  if (!strict || !first) return;
  const problem = first.message.startsWith(`${file}: `) ? first.message.slice(file.length + 2) : first.message;
  throw new BlockfileError(STRICT_ERRORS[first.code], file, `${problem} (refused in strict mode)`);
}

/** The result of checking frame records: how many were checked, which are broken. */
export interface FrameCheck {
  /** Records present and checked. */
  checked: number;
  /** Records the header promises that the file does not hold (truncation). */
  missing: number;
  /** Records whose prefix is wrong, in file order: the first few, and how many in all. */
  bad: { count: number; first: { index: number; problem: string; offset: number }[] };
  /** Bytes read to check. */
  bytesRead: number;
}

/** A block of consecutive frames: `count` frames from `start`, `data` holding count × pixelsPerFrame values. */
export interface FrameBlock {
  readonly start: number;
  readonly count: number;
  readonly data: PixelArray;
}

/** Reads `readAll` keeps in flight. */
const READS_IN_FLIGHT = 4;

/** Frame prefixes checked per batch by `verifyFrames`, and reads of them in flight at once. */
const PREFIXES_PER_BATCH = 4096;
const PREFIX_READS_IN_FLIGHT = 64;

/** Runs task(0 … n−1) with at most `limit` running at once. */
async function runLimited(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}

/** Frames per read when iterating: about 8 MiB of pixels, at least one frame. */
const TARGET_BLOCK_BYTES = 8 * 1024 * 1024;

export function allocatePixels(dtype: PixelDtype, length: number, file: string): PixelArray {
  try {
    return dtype === 'uint16' ? new Uint16Array(length) : new Uint8Array(length);
  } catch (cause) {
    throw new BlockfileError(
      'TOO_LARGE',
      file,
      `cannot allocate ${length} ${dtype} values in memory; open the file lazily and read frames in blocks instead`,
      { cause },
    );
  }
}

/** The bytes of a typed array, for reading straight into it. */
function bytesOf(data: PixelArray, start: number, length: number): Uint8Array {
  const bpe = data.BYTES_PER_ELEMENT;
  return new Uint8Array(data.buffer, data.byteOffset + start * bpe, length * bpe);
}

export class Blockfile {
  readonly source: ByteSource;
  readonly header: BlockfileHeader;
  /** The note between header and VBF, latin-1, NULs stripped. */
  readonly note: string;
  readonly layout: BlockfileLayout;
  readonly geometry: Geometry;
  /** What reading has found odd so far (unknown version, truncation, broken frame records, …). */
  readonly warnings: BlockfileWarning[];
  readonly strict: boolean;
  /** Broken frame records met so far: file index → what is wrong, for the BAD_FRAME_PREFIX warning. */
  readonly #badFrames = new Map<number, string>();

  private constructor(
    source: ByteSource,
    header: BlockfileHeader,
    note: string,
    layout: BlockfileLayout,
    geometry: Geometry,
    warnings: BlockfileWarning[],
    strict: boolean,
  ) {
    this.strict = strict;
    this.source = source;
    this.header = header;
    this.note = note;
    this.layout = layout;
    this.geometry = geometry;
    this.warnings = warnings;
  }

  /** Reads and checks header and note; no frame is read. */
  static async open(source: ByteSource, options: OpenOptions = {}): Promise<Blockfile> {
    const file = source.name;
    if (source.size < HEADER_SIZE) {
      throw new BlockfileError(
        'TOO_SHORT',
        file,
        `file is ${source.size} bytes, shorter than the ${HEADER_SIZE}-byte blockfile header`,
      );
    }
    const headerBytes = await source.read(0, HEADER_SIZE, options.signal);
    const header = parseHeader(headerBytes);
    const checked = checkHeader(header, source.size, file);
    const noteBytes = await source.read(checked.noteStart, checked.noteEnd - checked.noteStart, options.signal);
    const note = decodeNote(noteBytes);
    const { layout, warnings } = describeLayout(header, note, source.size, file);
    if (layout.bytesPerPixel === 2 && !LITTLE_ENDIAN_HOST) {
      throw new BlockfileError('UNSUPPORTED', file, '16-bit blockfiles are read on little-endian hosts only');
    }
    const { geometry, warnings: geometryWarnings } = resolveGeometry(layout, options, file);
    const all = [...checked.warnings, ...warnings, ...geometryWarnings];
    refuseInStrictMode(all, options.strict, file);
    return new Blockfile(source, header, note, layout, geometry, all, options.strict ?? false);
  }

  get name(): string {
    return this.source.name;
  }

  get dtype(): PixelDtype {
    return this.layout.dtype;
  }

  /** Frames in the (possibly overridden) scan. */
  get frameCount(): number {
    return this.geometry.frameCount;
  }

  /** Full shape: navigation then signal dimensions, nothing squeezed. */
  get shape(): number[] {
    return [...this.geometry.navShape, ...this.geometry.sigShape];
  }

  /** The shape RosettaSciIO reports: axes of length 1 squeezed away. */
  get squeezedShape(): number[] {
    return squeezeShape(this.shape);
  }

  get axes(): Axis[] {
    return blockfileAxes(this.header, this.shape);
  }

  get metadata(): BlockfileMetadata {
    return blockfileMetadata(this.header, this.note, baseName(this.name));
  }

  get originalMetadata(): { blockfile_header: HeaderWithNote } {
    return { blockfile_header: headerWithNote(this.header, this.note) };
  }

  /** The signal as HyperSpy describes it, without the data: what conversions carry along. */
  get signalDescription(): { shape: number[]; axes: Axis[]; metadata: BlockfileMetadata; original_metadata: { blockfile_header: HeaderWithNote } } {
    return { shape: this.squeezedShape, axes: this.axes, metadata: this.metadata, original_metadata: this.originalMetadata };
  }

  /** Whether the stored navigator can be read (it may still be suspect: see `layout.navigator`). */
  get hasNavigator(): boolean {
    return this.layout.navigator !== 'outside';
  }

  /** The stored virtual bright-field image, NY × NX uint8; a NO_NAVIGATOR error when it lies outside the file. */
  async navigator(signal?: AbortSignal): Promise<{ data: Uint8Array; shape: [number, number] }> {
    const { ny, nx, vbfOffset } = this.layout;
    if (!this.hasNavigator) {
      throw new BlockfileError(
        'NO_NAVIGATOR',
        this.name,
        `the stored navigator image is unavailable: Data_offset_1 (${vbfOffset}) and the ${ny}×${nx} scan put it outside the file`,
      );
    }
    const bytes = await this.source.read(vbfOffset, ny * nx, signal);
    return { data: bytes.slice(), shape: [ny, nx] };
  }

  /** The logical index of scan position (y, x) in a 2-D scan. */
  indexOf(y: number, x: number): number {
    const nav = this.geometry.navShape;
    const nxLogical = nav[nav.length - 1];
    const nyLogical = nav.length > 1 ? nav[nav.length - 2] : 1;
    if (!Number.isInteger(y) || !Number.isInteger(x) || y < 0 || x < 0 || y >= nyLogical || x >= nxLogical) {
      throw new BlockfileError('OUT_OF_RANGE', this.name, `scan position (y=${y}, x=${x}) is outside the ${nyLogical}×${nxLogical} scan`);
    }
    return y * nxLogical + x;
  }

  /** One frame (DP_SZ² pixels, row-major) by logical index. */
  async frame(index: number, signal?: AbortSignal): Promise<PixelArray> {
    return this.readFrames(index, 1, undefined, signal);
  }

  /** One frame by scan position. */
  async frameAt(y: number, x: number, signal?: AbortSignal): Promise<PixelArray> {
    return this.frame(this.indexOf(y, x), signal);
  }

  /**
   * Reads `count` frames from logical index `start` into `out` (allocated
   * when not given; it must hold count × pixelsPerFrame values and is
   * overwritten whole). Frames outside the file (sync offset, truncation)
   * read as zeros; each record present is checked for AA 55 and its index.
   */
  async readFrames(start: number, count: number, out?: PixelArray, signal?: AbortSignal): Promise<PixelArray> {
    const { frameCount, pixelsPerFrame, syncOffset } = this.geometry;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > frameCount) {
      throw new BlockfileError('OUT_OF_RANGE', this.name, `frames ${start}…${start + count - 1} are outside the ${frameCount} frames of the scan`);
    }
    const length = count * pixelsPerFrame;
    const data = out ?? allocatePixels(this.dtype, length, this.name);
    if (data.length < length || (this.dtype === 'uint16') !== data instanceof Uint16Array) {
      throw new BlockfileError('BAD_OPTION', this.name, `output buffer must be a ${this.dtype} array of at least ${length} values`);
    }
    // File records that exist, intersected with the requested logical range.
    const first = Math.max(start + syncOffset, 0);
    const end = Math.min(start + count + syncOffset, this.layout.frameCount);
    if (out) {
      // Zero what the file will not fill: before, after, and missing records.
      const filledFrom = Math.max(0, first - syncOffset - start);
      const filledTo = Math.max(filledFrom, end - syncOffset - start);
      data.fill(0, 0, filledFrom * pixelsPerFrame);
      data.fill(0, filledTo * pixelsPerFrame, length);
    }
    if (first < end) {
      await this.#readRecords(first, end - first, data, (first - syncOffset - start) * pixelsPerFrame, signal);
    }
    return data;
  }

  /** Reads file records [first, first+n) into `data` from value `at` on. */
  async #readRecords(first: number, n: number, data: PixelArray, at: number, signal?: AbortSignal): Promise<void> {
    const { pixelsPerFrame, completeFrames, recordSize } = this.layout;
    const prefixes = new Uint8Array(FRAME_PREFIX_SIZE * n);
    const targets: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      targets.push(prefixes.subarray(i * FRAME_PREFIX_SIZE, (i + 1) * FRAME_PREFIX_SIZE));
      targets.push(bytesOf(data, at + i * pixelsPerFrame, pixelsPerFrame));
    }
    const wanted = n * recordSize;
    const got = await readIntoTargets(this.source, recordOffset(this.layout, first), targets, signal);
    if (got < wanted) {
      // Truncated file: what was not read is zero, as RosettaSciIO pads.
      if (first + n <= completeFrames) {
        throw new BlockfileError('READ_FAILED', this.name, `short read: ${got} of ${wanted} bytes at frame ${first}`);
      }
      let skip = got;
      for (const t of targets) {
        if (skip >= t.length) skip -= t.length;
        else {
          t.fill(0, skip);
          skip = 0;
        }
      }
    }
    // Records whose whole prefix was read.
    const prefixesRead = got < FRAME_PREFIX_SIZE ? 0 : Math.min(n, Math.floor((got - FRAME_PREFIX_SIZE) / recordSize) + 1);
    this.#checkPrefixes(prefixes, first, prefixesRead);
  }

  /**
   * Checks `n` consecutive 6-byte prefixes of records from `first` on.
   * HyperSpy ignores them: a broken one is recorded in the BAD_FRAME_PREFIX
   * warning (an error in strict mode). Returns the broken ones.
   */
  #checkPrefixes(prefixes: Uint8Array, first: number, n: number): { index: number; problem: string; offset: number }[] {
    const broken: { index: number; problem: string; offset: number }[] = [];
    for (let i = 0; i < n; i++) {
      const problem = checkFramePrefix(prefixes, i * FRAME_PREFIX_SIZE, first + i);
      if (!problem) continue;
      const offset = recordOffset(this.layout, first + i);
      if (this.strict) throw new BlockfileError('BAD_FRAME', this.name, `bad frame record: ${problem} (at byte ${offset})`);
      broken.push({ index: first + i, problem, offset });
    }
    if (broken.length > 0) this.#recordBadFrames(broken);
    return broken;
  }

  /** Broken frame records met so far (by any read or check), in file order. */
  brokenFrames(): { index: number; problem: string }[] {
    return [...this.#badFrames].sort((a, b) => a[0] - b[0]).map(([index, problem]) => ({ index, problem }));
  }

  /** Records broken frames that a reader in another thread met (analysis workers), so that the warning counts them. */
  noteBrokenFrames(broken: readonly { index: number; problem: string }[]): void {
    if (broken.length > 0) this.#recordBadFrames(broken);
  }

  /** The first few broken records met so far, in file order. */
  #firstBadFrames(): FrameCheck['bad']['first'] {
    return [...this.#badFrames.keys()]
      .sort((a, b) => a - b)
      .slice(0, LISTED_BAD_FRAMES)
      .map((index) => ({ index, problem: this.#badFrames.get(index)!, offset: recordOffset(this.layout, index) }));
  }

  #recordBadFrames(broken: readonly { index: number; problem: string }[]): void {
    for (const b of broken) this.#badFrames.set(b.index, b.problem);
    const listed = this.#firstBadFrames().map((b) => b.index);
    const count = this.#badFrames.size;
    const warning: BlockfileWarning = {
      code: 'BAD_FRAME_PREFIX',
      message:
        `${this.name}: ${count} frame record${count === 1 ? '' : 's'} read so far ${count === 1 ? 'has' : 'have'} a wrong AA 55 marker or frame index ` +
        `(frame${count === 1 ? '' : 's'} ${listed.join(', ')}${count > listed.length ? ', …' : ''}); the pixels are read as HyperSpy reads them, the prefix ignored`,
    };
    const at = this.warnings.findIndex((w) => w.code === 'BAD_FRAME_PREFIX');
    if (at >= 0) this.warnings[at] = warning;
    else this.warnings.push(warning);
  }

  /** Frames per block for a reader aiming at `targetBytes` per read. */
  blockFrames(targetBytes = TARGET_BLOCK_BYTES): number {
    return Math.max(1, Math.floor(targetBytes / this.layout.recordSize));
  }

  /**
   * Iterates over frames `start` … `end - 1` in blocks of about 8 MiB, one
   * source read each. A block's `data` is reused by the next iteration
   * unless `reuse` is false.
   */
  async *blocks(
    options: { start?: number; end?: number; blockFrames?: number; reuse?: boolean; signal?: AbortSignal } = {},
  ): AsyncGenerator<FrameBlock> {
    const start = options.start ?? 0;
    const end = options.end ?? this.frameCount;
    const per = Math.max(1, options.blockFrames ?? this.blockFrames());
    const reuse = options.reuse ?? true;
    let buffer: PixelArray | undefined;
    for (let at = start; at < end; at += per) {
      const count = Math.min(per, end - at);
      const length = count * this.geometry.pixelsPerFrame;
      if (!reuse || !buffer || buffer.length < length) buffer = allocatePixels(this.dtype, per * this.geometry.pixelsPerFrame, this.name);
      const data = await this.readFrames(at, count, buffer.subarray(0, length) as PixelArray, options.signal);
      yield { start: at, count, data };
    }
  }

  /** Every frame in scan order, each a fresh array. */
  async *[Symbol.asyncIterator](): AsyncGenerator<PixelArray> {
    const pixels = this.geometry.pixelsPerFrame;
    for await (const block of this.blocks({ reuse: false })) {
      for (let i = 0; i < block.count; i++) yield block.data.subarray(i * pixels, (i + 1) * pixels) as PixelArray;
    }
  }

  /** The whole dataset in one typed array, read once straight into place. */
  async readAll(signal?: AbortSignal): Promise<PixelArray> {
    const total = this.geometry.frameCount * this.geometry.pixelsPerFrame;
    const data = allocatePixels(this.dtype, total, this.name);
    const per = this.blockFrames();
    const pixels = this.geometry.pixelsPerFrame;
    // Several reads in flight: the copies from the page cache and the page faults of the
    // destination then run on several threads (Node's file reads use its thread pool).
    let next = 0;
    const worker = async () => {
      while (next < this.frameCount) {
        const at = next;
        const count = Math.min(per, this.frameCount - at);
        next += count;
        await this.readFrames(at, count, data.subarray(at * pixels, (at + count) * pixels) as PixelArray, signal);
      }
    };
    await Promise.all(Array.from({ length: READS_IN_FLIGHT }, worker));
    return data;
  }

  /**
   * Writes frames back in place, for sources opened writable (`r+`):
   * `data` holds consecutive logical frames from `start`. Frames that map to
   * no record in the file (sync offset, truncation) are skipped.
   */
  async writeFrames(start: number, data: PixelArray, signal?: AbortSignal): Promise<void> {
    const write = this.source.write?.bind(this.source);
    if (!write) throw new BlockfileError('UNSUPPORTED', this.name, 'this source was not opened for writing (use mode "r+")');
    const { pixelsPerFrame, syncOffset } = this.geometry;
    if ((this.dtype === 'uint16') !== data instanceof Uint16Array || data.length % pixelsPerFrame !== 0) {
      throw new BlockfileError('BAD_OPTION', this.name, `frames to write must be whole ${this.dtype} frames of ${pixelsPerFrame} values`);
    }
    const count = data.length / pixelsPerFrame;
    if (start < 0 || start + count > this.frameCount) {
      throw new BlockfileError('OUT_OF_RANGE', this.name, `frames ${start}…${start + count - 1} are outside the ${this.frameCount} frames of the scan`);
    }
    for (let i = 0; i < count; i++) {
      signal?.throwIfAborted();
      const record = start + i + syncOffset;
      if (record < 0 || record >= this.layout.completeFrames) continue;
      const offset = recordOffset(this.layout, record) + FRAME_PREFIX_SIZE;
      await write(offset, bytesOf(data, i * pixelsPerFrame, pixelsPerFrame));
    }
  }

  /**
   * Checks the prefix (AA 55 + index) of every record present. By default
   * only the 6-byte prefixes are read, in batches of scattered small reads,
   * so that a file of tens of GB is checked in seconds; `all: true` reads
   * every record whole (and so every byte of the file). Broken records are
   * returned (and warned about); in strict mode the first one throws.
   */
  async verifyFrames(options: { all?: boolean; signal?: AbortSignal; onProgress?: (checked: number, total: number) => void } = {}): Promise<FrameCheck> {
    const complete = this.layout.completeFrames;
    let bytesRead = 0;
    if (options.all) {
      const per = this.blockFrames();
      const scratch = allocatePixels(this.dtype, Math.min(per, complete) * this.layout.pixelsPerFrame, this.name);
      for (let at = 0; at < complete; at += per) {
        const n = Math.min(per, complete - at);
        await this.#readRecords(at, n, scratch, 0, options.signal);
        bytesRead += n * this.layout.recordSize;
        options.onProgress?.(at + n, complete);
      }
    } else {
      const scattered = this.source.readScattered?.bind(this.source);
      for (let at = 0; at < complete; at += PREFIXES_PER_BATCH) {
        const n = Math.min(PREFIXES_PER_BATCH, complete - at);
        const offsets = Array.from({ length: n }, (_, i) => recordOffset(this.layout, at + i));
        let prefixes: Uint8Array;
        if (scattered) prefixes = await scattered(offsets, FRAME_PREFIX_SIZE, options.signal);
        else {
          prefixes = new Uint8Array(FRAME_PREFIX_SIZE * n);
          await runLimited(n, PREFIX_READS_IN_FLIGHT, async (i) => {
            prefixes.set(await this.source.read(offsets[i], FRAME_PREFIX_SIZE, options.signal), i * FRAME_PREFIX_SIZE);
          });
        }
        this.#checkPrefixes(prefixes, at, n);
        bytesRead += n * FRAME_PREFIX_SIZE;
        options.onProgress?.(at + n, complete);
      }
    }
    // Every record present was checked: the broken ones met are all there are.
    return {
      checked: complete,
      missing: this.layout.frameCount - complete,
      bad: { count: this.#badFrames.size, first: this.#firstBadFrames() },
      bytesRead,
    };
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}
