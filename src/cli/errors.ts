/** Turning failures into one line on stderr and an exit code, never a stack trace. */
import { BlockfileError } from '../format/errors.js';

/** Wrong usage: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function describeFailure(error: unknown): { line: string; exitCode: number } {
  if (error instanceof UsageError) return { line: `blo: ${error.message}`, exitCode: 2 };
  if (error instanceof BlockfileError) return { line: `blo: ${error.message}`, exitCode: 1 };
  const e = error as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.message === 'string') {
    const where = e.path ? `${e.path}: ` : '';
    const text = e.code && e.path ? `${where}${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'ENOSPC' ? 'no space left on device' : e.message}` : e.message;
    return { line: `blo: ${text.split('\n')[0]}`, exitCode: 1 };
  }
  return { line: `blo: ${String(error)}`, exitCode: 1 };
}
