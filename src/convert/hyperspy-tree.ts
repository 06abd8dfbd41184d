/**
 * HyperSpy's layout of a signal in a hierarchical file (.hspy in HDF5,
 * .zspy in Zarr), as HyperSpy 1.7.3 writes it (file format 3.1): groups
 * with attributes, the data at Experiments/<title>/data. Pure: one tree for
 * both back ends, and the signal description read back from one.
 */
import type { BlockfileWarning } from '../format/errors.js';
import { HEADER_FIELDS, type BlockfileHeader } from '../format/header.js';
import type { Axis } from '../format/types.js';
import type { SignalDescription } from '../writer/header-from-signal.js';

/** An attribute value, with the numpy type to store a number as (default float64 or int64). */
export type AttrValue = string | number | { value: number; dtype: '<u2' | '<u4' | '<f8' | '<i8' };

export interface TreeGroup {
  attrs: Record<string, AttrValue>;
  groups: Record<string, TreeGroup>;
}

export const HYPERSPY_FORMAT_VERSION = '3.1';

const HEADER_DTYPES = { u16: '<u2', u32: '<u4', f64: '<f8' } as const;

function group(attrs: Record<string, AttrValue> = {}, groups: Record<string, TreeGroup> = {}): TreeGroup {
  return { attrs, groups };
}

/**
 * Plain metadata (nested objects of strings and numbers) as groups and
 * attributes. Booleans become 0/1 and other values are left out, each with
 * a warning: the HDF5 library used here cannot write HDF5's boolean enums.
 */
function metadataGroup(tree: Record<string, unknown>, where: string, warnings: BlockfileWarning[], target: string): TreeGroup {
  const out = group();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) out.attrs[key] = value;
    else if (typeof value === 'number') out.attrs[key] = { value, dtype: '<f8' };
    else if (typeof value === 'boolean') {
      out.attrs[key] = value ? 1 : 0;
      warnings.push({ code: 'METADATA', message: `${target}: ${where}${key} is a boolean, stored as ${value ? 1 : 0}` });
    } else if (value && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
      out.groups[key] = metadataGroup(value as Record<string, unknown>, `${where}${key}.`, warnings, target);
    } else if (value !== undefined && value !== null) {
      warnings.push({ code: 'METADATA', message: `${target}: ${where}${key} cannot be stored in this format and is left out` });
    }
  }
  return out;
}

/** The tree of one signal: everything but the data array itself. */
export function hyperspyTree(
  signal: Required<Pick<SignalDescription, 'axes'>> & SignalDescription,
  fileFormat: 'HyperSpy' | 'ZSpy',
  target: string,
): { root: TreeGroup; experiment: TreeGroup; warnings: BlockfileWarning[] } {
  const warnings: BlockfileWarning[] = [];
  const experiment = group();
  signal.axes.forEach((axis, i) => {
    // No navigate or is_binned flags: HyperSpy reads them as numpy booleans only (HDF5 enums),
    // and without them infers the navigation axes of a Signal2D itself.
    experiment.groups[`axis-${i}`] = group({
      _type: 'UniformDataAxis',
      name: axis.name,
      offset: { value: axis.offset, dtype: '<f8' },
      scale: { value: axis.scale, dtype: '<f8' },
      size: { value: axis.size, dtype: '<i8' },
      units: axis.units,
    });
  });
  const metadata = { ...(signal.metadata ?? {}) } as Record<string, unknown>;
  const general = { title: '', ...((metadata.General as object) ?? {}) };
  metadata.General = general;
  // HyperSpy decides Signal2D from record_by for files of this version.
  metadata.Signal = { signal_type: '', ...((metadata.Signal as object) ?? {}), record_by: 'image' };
  experiment.groups.metadata = metadataGroup(metadata, 'metadata.', warnings, target);
  const original = signal.original_metadata ?? {};
  const originalGroup = metadataGroup(
    Object.fromEntries(Object.entries(original).filter(([k]) => k !== 'blockfile_header')),
    'original_metadata.',
    warnings,
    target,
  );
  const header = original.blockfile_header;
  if (header) {
    const attrs: Record<string, AttrValue> = {};
    for (const { name, type } of HEADER_FIELDS) {
      const value = (header as Partial<BlockfileHeader>)[name];
      if (value === undefined) continue;
      attrs[name] = type === 'id' ? String(value) : { value: Number(value), dtype: HEADER_DTYPES[type] };
    }
    attrs.Note = String(header.Note ?? '');
    originalGroup.groups.blockfile_header = group(attrs);
  }
  experiment.groups.original_metadata = originalGroup;
  const title = String(general.title ?? '') || '__unnamed__';
  const root = group({ file_format: fileFormat, file_format_version: HYPERSPY_FORMAT_VERSION }, { Experiments: group({}, { [title]: experiment }) });
  return { root, experiment, warnings };
}

/** What a tree read back from a file holds: attributes as plain values. */
export interface ReadGroup {
  attrs: Record<string, unknown>;
  groups: Record<string, ReadGroup>;
}

function plain(g: ReadGroup): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g.attrs)) out[k] = v === '_None_' ? null : typeof v === 'bigint' ? Number(v) : v;
  for (const [k, v] of Object.entries(g.groups)) out[k] = plain(v);
  return out;
}

/** The signal description (axes, metadata, original metadata) of a HyperSpy experiment group. */
export function signalFromTree(experiment: ReadGroup, shape: readonly number[], file: string): Required<Pick<SignalDescription, 'axes' | 'metadata' | 'original_metadata'>> & { shape: number[] } {
  const axes: Axis[] = shape.map((size, i) => {
    const a = experiment.groups[`axis-${i}`]?.attrs ?? {};
    const navigate = a.navigate === undefined ? i < shape.length - 2 : Boolean(Number(a.navigate));
    return {
      name: typeof a.name === 'string' ? a.name : `axis${i}`,
      size,
      scale: Number(a.scale ?? 1),
      offset: Number(a.offset ?? 0),
      units: typeof a.units === 'string' && a.units !== '_None_' ? a.units : '',
      navigate,
    };
  });
  if (axes.some((a) => !Number.isFinite(a.scale) || !Number.isFinite(a.offset))) {
    throw new Error(`${file}: an axis has a scale or offset that is not a number`);
  }
  const metadata = experiment.groups.metadata ? plain(experiment.groups.metadata) : {};
  const original = experiment.groups.original_metadata ? plain(experiment.groups.original_metadata) : {};
  return { shape: [...shape], axes, metadata: metadata as SignalDescription['metadata'] & object, original_metadata: original as SignalDescription['original_metadata'] & object };
}
