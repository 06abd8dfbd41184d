/**
 * The header RosettaSciIO's writer builds from a signal: fields from
 * `original_metadata.blockfile_header` when present, defaults otherwise;
 * NX, NY, DP_SZ, SX, SY and SDP always from the data and its axes, with
 * navigation axes in nm and signal axes in cm.
 */
import { isoToSerialDate } from '../format/dates.js';
import { BlockfileError, type BlockfileWarning } from '../format/errors.js';
import { HEADER_FIELD_NAMES, type BlockfileHeader } from '../format/header.js';
import type { Axis } from '../format/types.js';

/** Metres per unit, for the length units microscopy software writes. */
const METRES: Record<string, number> = {
  m: 1,
  cm: 1e-2,
  mm: 1e-3,
  µm: 1e-6,
  μm: 1e-6,
  um: 1e-6,
  micron: 1e-6,
  nm: 1e-9,
  pm: 1e-12,
  '\u00c5': 1e-10, // Å
  '\u212b': 1e-10, // the angstrom sign
  angstrom: 1e-10,
  Angstrom: 1e-10,
};

/** Converts a length from one unit to another; undefined when either is not a known length unit. */
export function convertLength(value: number, from: string, to: string): number | undefined {
  const a = METRES[from.trim()];
  const b = METRES[to];
  if (a === undefined || b === undefined) return undefined;
  // The same unit (µm and um alike) converts exactly, without rounding through metres.
  return a === b ? value : (value * a) / b;
}

/** What the writer needs to know of a signal besides its data. */
export interface SignalDescription {
  shape: readonly number[];
  axes?: readonly Axis[];
  metadata?: { General?: { date?: string; time?: string; notes?: string } } & Record<string, unknown>;
  original_metadata?: { blockfile_header?: Partial<BlockfileHeader> & { Note?: string } } & Record<string, unknown>;
}

export interface HeaderPlan {
  nx: number;
  ny: number;
  dpSize: number;
  /** Header fields to write (dimensions, offsets and bit depth are the writer's). */
  header: Partial<BlockfileHeader>;
  note: string;
  warnings: BlockfileWarning[];
}

/** Axes as HyperSpy gives data without calibration: the last two are the signal, no units, scale 1. */
export function defaultAxes(shape: readonly number[]): Axis[] {
  const names = shape.length >= 4 ? ['y', 'x', 'dy', 'dx'] : shape.length === 3 ? ['x', 'dy', 'dx'] : ['dy', 'dx'];
  return shape.map((size, i) => ({ name: names[i] ?? `axis${i}`, size, scale: 1, offset: 0, units: '', navigate: i < shape.length - 2 }));
}

function convertAxis(axis: Axis, to: 'nm' | 'cm', kind: string, target: string, warnings: BlockfileWarning[]): Axis {
  const why = axis.units
    ? `Existing units, ${axis.units} could not be converted; saving axes scales as is.`
    : `The ${axis.name || 'unnamed'} axis does not have units; saving axes scales as is.`;
  if (axis.units) {
    const scale = convertLength(axis.scale, axis.units, to);
    const offset = convertLength(axis.offset, axis.units, to);
    if (scale !== undefined && offset !== undefined) return { ...axis, scale, offset, units: to };
  }
  warnings.push({
    code: 'UNITS',
    message: `${target}: BLO file expects ${to} units in ${kind} dimensions. ${why} Beware that scales will likely be incorrect in the file.`,
  });
  return axis;
}

export function headerFromSignal(signal: SignalDescription, target: string): HeaderPlan {
  const warnings: BlockfileWarning[] = [];
  const axes = signal.axes ?? defaultAxes(signal.shape);
  if (axes.length !== signal.shape.length || axes.some((a, i) => a.size !== signal.shape[i])) {
    throw new BlockfileError('BAD_OPTION', target, `the axes (sizes ${axes.map((a) => a.size).join(', ')}) do not match the data shape [${signal.shape.join(', ')}]`);
  }
  const sig = axes.filter((a) => !a.navigate).map((a) => convertAxis(a, 'cm', 'signal', target, warnings));
  const nav = axes.filter((a) => a.navigate).map((a) => convertAxis(a, 'nm', 'navigation', target, warnings));
  if (sig.length !== 2) {
    throw new BlockfileError('BAD_DIMENSIONS', target, `a blockfile stores 2-D patterns; the signal has ${sig.length} signal dimension(s)`);
  }
  if (sig[0].size !== sig[1].size) {
    throw new BlockfileError('BAD_DIMENSIONS', target, `Blockfiles require signal shape to be square! Got ${sig[0].size}×${sig[1].size}`);
  }
  if (nav.length > 2) {
    throw new BlockfileError('BAD_DIMENSIONS', target, `a blockfile stores a scan of at most 2 dimensions; the signal has ${nav.length}`);
  }
  const [ny, nx, sy, sx] =
    nav.length === 2
      ? [nav[0].size, nav[1].size, nav[0].scale, nav[1].scale]
      : nav.length === 1
        ? [1, nav[0].size, nav[0].scale, nav[0].scale]
        : [1, 1, 1, 1];
  const sdp = Math.trunc(100 / sig[1].scale);
  if (!(sdp >= 0 && sdp <= 0xffff)) {
    throw new BlockfileError('BAD_OPTION', target, `pattern scale ${sig[1].scale} cm/pixel gives SDP ${100 / sig[1].scale}, outside the header's 0–65535`);
  }
  const original = signal.original_metadata?.blockfile_header;
  const header: Partial<BlockfileHeader> = {};
  let note = '';
  if (original) {
    for (const name of HEADER_FIELD_NAMES) if (original[name] !== undefined) (header as Record<string, unknown>)[name] = original[name];
    note = String(original.Note ?? '');
  } else {
    // Not RosettaSciIO's behaviour, which drops them: date, time and notes travel.
    const general = signal.metadata?.General;
    const serial = general?.date ? isoToSerialDate(general.date, general.time?.slice(0, 15)) : undefined;
    if (serial !== undefined) header.Acquisition_time = serial;
    note = general?.notes ?? '';
  }
  Object.assign(header, { SX: sx, SY: sy, SDP: sdp });
  return { nx, ny, dpSize: sig[0].size, header, note, warnings };
}
