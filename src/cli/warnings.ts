/** Printing a command's warnings once each, as they come: some (broken frame records) are found only while reading. */
import type { BlockfileWarning } from '../format/errors.js';

export function warningPrinter(warn: (line: string) => void): (warnings: readonly BlockfileWarning[]) => void {
  const printed = new Set<string>();
  return (warnings) => {
    for (const w of warnings) {
      if (printed.has(w.message)) continue;
      printed.add(w.message);
      warn(w.message);
    }
  };
}
