/** `blo convert FILE.blo OUT.npy`: the data as a NumPy array, streamed. */
import { writeFileAtomically } from '../../node/atomic-file.js';
import { openBlockfile } from '../../node/open.js';
import { encodeNpyHeader } from '../../npy/npy.js';
import { UsageError } from '../errors.js';
import { progressBar } from '../progress.js';

export interface ConvertOptions {
  overwrite?: boolean;
}

function extension(path: string): string {
  return /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
}

export async function convertCommand(input: string, output: string, options: ConvertOptions, warn: (line: string) => void): Promise<void> {
  const from = extension(input);
  const to = extension(output);
  if (from !== 'blo' || to !== 'npy') {
    throw new UsageError(`cannot convert .${from} to .${to}: supported is FILE.blo to OUT.npy`);
  }
  const blockfile = await openBlockfile(input);
  const bar = progressBar('converting');
  try {
    for (const w of blockfile.warnings) warn(w.message);
    const header = encodeNpyHeader(blockfile.dtype, blockfile.squeezedShape);
    const bytesPerFrame = blockfile.geometry.pixelsPerFrame * blockfile.layout.bytesPerPixel;
    await writeFileAtomically(output, options, async (sink) => {
      await sink.write(header, 0);
      for await (const block of blockfile.blocks()) {
        const bytes = new Uint8Array(block.data.buffer, block.data.byteOffset, block.data.byteLength);
        await sink.write(bytes, header.length + block.start * bytesPerFrame);
        bar.update(block.start + block.count, blockfile.frameCount);
      }
    });
  } finally {
    bar.stop();
    await blockfile.close();
  }
}
