/** The export buttons under a view. */
import { element } from './image-view.js';
import { saveNpy, savePng, saveTiff } from './downloads.js';

export interface ExportSource {
  canvas: HTMLCanvasElement;
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  name: string;
  description: string;
}

export function downloadsFor(panel: string, current: () => ExportSource): HTMLElement {
  const bar = element('div', { class: 'toolbar' });
  bar.append(element('span', { class: 'label' }, 'save'));
  const formats: [string, (s: ExportSource) => void][] = [
    ['png', (s) => savePng(s.canvas, `${s.name}.png`)],
    ['npy', (s) => saveNpy(s.values, s.rows, s.cols, `${s.name}.npy`)],
    ['tiff', (s) => saveTiff(s.values, s.rows, s.cols, `${s.name}.tiff`, s.description)],
  ];
  for (const [format, save] of formats) {
    const button = element('button', { 'data-testid': `${panel}-save-${format}` }, `.${format}`);
    button.addEventListener('click', () => save(current()));
    bar.append(button);
  }
  return bar;
}
