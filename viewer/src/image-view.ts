/**
 * One image on screen: a canvas at the image's own resolution (scaled up
 * with square pixels), an SVG overlay in pixel coordinates for shapes, a
 * scale bar, the value under the cursor, a histogram whose limits set the
 * display range, a colour bar with ticks and its own display controls.
 */
import { composeFigure, roundLength, type Figure } from '../../src/display/figure.js';
import { COLORMAP_NAMES, renderRgba, type ColormapName, type DisplayOptions } from '../../src/display/render.js';
import { linearTicks } from '../../src/display/ticks.js';
import { drawColorbar } from './colorbar.js';
import { HistogramControl } from './histogram.js';

const SVG = 'http://www.w3.org/2000/svg';

export interface ShownImage {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  label: string;
  /** Pixels already coloured (the centre of mass's colour wheel), drawn as they are; the display options then describe `values` only. */
  rgba?: Uint8ClampedArray;
  /** What the cursor's readout says of pixel `index` (row-major), where the value alone would not mean much (an orientation map's phase number). */
  valueText?: (index: number) => string;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

export { element };

export class ImageView {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly overlay: SVGSVGElement;
  readonly display: DisplayOptions = { cmap: 'gray', scale: 'linear', percentiles: [0.5, 99.5], gamma: 0.5 };
  image: ShownImage | undefined;
  /** The value range the colour map spans in the image shown (fixed by the histogram's limits, or the percentiles'). */
  shownRange: [number, number] = [0, 1];
  readonly #box: HTMLElement;
  readonly #stack: HTMLElement;
  readonly #colorbar: HTMLCanvasElement;
  readonly #histogram: HistogramControl;
  readonly #range: HTMLElement;
  readonly #value: HTMLElement;
  /** The image pixel under the pointer, while it is over the image. */
  #hover: { x: number; y: number } | undefined;
  /** Describes a pixel position for the readout; by default pixels, and the calibrated distance from pixel 0. */
  describePosition: ((x: number, y: number) => string) | undefined;
  readonly #title: HTMLElement;
  readonly #scalebar: HTMLElement;
  readonly #axes: HTMLElement;
  #axesSpec: ImageAxes | undefined;
  #calibration: { scale: number; units: string } | undefined;
  readonly #cmapSelect: HTMLSelectElement;
  readonly #scaleSelect: HTMLSelectElement;
  readonly #gammaInput: HTMLInputElement;
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
    this.#axes = element('div', { class: 'axes', 'data-testid': `${name}-axes`, 'aria-hidden': 'true' });
    this.#box.append(this.canvas, this.#axes, this.overlay, this.#scalebar);

    const controls = element('div', { class: 'toolbar view-controls', title: 'display: colour map, scale, gamma, percentile clip' });
    const cmap = element('select', { 'data-testid': `${name}-cmap`, title: 'colour map' });
    for (const c of COLORMAP_NAMES) cmap.append(element('option', { value: c }, c));
    cmap.addEventListener('change', () => this.#set({ cmap: cmap.value as ColormapName }));
    const scale = element('select', { 'data-testid': `${name}-scale`, title: 'intensity scale' });
    for (const s of ['linear', 'log', 'gamma']) scale.append(element('option', { value: s }, s));
    scale.addEventListener('change', () => {
      gamma.disabled = scale.value !== 'gamma';
      this.#set({ scale: scale.value as DisplayOptions['scale'] });
    });
    const gamma = element('input', { type: 'number', min: '0.05', max: '5', step: '0.05', value: '0.5', title: 'gamma (for the gamma scale)', 'data-testid': `${name}-gamma` });
    gamma.disabled = true;
    gamma.addEventListener('input', () => {
      const g = Number(gamma.value);
      if (g > 0 && Number.isFinite(g)) this.#set({ gamma: g });
    });
    const lo = element('input', { type: 'number', min: '0', max: '100', step: '0.5', value: '0.5', title: 'lower percentile', 'data-testid': `${name}-plo` });
    const hi = element('input', { type: 'number', min: '0', max: '100', step: '0.5', value: '99.5', title: 'upper percentile', 'data-testid': `${name}-phi` });
    const percent = () => {
      const a = Number(lo.value);
      const b = Number(hi.value);
      // Percentiles given: the range follows them again, not the histogram's limits.
      if (a >= 0 && b <= 100 && a < b) this.#set({ percentiles: [a, b], range: undefined });
    };
    lo.addEventListener('change', percent);
    hi.addEventListener('change', percent);
    const auto = element('button', { 'data-testid': `${name}-auto`, title: 'display range from the clip percentiles' }, 'auto');
    auto.addEventListener('click', () => this.#set({ range: undefined }));
    // No "display" label: one line for all of it in a laptop's narrow panels.
    controls.append(cmap, scale, element('span', { class: 'label', title: 'gamma' }, 'γ'), gamma, element('span', { class: 'label' }, 'clip %'), lo, hi, auto);
    this.#cmapSelect = cmap;
    this.#scaleSelect = scale;
    this.#gammaInput = gamma;

    this.#histogram = new HistogramControl(`${name}-histogram`);
    this.#histogram.onRange = (range, final) => {
      this.display.range = range;
      this.render();
      if (final) this.onDisplayChange?.();
    };
    this.#colorbar = element('canvas', { class: 'colorbar', 'data-testid': `${name}-colorbar` });
    const readouts = element('div', { class: 'readout split' });
    this.#value = element('span', { 'data-testid': `${name}-value` });
    this.#range = element('span', { class: 'range', 'data-testid': `${name}-range` });
    readouts.append(this.#value, this.#range);
    // The image and what describes it share one width.
    this.#stack = element('div', { class: 'view-stack' });
    this.#stack.append(this.#box, this.#histogram.canvas, this.#colorbar, readouts);
    this.root.append(this.#title, this.#stack, controls);
    parent.append(this.root);

    // The value under the cursor, with its position.
    this.#box.addEventListener('pointermove', (e) => {
      if (!this.image) return;
      const p = this.toPixel(e);
      this.#hover = { x: Math.round(p.x), y: Math.round(p.y) };
      this.#showValue();
    });
    this.#box.addEventListener('pointerleave', () => {
      this.#hover = undefined;
      this.#showValue();
    });
    // The bars are drawn at the size they take on screen.
    new ResizeObserver(() => this.render()).observe(this.#colorbar);
  }

  #showValue(): void {
    const image = this.image;
    const h = this.#hover;
    if (!image || !h || h.x < 0 || h.y < 0 || h.x >= image.cols || h.y >= image.rows) {
      this.#value.textContent = '';
      return;
    }
    const i = h.y * image.cols + h.x;
    this.#value.textContent = `${this.describePosition?.(h.x, h.y) ?? this.#describe(h.x, h.y)}: ${image.valueText?.(i) ?? format(image.values[i])}`;
  }

  #describe(x: number, y: number): string {
    const c = this.#calibration;
    return `x ${x} y ${y}${c ? ` (${format(x * c.scale)}, ${format(y * c.scale)} ${c.units})` : ''}`;
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
      this.#gammaInput.disabled = change.scale !== 'gamma';
    }
    this.render();
  }

  /** Calibration of one pixel, for the scale bar. */
  setCalibration(scale: number, units: string): void {
    this.#calibration = scale > 0 && Number.isFinite(scale) ? { scale, units } : undefined;
    this.#drawScalebar();
  }

  /**
   * Tick axes in a calibrated unit about an origin (the pattern's q = 0),
   * drawn along the image's edges: labels along the top (x) and right (y)
   * edges, clear of the scale bar; none when `axes` is undefined.
   */
  setAxes(axes: ImageAxes | undefined): void {
    // Called for every pattern shown: redrawn only when something changed.
    if (JSON.stringify(axes) === JSON.stringify(this.#axesSpec)) return;
    this.#axesSpec = axes;
    this.#drawAxes();
  }

  #drawAxes(): void {
    this.#axes.replaceChildren();
    delete this.#axes.dataset.origin;
    const a = this.#axesSpec;
    const image = this.image;
    if (!a || !image || !(a.perPixel > 0)) return;
    const along = (n: number, origin: number, horizontal: boolean) => {
      // The image spans pixel edges −0.5 … n − 0.5.
      const lo = (-0.5 - origin) * a.perPixel;
      const hi = (n - 0.5 - origin) * a.perPixel;
      for (const t of linearTicks(lo, hi, 4)) {
        if (t.at < 0.04 || t.at > 0.96) continue;
        const pos = `${(t.at * 100).toFixed(3)}%`;
        for (const edge of horizontal ? ['top', 'bottom'] : ['left', 'right']) {
          const tick = element('div', { class: `tick ${edge}` });
          tick.style[horizontal ? 'left' : 'top'] = pos;
          this.#axes.append(tick);
        }
        const label = element('span', { class: `tick-label ${horizontal ? 'top' : 'right'}` }, t.label);
        label.style[horizontal ? 'left' : 'top'] = pos;
        this.#axes.append(label);
      }
    };
    along(image.cols, a.x0, true);
    along(image.rows, a.y0, false);
    this.#axes.append(element('span', { class: 'axes-name' }, `${a.xName} → · ${a.yName} ↓ (${a.units})`));
    this.#axes.dataset.origin = `${a.x0},${a.y0}`;
  }

  /** The calibration the scale bar uses, if any. */
  get calibration(): { scale: number; units: string } | undefined {
    return this.#calibration;
  }

  show(image: ShownImage): void {
    const resized = !this.image || this.image.rows !== image.rows || this.image.cols !== image.cols;
    const same = this.image?.values === image.values;
    this.image = image;
    this.#histogramStale ||= !same;
    if (resized) {
      this.canvas.width = image.cols;
      this.canvas.height = image.rows;
      this.#box.style.aspectRatio = `${image.cols} / ${image.rows}`;
      this.#stack.style.setProperty('--aspect', String(image.cols / image.rows));
      this.overlay.setAttribute('viewBox', `-0.5 -0.5 ${image.cols} ${image.rows}`);
      this.#drawScalebar();
      this.#drawAxes();
    }
    this.render();
  }

  render(): void {
    const image = this.image;
    if (!image) return;
    if (this.#histogramStale) {
      const h = this.#histogram.setValues(image.values);
      // Limits set on another image that miss this one's values altogether (another quantity): back to the percentiles.
      const fixed = this.display.range;
      if (fixed && h && (fixed[1] < h.lo || fixed[0] > h.hi)) this.display.range = undefined;
      this.#histogramStale = false;
    }
    const rendered = renderRgba(image.values, this.display);
    const { range } = rendered;
    const rgba = image.rgba ?? rendered.rgba;
    // The colour bar, the histogram's limits and the display controls would not describe coloured pixels: style.css hides them.
    this.root.toggleAttribute('data-coloured', !!image.rgba);
    this.shownRange = range;
    this.canvas.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, image.cols, image.rows), 0, 0);
    this.#title.textContent = image.label;
    this.#histogram.setRange(range);
    drawColorbar(this.#colorbar, this.display, range);
    const scale = this.display.scale === 'linear' ? '' : ` (${this.display.scale === 'gamma' ? `gamma ${this.display.gamma ?? 0.5}` : this.display.scale})`;
    this.#range.textContent =
      range[0] === range[1] && !this.display.range && isConstant(image.values, range[0])
        ? `constant: ${format(range[0])} everywhere`
        : `${this.display.range ? 'limits' : 'clip'} ${format(range[0])} – ${format(range[1])}${scale}`;
    this.#showValue();
  }

  #histogramStale = true;

  /**
   * The image as displayed, made into a figure `width` pixels wide with the
   * colour bar and, given a pixel size, a scale bar burnt in.
   */
  figure(width: number, scalebar: { pixelSize: number; units: string } | undefined = this.#calibration && { pixelSize: this.#calibration.scale, units: this.#calibration.units }, label?: string): Figure {
    const image = this.image!;
    const { rgba, range } = renderRgba(image.values, this.display);
    return composeFigure({
      rgba: image.rgba ?? rgba,
      rows: image.rows,
      cols: image.cols,
      width,
      scalebar,
      // Coloured pixels (the colour wheel) have their own key, which a colour bar would contradict.
      colorbar: image.rgba ? undefined : { cmap: this.display.cmap ?? 'gray', range, scale: this.display.scale, gamma: this.display.gamma, label },
    });
  }

  #drawScalebar(): void {
    this.#scalebar.replaceChildren();
    const cols = this.image?.cols;
    if (!this.#calibration || !cols) return;
    const { scale, units } = this.#calibration;
    const length = roundLength((cols * scale) / 5);
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

/** Calibrated tick axes of an image: the origin in pixels (x column, y row) and one pixel's size. */
export interface ImageAxes {
  x0: number;
  y0: number;
  perPixel: number;
  units: string;
  /** Axis names, e.g. qx and qy. */
  xName: string;
  yName: string;
}

export function format(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

/** Whether every finite value is `value` (the percentiles meeting does not say so: outliers may lie beyond them). */
function isConstant(values: ArrayLike<number>, value: number): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== value && Number.isFinite(values[i])) return false;
  return true;
}
