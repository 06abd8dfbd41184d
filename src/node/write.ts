/** Writing blockfiles to paths, safely: a temporary file beside the target, renamed when complete. */
import type { BlockfileWarning } from '../format/errors.js';
import { writeBlockfileTo, type WritableSignal, type WriteOptions } from '../writer/signal-writer.js';
import { writeFileAtomically } from './atomic-file.js';

/**
 * RosettaSciIO's `file_writer`: writes `signal` (the reader's signal
 * dictionary, or any numeric data with a shape) to `path`. An existing file
 * is refused unless `overwrite`; a failure leaves no partial file and any
 * previous one intact. Returns the warnings (unit conversions, overflow).
 */
export async function writeBlockfile(
  path: string,
  signal: WritableSignal,
  options: WriteOptions & { overwrite?: boolean } = {},
): Promise<BlockfileWarning[]> {
  return writeFileAtomically(path, options, (sink) => writeBlockfileTo(sink, signal, options));
}
