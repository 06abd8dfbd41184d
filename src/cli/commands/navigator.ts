/** `blo navigator FILE.blo OUT.npy|OUT.png`: the stored virtual bright-field image. */
import { encode } from 'fast-png';
import { writeFileAtomically } from '../../node/atomic-file.js';
import { openBlockfile } from '../../node/open.js';
import { encodeNpyHeader } from '../../npy/npy.js';
import { UsageError } from '../errors.js';
import { concat } from '../image-output.js';

export async function navigatorCommand(input: string, output: string, options: { overwrite?: boolean }, warn: (line: string) => void): Promise<void> {
  const kind = /\.(npy|png)$/i.exec(output)?.[1]?.toLowerCase();
  if (!kind) throw new UsageError(`cannot write the navigator to ${output}: use a .npy or .png file`);
  const blockfile = await openBlockfile(input);
  try {
    // Unavailable: the error says so in one line (the warning would repeat it).
    const { data, shape } = await blockfile.navigator();
    for (const w of blockfile.warnings) warn(w.message);
    const bytes =
      kind === 'png'
        ? encode({ width: shape[1], height: shape[0], data, depth: 8, channels: 1 })
        : concat(encodeNpyHeader('uint8', shape), data);
    await writeFileAtomically(output, options, (sink) => sink.write(bytes, 0));
  } finally {
    await blockfile.close();
  }
}
