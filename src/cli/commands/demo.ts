/** `blo demo OUT.blo`: a synthetic polycrystal SPED dataset. */
import { writeDemoFile } from '../../node/demo-file.js';
import { UsageError } from '../errors.js';
import { progressBar } from '../progress.js';
import { spedDemoCommand, type SpedDemoFlags } from './sped-demo.js';

export interface DemoOptions {
  scan: string;
  size: string;
  bits: string;
  seed: string;
  overwrite?: boolean;
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(`${name} must be an integer from 1 to 65535, got "${text}"`);
  }
  return n;
}

export function parseScan(text: string): { ny: number; nx: number } {
  const m = /^(\d+)x(\d+)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--scan must look like NYxNX (e.g. 64x64), got "${text}"`);
  return { ny: positiveInt('--scan NY', m[1]), nx: positiveInt('--scan NX', m[2]) };
}

export async function demoCommand(output: string, options: DemoOptions & SpedDemoFlags): Promise<void> {
  if (options.phase !== undefined) return spedDemoCommand(output, options);
  for (const flag of ['grains', 'pixelSize', 'precession', 'voltage', 'thickness', 'truth'] as const) {
    if (options[flag] !== undefined) throw new UsageError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --phase (a physically simulated demo)`);
  }
  const { ny, nx } = parseScan(options.scan);
  const dpSize = positiveInt('--size', options.size);
  if (options.bits !== '8' && options.bits !== '16') throw new UsageError(`--bits must be 8 or 16, got "${options.bits}"`);
  if (!/^\d+$/.test(options.seed)) throw new UsageError(`--seed must be a non-negative integer, got "${options.seed}"`);
  const bar = progressBar('writing demo');
  try {
    await writeDemoFile(output, {
      nx,
      ny,
      dpSize,
      bits: Number(options.bits) as 8 | 16,
      seed: Number(options.seed),
      overwrite: options.overwrite,
      onProgress: (p) => bar.update(p.frames, p.totalFrames),
    });
  } finally {
    bar.stop();
  }
}
