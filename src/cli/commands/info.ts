/** `blo info FILE [--json]`: what a blockfile holds. */
import { openBlockfile } from '../../node/open.js';
import type { Blockfile } from '../../reader/blockfile.js';
import { progressBar } from '../progress.js';

export interface InfoOptions {
  json?: boolean;
  check?: boolean;
}

async function checkFrames(blockfile: Blockfile): Promise<string> {
  const bar = progressBar('checking frames');
  try {
    const { checked, missing } = await blockfile.verifyFrames();
    bar.update(checked, checked);
    return missing > 0
      ? `${checked} frame records check (AA 55 + index); ${missing} missing (file truncated, read as zeros)`
      : `all ${checked} frame records check (AA 55 + index)`;
  } catch (error) {
    return `FAILED: ${(error as Error).message}`;
  } finally {
    bar.stop();
  }
}

function degrees(hundredths: number): string {
  return `${hundredths / 100}°`;
}

export async function infoCommand(file: string, options: InfoOptions, out: (line: string) => void): Promise<void> {
  const blockfile = await openBlockfile(file);
  try {
    const frameCheck = options.check === false ? 'not checked' : await checkFrames(blockfile);
    const h = blockfile.header;
    const metadata = blockfile.metadata;
    const warnings = blockfile.warnings.map((w) => w.message);
    if (options.json) {
      out(
        JSON.stringify(
          {
            file,
            file_size: blockfile.source.size,
            format: h.MAGIC === 0x0103 ? '1.3' : h.MAGIC === 0x0102 ? '1.2' : 'unknown',
            shape: blockfile.squeezedShape,
            dtype: blockfile.dtype,
            axes: blockfile.axes,
            metadata,
            original_metadata: blockfile.originalMetadata,
            frame_check: frameCheck,
            warnings,
          },
          null,
          1,
        ),
      );
      return;
    }
    const { nx, ny, dpSize, fileSize } = blockfile.layout;
    const version = h.MAGIC === 0x0103 ? '1.3' : h.MAGIC === 0x0102 ? '1.2' : `unknown (MAGIC 0x${h.MAGIC.toString(16)})`;
    const tem = metadata.Acquisition_instrument.TEM;
    const rows: [string, string][] = [
      ['File', `${file} (${fileSize} bytes)`],
      ['Format', `ASTAR blockfile ${version}`],
      ['Scan', `${ny} × ${nx} positions, step ${h.SY} nm (y) × ${h.SX} nm (x)`],
      ['Patterns', `${dpSize} × ${dpSize} pixels, ${blockfile.dtype}, ${blockfile.axes.at(-1)?.scale} cm/pixel (SDP ${h.SDP})`],
      ['Shape', `[${blockfile.squeezedShape.join(', ')}] ${blockfile.dtype}`],
      ['Beam energy', `${tem.beam_energy} kV`],
      ['Camera length', `${tem.camera_length} (header ${h.Camera_length})`],
      ['Rotation', `scan ${degrees(h.Scan_rotation)}, pattern ${degrees(h.DP_rotation)}`],
      ['Acquired', metadata.General.date ? `${metadata.General.date} ${metadata.General.time} UTC` : 'unknown'],
      ['Note', blockfile.note ? blockfile.note.replace(/\r?\n/g, ' | ') : '(none)'],
      ['Frames', frameCheck],
    ];
    for (const w of warnings) rows.push(['Warning', w]);
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) out(`${k.padEnd(width)}  ${v}`);
  } finally {
    await blockfile.close();
  }
}
