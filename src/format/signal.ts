/**
 * The RosettaSciIO signal dictionary for a blockfile: axes, metadata and
 * original_metadata, exactly as HyperSpy 1.7.3 builds them.
 */
import { serialDateToIso } from './dates.js';
import { HEADER_FIELD_NAMES, type BlockfileHeader } from './header.js';
import type { Axis, BlockfileMetadata, HeaderWithNote } from './types.js';

/** Pattern pixel size in cm: 100 / SDP, or 1 when SDP is 0 (as RosettaSciIO). */
export function patternScale(header: BlockfileHeader): number {
  return header.SDP ? 100 / header.SDP : 1;
}

/** numpy's `squeeze`: drops every axis of length 1. */
export function squeezeShape(shape: readonly number[]): number[] {
  return shape.filter((n) => n !== 1);
}

/**
 * The axes of data of shape `[ny, nx, dpy, dpx]` after squeezing. HyperSpy
 * 1.7.3 names, scales and units the squeezed axes by position (so a line scan
 * gets axes "y", "x", "dy" with "x" the pattern's first axis); and as a
 * Signal2D the last two axes are the signal. Kept that way so that our
 * reading equals HyperSpy's.
 */
export function blockfileAxes(header: BlockfileHeader, fullShape: readonly number[]): Axis[] {
  const shape = squeezeShape(fullShape);
  const names = ['y', 'x', 'dy', 'dx'];
  const units = ['nm', 'nm', 'cm', 'cm'];
  const dp = patternScale(header);
  const scales = [header.SY, header.SX, dp, dp];
  const signalStart = Math.max(0, shape.length - 2);
  return shape.map((size, i) => ({
    name: names[i],
    size,
    scale: scales[i],
    offset: 0,
    units: units[i],
    navigate: i < signalStart,
  }));
}

/** `metadata` as HyperSpy 1.7.3 reads it from a blockfile. */
export function blockfileMetadata(header: BlockfileHeader, note: string, filename: string): BlockfileMetadata {
  const when = serialDateToIso(header.Acquisition_time);
  return {
    General: {
      original_filename: filename,
      title: '',
      ...(when ?? {}),
      notes: note,
    },
    Signal: { signal_type: 'diffraction' },
    Acquisition_instrument: {
      TEM: {
        beam_energy: header.Beam_energy * 1e-3,
        camera_length: header.Camera_length * 1e-4,
        rotation: header.Scan_rotation * 1e-2,
      },
    },
  };
}

/** `original_metadata.blockfile_header`: every header field, in file order, then the note. */
export function headerWithNote(header: BlockfileHeader, note: string): HeaderWithNote {
  const out: Record<string, unknown> = {};
  for (const name of HEADER_FIELD_NAMES) out[name] = header[name];
  out.Note = note;
  return out as HeaderWithNote;
}

/** The file name without its directories, for `General.original_filename`. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}
