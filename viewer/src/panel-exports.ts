/**
 * The export buttons under a view: a PNG figure at a chosen size (the
 * image with its scale bar and colour bar burnt in), the values as .npy,
 * and a .tiff carrying the pixel size; the radial profile as a figure
 * and as CSV.
 */
import type { RadialProfile } from '../../src/analysis/profile.js';
import { element, type ImageView } from './image-view.js';
import { save, saveNpy } from './downloads.js';
import { calibratedTiff, profileCsv, type PixelSize } from './export-data.js';
import type { ProfileMark } from './profile-plot.js';
import { canvasPng, figureCanvas, profileCanvas } from './export-figure.js';

export interface ExportSource {
  view: ImageView;
  name: string;
  description: string;
  /** One pixel's size, for the scale bar and the TIFF's tags; none when unknown. */
  pixel?: PixelSize;
}

/** PNG widths offered: multiples of the image's own width, or fixed widths in pixels. */
const SIZES: [string, string][] = [
  ['1x', '1×'],
  ['2x', '2×'],
  ['4x', '4×'],
  ['8x', '8×'],
  ['512', '512 px'],
  ['1024', '1024 px'],
  ['2048', '2048 px'],
];

export function figureWidth(size: string, cols: number): number {
  return size.endsWith('x') ? cols * Number(size.slice(0, -1)) : Number(size);
}

export function downloadsFor(panel: string, current: () => ExportSource): HTMLElement {
  const bar = element('div', { class: 'toolbar' });
  bar.append(element('span', { class: 'label' }, 'save'));
  const size = element('select', { 'data-testid': `${panel}-png-size`, title: 'width of the PNG figure' });
  for (const [value, text] of SIZES) size.append(element('option', { value }, text));
  size.value = '4x';
  const formats: [string, string, (s: ExportSource) => void | Promise<void>][] = [
    [
      'png',
      'the image as shown, with its scale bar and colour bar',
      async (s) => {
        const image = s.view.image!;
        const scalebar = s.pixel && { pixelSize: s.pixel.size, units: s.pixel.units };
        const figure = s.view.figure(figureWidth(size.value, image.cols), scalebar);
        save(await canvasPng(figureCanvas(figure)), `${s.name}.png`);
      },
    ],
    ['npy', 'the values (float64)', (s) => saveNpy(s.view.image!.values, s.view.image!.rows, s.view.image!.cols, `${s.name}.npy`)],
    [
      'tiff',
      'the values (float64) with the pixel size in the tags',
      (s) => {
        const { values, rows, cols } = s.view.image!;
        save(new Blob([calibratedTiff(values, rows, cols, s.description, s.pixel) as Uint8Array<ArrayBuffer>]), `${s.name}.tiff`);
      },
    ],
  ];
  for (const [format, title, write] of formats) {
    const button = element('button', { 'data-testid': `${panel}-save-${format}`, title }, `.${format}`);
    button.addEventListener('click', () => {
      if (current().view.image) void write(current());
    });
    bar.append(button);
    if (format === 'png') bar.append(size);
  }
  return bar;
}

export interface ProfileSource {
  profile: RadialProfile;
  centre: { cx: number; cy: number };
  log: boolean;
  /** Radii in this unit too (Å⁻¹ once calibrated). */
  pixel?: PixelSize;
  /** The beam energy in volts: with Å⁻¹, angles in mrad too. */
  volts?: number;
  /** Radii marked on the plot (a phase's rings), as on screen. */
  marks?: readonly ProfileMark[];
  name: string;
}

/** The radial profile's buttons: a figure with axes (.png, 1200 × 800 on white) and its numbers (.csv). */
export function profileDownloads(current: () => ProfileSource | undefined): HTMLElement {
  const bar = element('span', { class: 'toolbar inline' });
  const png = element('button', { 'data-testid': 'profile-save-png', title: 'the profile with axes, 1200 × 800' }, '.png');
  png.addEventListener('click', () => {
    const s = current();
    if (s) void canvasPng(profileCanvas(s.profile, s.log, s.pixel, s.volts, s.marks)).then((blob) => save(blob, `${s.name}.png`));
  });
  const csv = element('button', { 'data-testid': 'profile-save-csv', title: 'radius, ring mean and pixel count per ring' }, '.csv');
  csv.addEventListener('click', () => {
    const s = current();
    if (s) save(new Blob([profileCsv(s.profile, s.centre, s.pixel, s.volts)], { type: 'text/csv' }), `${s.name}.csv`);
  });
  bar.append(element('span', { class: 'label' }, 'save'), png, csv);
  return bar;
}
