/** Running the built `blo` binary as a user would. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './fixtures.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function blo(...args: string[]): CliResult {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'blo.js'), ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'blo-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Asserts the CLI failed the way a user should see it: one line, no stack trace. */
export function oneLineError(result: CliResult): string {
  const lines = result.stderr.trimEnd().split('\n');
  if (lines.length !== 1 || /\bat .*:\d+:\d+/.test(result.stderr)) {
    throw new Error(`expected one line on stderr, got:\n${result.stderr}`);
  }
  return lines[0];
}

/**
 * Runs `blo ARGS` in a child process and returns its result with its peak
 * resident set size in MB (the memory the user would see).
 */
export function bloPeakMemory(...args: string[]): CliResult & { peakMb: number } {
  const script = `
    process.on('exit', () => process.stderr.write('maxrss-kb=' + process.resourceUsage().maxRSS + '\\n'));
    process.argv = [process.argv[0], 'blo', ...${JSON.stringify(args)}];
    await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', 'cli', 'run.js')).href)});
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const peak = /maxrss-kb=(\d+)/.exec(result.stderr);
  if (result.status !== 0 || !peak) throw new Error(`blo ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.replace(peak[0], '').trim(), peakMb: Number(peak[1]) / 1024 };
}
