/** Writes a physically simulated SPED scan as a blockfile, and its ground truth as a .ctf. */
import { basename } from 'node:path';
import { createSpedDemo, type SpedDemoOptions } from '../crystal/sped-demo.js';
import { isoToSerialDate } from '../format/dates.js';
import type { WriteProgress } from '../writer/stream-writer.js';
import { checkTarget, writeFileAtomically } from './atomic-file.js';
import { writeRenderedScan } from './demo-file.js';

export interface SpedDemoFileOptions extends SpedDemoOptions {
  /** Where to write the ground-truth phase and orientation map (.ctf), if anywhere. */
  truth?: string;
  overwrite?: boolean;
  onProgress?: (progress: WriteProgress) => void;
  signal?: AbortSignal;
}

/** Fixed so that the same seed gives the same file, byte for byte. */
const ACQUISITION = isoToSerialDate('2026-01-01', '12:00:00') ?? 0;

export async function writeSpedDemoFile(path: string, options: SpedDemoFileOptions): Promise<void> {
  if (!options.overwrite) {
    // Both refused before either is written.
    await checkTarget(path);
    if (options.truth !== undefined) await checkTarget(options.truth);
  }
  const demo = createSpedDemo(options);
  const { nx, ny, dpSize, bits, voltage } = demo.options;
  const init = {
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
    navigator: 'mean' as const,
  };
  await writeRenderedScan(path, init, (index, out) => demo.renderFrame(index, out), options);
  if (options.truth !== undefined) {
    const text = new TextEncoder().encode(demo.truthCtf(basename(path)));
    await writeFileAtomically(options.truth, { overwrite: options.overwrite }, (sink) => sink.write(text, 0));
  }
}
