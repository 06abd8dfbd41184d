/** Reading .npy files from disk in blocks, for conversions of data larger than memory. */
import { BlockfileError } from '../format/errors.js';
import type { NumericArray } from '../format/types.js';
import { allocateNpy, npyItemSize, parseNpyHeader, type NpyHeader } from '../npy/npy.js';
import { readIntoTargets, type ByteSource } from '../sources/source.js';
import { FileSource } from './file-source.js';

export class NpyFile {
  readonly header: NpyHeader;
  readonly #source: ByteSource;

  private constructor(source: ByteSource, header: NpyHeader) {
    this.#source = source;
    this.header = header;
  }

  static async open(path: string): Promise<NpyFile> {
    let source: FileSource;
    try {
      source = await FileSource.open(path);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new BlockfileError('READ_FAILED', path, code === 'ENOENT' ? 'no such file' : (cause as Error).message, { cause });
    }
    try {
      const head = await source.read(0, Math.min(source.size, 1 << 20));
      let header: NpyHeader;
      try {
        header = parseNpyHeader(head, path);
      } catch (cause) {
        throw new BlockfileError('BAD_OPTION', path, (cause as Error).message.replace(`${path}: `, ''), { cause });
      }
      if (header.fortranOrder) throw new BlockfileError('UNSUPPORTED', path, 'Fortran-order .npy files are not supported; save with C order');
      const needed = header.dataOffset + this.count(header) * npyItemSize(header.dtype);
      if (source.size < needed) throw new BlockfileError('TOO_SHORT', path, `.npy data is cut short: ${source.size} of ${needed} bytes`);
      return new NpyFile(source, header);
    } catch (error) {
      await source.close();
      throw error;
    }
  }

  private static count(header: NpyHeader): number {
    return header.shape.reduce((a, b) => a * b, 1);
  }

  get name(): string {
    return this.#source.name;
  }

  /** Values per frame: the product of the last two dimensions. */
  get frameValues(): number {
    const s = this.header.shape;
    return s.length >= 2 ? s[s.length - 1] * s[s.length - 2] : 1;
  }

  get frameCount(): number {
    return NpyFile.count(this.header) / this.frameValues;
  }

  /**
   * Whole frames in blocks of about `blockBytes`, each read straight into
   * place. A block's `data` is reused by the next iteration unless `reuse`
   * is false, so that memory stays at one block whatever the file size.
   */
  async *blocks(options: { blockBytes?: number; reuse?: boolean } = {}): AsyncGenerator<{ start: number; data: NumericArray }> {
    const item = npyItemSize(this.header.dtype);
    const frameBytes = this.frameValues * item;
    const per = Math.max(1, Math.floor((options.blockBytes ?? 8 << 20) / frameBytes));
    const reuse = options.reuse ?? true;
    let buffer: NumericArray | undefined;
    for (let start = 0; start < this.frameCount; start += per) {
      const n = Math.min(per, this.frameCount - start);
      if (!reuse || !buffer) buffer = allocateNpy(this.header.dtype, per * this.frameValues) as NumericArray;
      const data = buffer.subarray(0, n * this.frameValues) as NumericArray;
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const read = await readIntoTargets(this.#source, this.header.dataOffset + start * frameBytes, [bytes]);
      if (read < bytes.length) throw new BlockfileError('TOO_SHORT', this.name, `.npy data ended early at frame ${start}`);
      yield { start, data };
    }
  }

  async close(): Promise<void> {
    await this.#source.close();
  }
}
