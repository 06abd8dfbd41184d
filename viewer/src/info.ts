/** The header, calibrations and note of the open file, as a table. */
import type { Blockfile } from '../../src/reader/blockfile.js';
import { element, format } from './image-view.js';

export function renderInfo(bf: Blockfile): HTMLElement {
  const h = bf.header;
  const general = bf.metadata.General;
  const tem = bf.metadata.Acquisition_instrument?.TEM as Record<string, unknown> | undefined;
  const rows: [string, string][] = [
    ['file', `${bf.name} (${format(bf.source.size / 2 ** 20)} MiB)`],
    ['format', `ASTAR blockfile ${h.MAGIC === 0x0103 ? '1.3' : '1.2'}, ${bf.dtype}`],
    ['scan', `${bf.geometry.navShape.join(' × ')} positions`],
    ['scan step', `${format(h.SY)} nm (y) × ${format(h.SX)} nm (x)`],
    ['pattern', `${bf.geometry.sigShape.join(' × ')} pixels`],
    ['acquired', general.date ? `${general.date} ${general.time ?? ''} ${general.time_zone ?? ''}` : 'unknown'],
  ];
  if (tem) {
    for (const [k, v] of Object.entries(tem)) {
      const units: Record<string, string> = { beam_energy: ' kV', rotation: '°' };
      if (typeof v === 'number' || typeof v === 'string') rows.push([k.replace(/_/g, ' '), `${v}${units[k] ?? ''}`]);
    }
  }
  // Axis names as HyperSpy gives them (positional for line scans), with each axis's role.
  for (const a of bf.axes) rows.push([`axis ${a.name} (${a.navigate ? 'scan' : 'pattern'})`, `${a.size} × ${format(a.scale)} ${a.units}`]);
  const table = element('table');
  for (const [k, v] of rows) {
    const tr = element('tr');
    tr.append(element('td', {}, k), element('td', {}, v));
    table.append(tr);
  }
  const root = element('div');
  root.append(table);
  for (const w of bf.warnings) root.append(element('p', { class: 'warning' }, w.message));
  const header = element('details');
  header.append(element('summary', {}, 'all header fields'));
  const fields = element('table');
  for (const [k, v] of Object.entries(h)) {
    const tr = element('tr');
    tr.append(element('td', {}, k), element('td', {}, typeof v === 'number' ? format(v) : String(v)));
    fields.append(tr);
  }
  header.append(fields);
  root.append(header);
  if (bf.note) {
    root.append(element('h2', {}, 'Note'));
    root.append(element('pre', { 'data-testid': 'note' }, bf.note));
  }
  return root;
}
