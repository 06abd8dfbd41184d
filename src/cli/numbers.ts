/**
 * Numeric command-line values, parsed one way everywhere: empty parts are
 * not zeros, and each option says in its message what it takes.
 */
import { UsageError } from './errors.js';

export interface NumberSpec {
  /** How many numbers (one of these counts); default 1. */
  count?: number | readonly number[];
  integer?: boolean;
  /** Inclusive lower and upper bounds. */
  min?: number;
  max?: number;
  /** Exclusive lower bound (e.g. 0 for positive). */
  above?: number;
  /** The form shown in the message, e.g. "CX,CY,R" or "Y,X". */
  form?: string;
}

function describe(spec: NumberSpec): string {
  const counts = typeof spec.count === 'number' || spec.count === undefined ? [spec.count ?? 1] : [...spec.count];
  const kind = spec.integer ? 'whole number' : 'number';
  const many = counts.length > 1 || counts[0] !== 1;
  const bounds = [
    spec.above !== undefined ? (spec.above === 0 ? 'positive' : `above ${spec.above}`) : undefined,
    spec.min !== undefined ? `≥ ${spec.min}` : undefined,
    spec.max !== undefined ? `≤ ${spec.max}` : undefined,
  ].filter(Boolean);
  const what = `${many ? `${counts.join(' or ')} ` : 'a '}${bounds[0] === 'positive' ? 'positive ' : ''}${kind}${many ? 's' : ''}${bounds.filter((b) => b !== 'positive').map((b) => ` ${b}`).join('')}`;
  return spec.form ? `${spec.form}: ${what}${many ? ' separated by commas' : ''}` : `${what}${many ? ' separated by commas' : ''}`;
}

/** The numbers in `text` (comma-separated), checked against `spec`; a UsageError naming `option` otherwise. */
export function numberList(option: string, text: string, spec: NumberSpec = {}): number[] {
  const counts = typeof spec.count === 'number' || spec.count === undefined ? [spec.count ?? 1] : spec.count;
  const values = text.split(',').map((part) => (part.trim() === '' ? NaN : Number(part)));
  const ok =
    counts.includes(values.length) &&
    values.every(
      (v) =>
        Number.isFinite(v) &&
        (!spec.integer || Number.isInteger(v)) &&
        (spec.min === undefined || v >= spec.min) &&
        (spec.max === undefined || v <= spec.max) &&
        (spec.above === undefined || v > spec.above),
    );
  if (!ok) throw new UsageError(`${option} must be ${describe(spec)}, got "${text}"`);
  return values;
}

/** One number. */
export function numberOption(option: string, text: string, spec: Omit<NumberSpec, 'count'> = {}): number {
  return numberList(option, text, { ...spec, count: 1 })[0];
}

/** A pattern length as given: pixels, Å⁻¹ (suffix `A-1`, also `Å-1`, `Å⁻¹`, `1/A`) or mrad (suffix `mrad`). */
export type LengthUnit = 'px' | 'A-1' | 'mrad';

export interface Length {
  value: number;
  unit: LengthUnit;
}

const UNIT_SUFFIXES: [RegExp, LengthUnit][] = [
  [/(?:A-1|Å-1|Å⁻¹|1\/A)$/i, 'A-1'],
  [/mrad$/i, 'mrad'],
  [/px$/i, 'px'],
];

/**
 * Comma-separated numbers of which those at `lengths` (indexes) may carry a
 * unit suffix (`0.25A-1`, `6mrad`, `12px`); the others are pattern pixels.
 * Bounds in `spec` apply to the numbers as given.
 */
export function lengthList(option: string, text: string, spec: NumberSpec & { lengths: readonly number[] }): Length[] {
  const parts = text.split(',');
  const units: LengthUnit[] = [];
  const bare = parts.map((part, i) => {
    const trimmed = part.trim();
    const match = UNIT_SUFFIXES.find(([pattern]) => pattern.test(trimmed));
    if (!match || match[1] === 'px') {
      units.push('px');
      return match ? trimmed.replace(match[0], '') : trimmed;
    }
    if (!spec.lengths.includes(i)) {
      throw new UsageError(`${option}: only ${spec.form ? `the radii of ${spec.form}` : 'lengths'} take A-1 or mrad; positions are pattern pixels, got "${text}"`);
    }
    units.push(match[1]);
    return trimmed.replace(match[0], '');
  });
  let values: number[];
  try {
    values = numberList(option, bare.join(','), spec);
  } catch (error) {
    // The message quotes what was typed, suffixes included.
    throw new UsageError((error as Error).message.replace(`got "${bare.join(',')}"`, `got "${text}"`));
  }
  return values.map((value, i) => ({ value, unit: units[i] }));
}
