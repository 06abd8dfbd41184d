/** Parsing the detector options of `blo virtual` (kept apart from the analysis code so that parsing loads nothing heavy). */
import type { Detector } from '../analysis/detectors.js';
import { UsageError } from './errors.js';

export function numbers(flag: string, text: string, count: number, form: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length !== count || !values.every(Number.isFinite)) throw new UsageError(`${flag} must be ${form}, got "${text}"`);
  return values;
}

/** Commander option parsers that collect detectors in the order given. */
export type DetectorOption = Detector | { kind: 'mask-file'; path: string };

export function detectorCollector(): { detectors: DetectorOption[]; parse: Record<string, (text: string) => void> } {
  const detectors: DetectorOption[] = [];
  return {
    detectors,
    parse: {
      disk: (text) => {
        const [cx, cy, r] = numbers('--disk', text, 3, 'CX,CY,R');
        detectors.push({ kind: 'disk', cx, cy, r });
      },
      annulus: (text) => {
        const [cx, cy, r1, r2] = numbers('--annulus', text, 4, 'CX,CY,R1,R2');
        detectors.push({ kind: 'annulus', cx, cy, r1, r2 });
      },
      rect: (text) => {
        const [x0, y0, x1, y1] = numbers('--rect', text, 4, 'X0,Y0,X1,Y1');
        detectors.push({ kind: 'rect', x0, y0, x1, y1 });
      },
      mask: (text) => {
        detectors.push({ kind: 'mask-file', path: text });
      },
    },
  };
}

