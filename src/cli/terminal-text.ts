/**
 * Text from a file (a note, a header string, a name inside a message) must
 * not reach the terminal raw: an ESC or C1 control in it could retitle the
 * window, clear the screen or hide what follows, and bidirectional
 * overrides could reorder what is shown. Such characters are printed as
 * escapes instead.
 */

/** C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\t') return '\\t';
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character written as an escape (`\x1b`, `\n`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** What JSON.stringify leaves raw inside strings: DEL, C1 controls, separators and bidi characters. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text that is safe on a terminal (and still the same JSON). */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
