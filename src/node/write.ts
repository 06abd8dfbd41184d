/** Writing blockfiles to paths, safely: a temporary file beside the target, renamed when complete. */
import type { BlockfileWarning } from '../format/errors.js';
import {
  writeBlockfileTo,
  writeFrameStreamTo,
  type FrameStream,
  type WritableSignal,
  type WriterDescription,
  type WriteOptions,
} from '../writer/signal-writer.js';
import { writeFileAtomically, type TargetOptions } from './atomic-file.js';

/**
 * RosettaSciIO's `file_writer`: writes `signal` (the reader's signal
 * dictionary, or any numeric data with a shape) to `path`. An existing file
 * is refused unless `overwrite`; a failure leaves no partial file and any
 * previous one intact. Returns the warnings (unit conversions, overflow).
 */
export async function writeBlockfile(
  path: string,
  signal: WritableSignal,
  options: WriteOptions & TargetOptions = {},
): Promise<BlockfileWarning[]> {
  return writeFileAtomically(path, options, (sink) => writeBlockfileTo(sink, signal, options));
}

/**
 * Writes frames that come as a stream (blocks of whole frames in scan order)
 * to `path`, safely as `writeBlockfile` does, holding one block at a time.
 * `description` gives shape, dtype, axes and metadata. For `'minmax'`
 * scaling pass `frames` as a function: the stream is read twice.
 */
export async function writeBlockfileFrames(
  path: string,
  description: WriterDescription,
  frames: FrameStream,
  options: WriteOptions & TargetOptions & { minmax?: [number, number] } = {},
): Promise<BlockfileWarning[]> {
  return writeFileAtomically(path, options, (sink) => writeFrameStreamTo(sink, description, frames, options));
}
