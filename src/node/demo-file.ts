/** Writes a synthetic SPED dataset as a blockfile, streaming, through the one writer. */
import { createSyntheticDataset, type SyntheticOptions } from '../demo/synthetic.js';
import { demoHeaderFields } from '../demo/demo-header.js';
import { BlockfileStreamWriter, type StreamWriterInit, type WriteProgress } from '../writer/stream-writer.js';
import { writeFileAtomically } from './atomic-file.js';

export interface DemoFileOptions extends SyntheticOptions {
  overwrite?: boolean;
  onProgress?: (progress: WriteProgress) => void;
  signal?: AbortSignal;
}

/** Frames generated and written per block: bounded memory whatever the scan size. */
const BLOCK_BYTES = 8 * 1024 * 1024;

/**
 * Streams a scan whose frames are rendered one by one (`render(index, out)`)
 * into a blockfile at `path`, through the one writer, a block at a time.
 */
export async function writeRenderedScan(
  path: string,
  init: Omit<StreamWriterInit, 'onProgress' | 'signal'> & { bits: 8 | 16 },
  render: (index: number, out: Uint8Array | Uint16Array) => void,
  options: { overwrite?: boolean; onProgress?: (progress: WriteProgress) => void; signal?: AbortSignal },
): Promise<void> {
  const { nx, ny, dpSize, bits } = init;
  await writeFileAtomically(path, { overwrite: options.overwrite }, async (sink) => {
    const writer = new BlockfileStreamWriter(sink, { ...init, onProgress: options.onProgress, signal: options.signal });
    const pixels = dpSize * dpSize;
    const perBlock = Math.max(1, Math.floor(BLOCK_BYTES / (pixels * (bits / 8))));
    const block = bits === 16 ? new Uint16Array(perBlock * pixels) : new Uint8Array(perBlock * pixels);
    const total = nx * ny;
    for (let start = 0; start < total; start += perBlock) {
      const count = Math.min(perBlock, total - start);
      for (let i = 0; i < count; i++) render(start + i, block.subarray(i * pixels, (i + 1) * pixels));
      await writer.writeFrames(block.subarray(0, count * pixels));
    }
    await writer.finish();
  });
}

export async function writeDemoFile(path: string, options: DemoFileOptions): Promise<void> {
  const dataset = createSyntheticDataset(options);
  const { nx, ny, dpSize, bits } = dataset.options;
  const init = { nx, ny, dpSize, bits, header: demoHeaderFields(dataset), note: dataset.note, navigator: 'mean' as const };
  await writeRenderedScan(path, init, (index, out) => dataset.renderFrame(index, out), options);
}
