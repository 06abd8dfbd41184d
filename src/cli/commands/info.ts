/** `blo info FILE [--json]`: what a blockfile holds. */
import { headerCalibration, reciprocalToMrad } from '../../crystal/calibration.js';
import { openBlockfile } from '../../node/open.js';
import type { Blockfile } from '../../reader/blockfile.js';
import { progressBar } from '../progress.js';
import { printable, terminalJson } from '../terminal-text.js';

export interface InfoOptions {
  json?: boolean;
  /** false with --no-check: no frame record is read. */
  check?: boolean;
  /** Read every record whole instead of only the 6-byte prefixes. */
  checkAll?: boolean;
  /** Refuse what lenient reading warns about (exit 1). */
  strict?: boolean;
}

/** The frame check's line, and the failure to report once everything else is shown. */
async function checkFrames(blockfile: Blockfile, all: boolean): Promise<{ text: string; failure?: unknown }> {
  const bar = progressBar(all ? 'checking frames' : 'checking frame prefixes');
  try {
    const { checked, missing, bad } = await blockfile.verifyFrames({ all, onProgress: (done, total) => bar.update(done, total) });
    const how = all ? 'whole records read' : 'prefixes read';
    const parts = [
      bad.count === 0
        ? `${missing > 0 ? '' : 'all '}${checked} frame records check (AA 55 + index; ${how})`
        : `${bad.count} of ${checked} frame records have a broken prefix (${bad.first.map((b) => b.problem).join('; ')}${bad.count > bad.first.length ? '; …' : ''}); their pixels are read as HyperSpy reads them`,
    ];
    if (missing > 0) parts.push(`${missing} missing (file truncated, read as zeros)`);
    return { text: parts.join('; ') };
  } catch (error) {
    return { text: `FAILED: ${(error as Error).message}`, failure: error };
  } finally {
    bar.stop();
  }
}

function degrees(hundredths: number): string {
  return `${hundredths / 100}°`;
}

/** Five significant digits, without trailing zeros or an exponent for everyday magnitudes. */
export function significant(value: number, digits = 5): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(digits)));
}

/** The header's camera length (tenths of a millimetre) in mm, or cm from 1 m on. */
function cameraLength(tenthsOfMm: number): string {
  const mm = tenthsOfMm / 10;
  return mm >= 1000 ? `${significant(mm / 10)} cm` : `${significant(mm)} mm`;
}

export async function infoCommand(file: string, options: InfoOptions, out: (line: string) => void): Promise<void> {
  const blockfile = await openBlockfile(file, { strict: options.strict ?? false });
  try {
    const { text: frameCheck, failure } =
      options.check === false ? { text: 'not checked', failure: undefined } : await checkFrames(blockfile, options.checkAll ?? false);
    // A broken frame record in strict mode fails the command (exit 1, one line on stderr) after the rest is shown.
    const finish = () => {
      if (failure) throw failure;
    };
    const h = blockfile.header;
    const metadata = blockfile.metadata;
    const warnings = blockfile.warnings.map((w) => w.message);
    // Only an estimate: ASTAR's nominal camera length and SDP are rarely exact; a ring of known d measures it.
    const estimate = headerCalibration(h);
    if (options.json) {
      out(
        terminalJson({
          file,
          file_size: blockfile.source.size,
          format: h.MAGIC === 0x0103 ? '1.3' : h.MAGIC === 0x0102 ? '1.2' : 'unknown',
          shape: blockfile.squeezedShape,
          dtype: blockfile.dtype,
          axes: blockfile.axes,
          metadata,
          original_metadata: blockfile.originalMetadata,
          frame_check: frameCheck,
          reciprocal_calibration_estimate: estimate ? { per_pixel: estimate.perPixel, units: '1/Å per pixel', how: estimate.how } : null,
          warnings,
        }),
      );
      return finish();
    }
    const { nx, ny, dpSize, fileSize } = blockfile.layout;
    const version = h.MAGIC === 0x0103 ? '1.3' : h.MAGIC === 0x0102 ? '1.2' : `unknown (MAGIC 0x${h.MAGIC.toString(16)})`;
    const tem = metadata.Acquisition_instrument.TEM;
    const rows: [string, string][] = [
      ['File', `${file} (${fileSize} bytes)`],
      ['Format', `ASTAR blockfile ${version}`],
      ['Scan', `${ny} × ${nx} positions, step ${significant(h.SY)} nm (y) × ${significant(h.SX)} nm (x)`],
      [
        'Patterns',
        `${dpSize} × ${dpSize} pixels, ${blockfile.dtype}, ` +
          (h.SDP ? `${significant(100 / h.SDP)} cm/pixel (SDP ${h.SDP}: ${significant(h.SDP / 100)} pixels/cm)` : 'uncalibrated (SDP 0)'),
      ],
      ['Shape', `[${blockfile.squeezedShape.join(', ')}] ${blockfile.dtype}`],
      ['Beam energy', `${significant(tem.beam_energy)} kV`],
      ['Camera length', `${cameraLength(h.Camera_length)} (header ${h.Camera_length}, tenths of a mm)`],
      [
        'Reciprocal',
        estimate
          ? `≈ ${significant(estimate.perPixel, 4)} Å⁻¹ per pixel (${significant(reciprocalToMrad(estimate.perPixel, h.Beam_energy), 4)} mrad per pixel at ${significant(h.Beam_energy / 1000)} kV), an estimate ${estimate.how.replace(/^estimated /, '')}; measure it on a ring of known d-spacing for a calibration`
          : 'no estimate (the header lacks SDP, camera length or beam energy)',
      ],
      ['Rotation', `scan ${degrees(h.Scan_rotation)}, pattern ${degrees(h.DP_rotation)}`],
      ['Acquired', metadata.General.date ? `${metadata.General.date} ${metadata.General.time} UTC` : 'unknown'],
      ['Navigator', blockfile.layout.navigator === 'ok' ? 'stored VBF' : blockfile.layout.navigator === 'overlap' ? 'stored VBF (suspect: overlaps the frames)' : 'unavailable (outside the file)'],
      ['Note', blockfile.note ? blockfile.note.replace(/\r?\n/g, ' | ') : '(none)'],
      ['Frames', frameCheck],
    ];
    for (const w of warnings) rows.push(['Warning', w]);
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) out(`${k.padEnd(width)}  ${printable(v)}`);
    finish();
  } finally {
    await blockfile.close();
  }
}
