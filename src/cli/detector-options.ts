/**
 * Parsing the detector options of `blo virtual` and `blo com` (kept apart
 * from the analysis code so that parsing loads nothing heavy). Centres and
 * rectangles are pattern pixels (x column, y row); a radius may instead be
 * given in Å⁻¹ (`0.25A-1`) or mrad (`6mrad`), converted with --pixel-size
 * (and the file's beam energy for mrad) once the file is open.
 */
import type { Detector } from '../analysis/detectors.js';
import { mradToReciprocal } from '../crystal/calibration.js';
import { UsageError } from './errors.js';
import { lengthList, numberList, type Length } from './numbers.js';

/** A disk or annulus whose radii wait for the file's calibration. */
export interface CalibratedDetector {
  kind: 'calibrated';
  shape: 'disk' | 'annulus';
  /** The option and its text, for messages. */
  option: string;
  text: string;
  cx: number;
  cy: number;
  radii: Length[];
}

export type DetectorOption = Detector | CalibratedDetector | { kind: 'mask-file'; path: string };

/** What turns pattern lengths in Å⁻¹ or mrad into pixels. */
export interface PatternScale {
  /** Å⁻¹ per pixel (--pixel-size), if given. */
  perPixel?: number;
  /** The file's beam energy in volts (0 when its header has none). */
  volts: number;
  /** The file, for messages. */
  file: string;
}

export function detectorCollector(): { detectors: DetectorOption[]; parse: Record<string, (text: string) => void> } {
  const detectors: DetectorOption[] = [];
  return {
    detectors,
    parse: {
      disk: (text) => {
        detectors.push(diskDetectorOption('--disk', text));
      },
      annulus: (text) => {
        const [cx, cy, r1, r2] = lengthList('--annulus', text, { count: 4, form: 'CX,CY,R1,R2', lengths: [2, 3] });
        if (r1.unit === 'px' && r2.unit === 'px') {
          if (!(r1.value >= 0 && r2.value >= r1.value)) throw new UsageError(`--annulus must have 0 ≤ R1 ≤ R2, got "${text}"`);
          detectors.push({ kind: 'annulus', cx: cx.value, cy: cy.value, r1: r1.value, r2: r2.value });
        } else {
          if (!(r1.value >= 0 && r2.value >= 0)) throw new UsageError(`--annulus must have radii ≥ 0, got "${text}"`);
          detectors.push({ kind: 'calibrated', shape: 'annulus', option: '--annulus', text, cx: cx.value, cy: cy.value, radii: [r1, r2] });
        }
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

/** CX,CY,R of a pattern disk, R in pixels or with a unit (see lengthList). */
export function diskDetectorOption(option: string, text: string): Detector | CalibratedDetector {
  const [cx, cy, r] = lengthList(option, text, { count: 3, form: 'CX,CY,R', lengths: [2] });
  if (!(r.value >= 0)) throw new UsageError(`${option} must have a radius R ≥ 0, got "${text}"`);
  return r.unit === 'px'
    ? { kind: 'disk', cx: cx.value, cy: cy.value, r: r.value }
    : { kind: 'calibrated', shape: 'disk', option, text, cx: cx.value, cy: cy.value, radii: [r] };
}

/** A length in pattern pixels. */
export function lengthToPixels(length: Length, scale: PatternScale, what: string): number {
  if (length.unit === 'px') return length.value;
  if (scale.perPixel === undefined) {
    throw new UsageError(`${what}: a radius in ${length.unit} needs --pixel-size (Å⁻¹ per pattern pixel, or "header" for the header's estimate)`);
  }
  if (length.unit === 'A-1') return length.value / scale.perPixel;
  if (!(scale.volts > 0)) throw new UsageError(`${what}: a radius in mrad needs the beam energy, and the header of ${scale.file} has none (Beam_energy 0): give the radius in A-1`);
  return mradToReciprocal(length.value, scale.volts) / scale.perPixel;
}

/** The analysis detector, radii in pixels. */
export function resolveDetector(d: Detector | CalibratedDetector, scale: PatternScale): Detector {
  if (d.kind !== 'calibrated') return d;
  const what = `${d.option} ${d.text}`;
  const radii = d.radii.map((r) => lengthToPixels(r, scale, what));
  if (d.shape === 'disk') return { kind: 'disk', cx: d.cx, cy: d.cy, r: radii[0] };
  if (!(radii[1] >= radii[0])) throw new UsageError(`${d.option} must have R1 ≤ R2, got "${d.text}" (R1 ${Number(radii[0].toPrecision(6))} px, R2 ${Number(radii[1].toPrecision(6))} px)`);
  return { kind: 'annulus', cx: d.cx, cy: d.cy, r1: radii[0], r2: radii[1] };
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
