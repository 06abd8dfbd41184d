/** Turning failures into one line on stderr and an exit code, never a stack trace. */
import { BlockfileError } from '../format/errors.js';

/** Wrong usage: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The library's option names in its messages, as the CLI's flags. */
const LIBRARY_TO_FLAG: [RegExp, string][] = [
  [/pass overwrite: true/g, 'use --overwrite'],
  [/\bintensityScaling\b/g, '--intensity-scaling'],
  [/\bnavigatorSignal\b/g, '--navigator'],
  [/\bbitDepth\b/g, '--bits'],
];

/** A library message in the CLI's words. */
export function inFlagWords(message: string): string {
  return LIBRARY_TO_FLAG.reduce((text, [pattern, flag]) => text.replace(pattern, flag), message);
}

/**
 * The one line a failure gets and the exit code: 2 for wrong usage (with a
 * pointer to the command's help), 1 for everything else.
 */
export function describeFailure(error: unknown, command?: string): { line: string; exitCode: number } {
  if (error instanceof UsageError) return { line: `blo: ${error.message} (see blo ${command ? `${command} ` : ''}--help)`, exitCode: 2 };
  if (error instanceof BlockfileError) return { line: `blo: ${inFlagWords(error.message)}`, exitCode: 1 };
  const e = error as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.message === 'string') {
    const where = e.path ? `${e.path}: ` : '';
    const text = e.code && e.path ? `${where}${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'ENOSPC' ? 'no space left on device' : e.message}` : e.message;
    return { line: `blo: ${text.split('\n')[0]}`, exitCode: 1 };
  }
  return { line: `blo: ${String(error)}`, exitCode: 1 };
}
