/** Writes a physically simulated SPED scan as a blockfile, and its ground truth as a .ctf. */
import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { createSpedDemo, type SpedDemoOptions } from '../crystal/sped-demo.js';
import { BlockfileError } from '../format/errors.js';
import { isoToSerialDate } from '../format/dates.js';
import { BlockfileStreamWriter, type WriteProgress } from '../writer/stream-writer.js';
import { writeFileAtomically } from './atomic-file.js';

export interface SpedDemoFileOptions extends SpedDemoOptions {
  /** Where to write the ground-truth phase and orientation map (.ctf), if anywhere. */
  truth?: string;
  overwrite?: boolean;
  onProgress?: (progress: WriteProgress) => void;
  signal?: AbortSignal;
}

/** Fixed so that the same seed gives the same file, byte for byte. */
const ACQUISITION = isoToSerialDate('2026-01-01', '12:00:00') ?? 0;
const BLOCK_BYTES = 8 * 1024 * 1024;

async function refuseExisting(path: string): Promise<void> {
  const present = await access(path).then(
    () => true,
    () => false,
  );
  if (present) throw new BlockfileError('BAD_OPTION', path, 'file exists; pass overwrite: true to replace it');
}

export async function writeSpedDemoFile(path: string, options: SpedDemoFileOptions): Promise<void> {
  if (!options.overwrite) {
    await refuseExisting(path);
    if (options.truth !== undefined) await refuseExisting(options.truth);
  }
  const demo = createSpedDemo(options);
  const { nx, ny, dpSize, bits, voltage } = demo.options;
  await writeFileAtomically(path, { overwrite: options.overwrite }, async (sink) => {
    const writer = new BlockfileStreamWriter(sink, {
      nx,
      ny,
      dpSize,
      bits,
      header: {
        SX: demo.scanStepNm,
        SY: demo.scanStepNm,
        SDP: Math.min(65535, Math.max(1, Math.round(100 / demo.patternCmPerPixel))),
        Beam_energy: Math.round(voltage * 1000),
        Camera_length: 2_000,
        Scan_rotation: 0,
        Acquisition_time: ACQUISITION,
      },
      note: demo.note,
      navigator: 'mean',
      onProgress: options.onProgress,
      signal: options.signal,
    });
    const pixels = dpSize * dpSize;
    const perBlock = Math.max(1, Math.floor(BLOCK_BYTES / (pixels * (bits / 8))));
    const block = bits === 16 ? new Uint16Array(perBlock * pixels) : new Uint8Array(perBlock * pixels);
    const total = nx * ny;
    for (let start = 0; start < total; start += perBlock) {
      const count = Math.min(perBlock, total - start);
      for (let i = 0; i < count; i++) demo.renderFrame(start + i, block.subarray(i * pixels, (i + 1) * pixels));
      await writer.writeFrames(block.subarray(0, count * pixels));
    }
    await writer.finish();
  });
  if (options.truth !== undefined) {
    const text = new TextEncoder().encode(demo.truthCtf(basename(path)));
    await writeFileAtomically(options.truth, { overwrite: options.overwrite }, (sink) => sink.write(text, 0));
  }
}
