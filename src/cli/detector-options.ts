/** Parsing the detector options of `blo virtual` (kept apart from the analysis code so that parsing loads nothing heavy). */
import type { Detector } from '../analysis/detectors.js';
import { UsageError } from './errors.js';
import { numberList } from './numbers.js';

export type DetectorOption = Detector | { kind: 'mask-file'; path: string };

export function detectorCollector(): { detectors: DetectorOption[]; parse: Record<string, (text: string) => void> } {
  const detectors: DetectorOption[] = [];
  return {
    detectors,
    parse: {
      disk: (text) => {
        const [cx, cy, r] = diskOption('--disk', text);
        detectors.push({ kind: 'disk', cx, cy, r });
      },
      annulus: (text) => {
        const [cx, cy, r1, r2] = numberList('--annulus', text, { count: 4, form: 'CX,CY,R1,R2' });
        if (!(r1 >= 0 && r2 >= r1)) throw new UsageError(`--annulus must have 0 ≤ R1 ≤ R2, got "${text}"`);
        detectors.push({ kind: 'annulus', cx, cy, r1, r2 });
      },
      rect: (text) => {
        const [x0, y0, x1, y1] = rectOption('--rect', text);
        detectors.push({ kind: 'rect', x0, y0, x1, y1 });
      },
      mask: (text) => {
        detectors.push({ kind: 'mask-file', path: text });
      },
    },
  };
}


/** CX,CY,R with R ≥ 0 (pixels of the pattern, or scan positions for a region). */
export function diskOption(option: string, text: string): number[] {
  const values = numberList(option, text, { count: 3, form: 'CX,CY,R' });
  if (!(values[2] >= 0)) throw new UsageError(`${option} must have a radius R ≥ 0, got "${text}"`);
  return values;
}

/** X0,Y0,X1,Y1 with X0 < X1 and Y0 < Y1. */
export function rectOption(option: string, text: string): number[] {
  const values = numberList(option, text, { count: 4, form: 'X0,Y0,X1,Y1' });
  if (!(values[0] < values[2] && values[1] < values[3])) throw new UsageError(`${option} must have X0 < X1 and Y0 < Y1, got "${text}"`);
  return values;
}
