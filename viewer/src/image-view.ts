/**
 * One image on screen: a canvas at the image's own resolution (scaled up
 * with square pixels), an SVG overlay in pixel coordinates for shapes, a
 * scale bar, a colour bar and its own display controls.
 */
import { COLORMAP_NAMES, colormap, renderRgba, type ColormapName, type DisplayOptions } from '../../src/display/render.js';

const SVG = 'http://www.w3.org/2000/svg';

export interface ShownImage {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  label: string;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

export { element };

/** A "nice" length (1, 2 or 5 × 10ⁿ) near a fifth of the image width. */
function niceLength(target: number): number {
  const power = 10 ** Math.floor(Math.log10(target));
  const m = target / power;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * power;
}

export class ImageView {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly overlay: SVGSVGElement;
  readonly display: DisplayOptions = { cmap: 'gray', scale: 'linear', percentiles: [0.5, 99.5] };
  image: ShownImage | undefined;
  readonly #box: HTMLElement;
  readonly #colorbar: HTMLCanvasElement;
  readonly #range: HTMLElement;
  readonly #title: HTMLElement;
  readonly #scalebar: HTMLElement;
  #calibration: { scale: number; units: string } | undefined;
  readonly #cmapSelect: HTMLSelectElement;
  readonly #scaleSelect: HTMLSelectElement;
  /** Called after the user changes the display (colour map, scale, clip). */
  onDisplayChange: (() => void) | undefined;

  constructor(parent: HTMLElement, name: string) {
    this.root = element('div', { 'data-testid': `${name}-view-root` });
    this.#title = element('div', { class: 'readout', 'data-testid': `${name}-label` });
    this.#box = element('div', { class: 'view' });
    this.canvas = element('canvas', { class: 'image', 'data-testid': `${name}-canvas` });
    this.overlay = document.createElementNS(SVG, 'svg');
    this.overlay.setAttribute('data-testid', `${name}-overlay`);
    this.#scalebar = element('div', { class: 'scalebar', 'data-testid': `${name}-scalebar` });
    this.#box.append(this.canvas, this.overlay, this.#scalebar);

    const controls = element('div', { class: 'toolbar' });
    const cmap = element('select', { 'data-testid': `${name}-cmap`, title: 'colour map' });
    for (const c of COLORMAP_NAMES) cmap.append(element('option', { value: c }, c));
    cmap.addEventListener('change', () => this.#set({ cmap: cmap.value as ColormapName }));
    const scale = element('select', { 'data-testid': `${name}-scale`, title: 'intensity scale' });
    for (const s of ['linear', 'log', 'gamma']) scale.append(element('option', { value: s }, s));
    scale.addEventListener('change', () => this.#set({ scale: scale.value as DisplayOptions['scale'] }));
    const lo = element('input', { type: 'number', min: '0', max: '100', step: '0.5', value: '0.5', title: 'lower percentile', 'data-testid': `${name}-plo` });
    const hi = element('input', { type: 'number', min: '0', max: '100', step: '0.5', value: '99.5', title: 'upper percentile', 'data-testid': `${name}-phi` });
    const percent = () => {
      const a = Number(lo.value);
      const b = Number(hi.value);
      if (a >= 0 && b <= 100 && a < b) this.#set({ percentiles: [a, b] });
    };
    lo.addEventListener('change', percent);
    hi.addEventListener('change', percent);
    controls.append(element('span', { class: 'label' }, 'display'), cmap, scale, element('span', { class: 'label' }, 'clip %'), lo, hi);
    this.#cmapSelect = cmap;
    this.#scaleSelect = scale;

    const bar = element('div', { class: 'colorbar' });
    this.#colorbar = element('canvas', { width: '256', height: '1' });
    this.#range = element('span', { 'data-testid': `${name}-range` });
    bar.append(this.#colorbar, this.#range);
    this.root.append(this.#title, this.#box, bar, controls);
    parent.append(this.root);
  }

  #set(change: Partial<DisplayOptions>): void {
    Object.assign(this.display, change);
    this.render();
    this.onDisplayChange?.();
  }

  /** Sets the colour map and scale from outside (a link), keeping the controls in step. */
  setDisplay(change: { cmap?: ColormapName; scale?: DisplayOptions['scale'] }): void {
    if (change.cmap && (COLORMAP_NAMES as readonly string[]).includes(change.cmap)) {
      this.display.cmap = change.cmap;
      this.#cmapSelect.value = change.cmap;
    }
    if (change.scale && ['linear', 'log', 'gamma'].includes(change.scale as string)) {
      this.display.scale = change.scale;
      this.#scaleSelect.value = change.scale as string;
    }
    this.render();
  }

  /** Calibration of one pixel, for the scale bar. */
  setCalibration(scale: number, units: string): void {
    this.#calibration = scale > 0 && Number.isFinite(scale) ? { scale, units } : undefined;
    this.#drawScalebar();
  }

  show(image: ShownImage): void {
    const resized = !this.image || this.image.rows !== image.rows || this.image.cols !== image.cols;
    this.image = image;
    if (resized) {
      this.canvas.width = image.cols;
      this.canvas.height = image.rows;
      this.#box.style.aspectRatio = `${image.cols} / ${image.rows}`;
      this.overlay.setAttribute('viewBox', `-0.5 -0.5 ${image.cols} ${image.rows}`);
      this.#drawScalebar();
    }
    this.render();
  }

  render(): void {
    const image = this.image;
    if (!image) return;
    const { rgba, range } = renderRgba(image.values, this.display);
    this.canvas.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, image.cols, image.rows), 0, 0);
    this.#title.textContent = image.label;
    const table = colormap(this.display.cmap ?? 'gray');
    const strip = new Uint8ClampedArray(256 * 4);
    for (let i = 0; i < 256; i++) strip.set([table[i * 3], table[i * 3 + 1], table[i * 3 + 2], 255], i * 4);
    this.#colorbar.getContext('2d')!.putImageData(new ImageData(strip, 256, 1), 0, 0);
    this.#range.textContent = `${format(range[0])} – ${format(range[1])}${this.display.scale === 'linear' ? '' : ` (${this.display.scale})`}`;
  }

  #drawScalebar(): void {
    this.#scalebar.replaceChildren();
    const cols = this.image?.cols;
    if (!this.#calibration || !cols) return;
    const { scale, units } = this.#calibration;
    const length = niceLength((cols * scale) / 5);
    const bar = element('div');
    bar.style.width = `${(length / scale / cols) * 100}%`;
    this.#scalebar.append(bar, document.createTextNode(`${format(length)} ${units}`));
  }

  /** Pointer position in pixel coordinates (x column, y row; pixel centres at integers). */
  toPixel(event: { clientX: number; clientY: number }): { x: number; y: number } {
    const rect = this.overlay.getBoundingClientRect();
    const image = this.image!;
    return { x: ((event.clientX - rect.left) / rect.width) * image.cols - 0.5, y: ((event.clientY - rect.top) / rect.height) * image.rows - 0.5 };
  }

  /** Screen position of pixel coordinates: for tests and tooltips. */
  toScreen(x: number, y: number): { clientX: number; clientY: number } {
    const rect = this.overlay.getBoundingClientRect();
    const image = this.image!;
    return { clientX: rect.left + ((x + 0.5) / image.cols) * rect.width, clientY: rect.top + ((y + 0.5) / image.rows) * rect.height };
  }
}

export function format(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}
