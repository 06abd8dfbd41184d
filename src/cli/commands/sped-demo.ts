/** `blo demo OUT.blo --phase A.cif [--phase B.cif] …`: a physically simulated polycrystal SPED scan. */
import { loadPhase } from '../../node/crystal.js';
import { writeSpedDemoFile } from '../../node/sped-demo-file.js';
import { UsageError } from '../errors.js';
import { progressBar } from '../progress.js';
import { parsePositive } from './crystal.js';
import { parseScan, type DemoOptions } from './demo.js';

export interface SpedDemoFlags {
  phase?: string[];
  grains?: string;
  pixelSize?: string;
  precession?: string;
  voltage?: string;
  thickness?: string;
  truth?: string;
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export async function spedDemoCommand(output: string, options: DemoOptions & SpedDemoFlags): Promise<void> {
  const { ny, nx } = parseScan(options.scan);
  const dpSize = parsePositive('--size', options.size, { integer: true });
  if (dpSize < 8 || dpSize > 4096) throw new UsageError(`--size must be 8 to 4096 with --phase, got ${dpSize}`);
  if (options.bits !== '8' && options.bits !== '16') throw new UsageError(`--bits must be 8 or 16, got "${options.bits}"`);
  if (!/^\d+$/.test(options.seed)) throw new UsageError(`--seed must be a non-negative integer, got "${options.seed}"`);
  if (options.pixelSize === undefined) throw new UsageError('--phase needs --pixel-size (Å⁻¹ per pixel)');
  const pixelSize = parsePositive('--pixel-size', options.pixelSize);
  const grains = options.grains === undefined ? 8 : parsePositive('--grains', options.grains, { integer: true });
  if (grains > 65535) throw new UsageError(`--grains must be at most 65535, got ${grains}`);
  const precession = options.precession === undefined ? 1 : parsePositive('--precession', options.precession, { zero: true });
  if (precession >= 10) throw new UsageError(`--precession must be below 10 degrees, got ${precession}`);
  const voltage = options.voltage === undefined ? 200 : parsePositive('--voltage', options.voltage);
  const thickness = options.thickness === undefined ? 40 : parsePositive('--thickness', options.thickness);
  if (options.truth !== undefined && !/\.ctf$/i.test(options.truth)) throw new UsageError(`--truth writes a .ctf file, got "${options.truth}"`);
  const phases = [];
  for (const file of options.phase!) phases.push(await loadPhase(file));
  const bar = progressBar('simulating demo');
  try {
    await writeSpedDemoFile(output, {
      phases,
      nx,
      ny,
      dpSize,
      bits: Number(options.bits) as 8 | 16,
      seed: Number(options.seed),
      grains,
      pixelSize,
      precession,
      voltage,
      thickness,
      truth: options.truth,
      overwrite: options.overwrite,
      onProgress: (p) => bar.update(p.frames, p.totalFrames),
    });
  } finally {
    bar.stop();
  }
}
