/** A progress bar on stderr when it is a terminal; nothing otherwise. */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';

/** cli-progress is loaded only when a bar is shown: piped and scripted runs never pay for it. */
const require = createRequire(import.meta.url);

export interface Progress {
  /** `detail` replaces "done/total unit" (e.g. to name a pass). */
  update(done: number, total: number, detail?: string): void;
  stop(): void;
}

export function progressBar(label: string, unit = 'frames'): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const cliProgress = require('cli-progress') as typeof CliProgress;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {detail} | {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, detail) {
      const payload = { detail: detail ?? `${done}/${total} ${unit}` };
      if (!started) {
        bar.start(total, 0, payload);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
