/** The Python reference implementations (Debian's, under /usr/bin/python3), where installed. */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** Whether `import module` works; the reason to print when it does not. */
export function pythonModule(module: string): { ok: boolean; why: string } {
  const result = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (result.error) return { ok: false, why: `${PYTHON} not found` };
  return result.status === 0 ? { ok: true, why: '' } : { ok: false, why: `${PYTHON} cannot import ${module}` };
}

export function runPython(script: string, args: string[], timeoutMs = 300_000): string {
  const result = spawnSync(PYTHON, [script, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}
