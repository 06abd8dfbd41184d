/**
 * The viewer's centre of mass: the options of the pass (threshold, and a
 * mask: the pixels inside the detector drawn, as `blo com --threshold
 * --disk/--mask`), the rotation and flip between pattern and scan axes,
 * and the images derived from the x and y maps (src/analysis/com-fields.ts):
 * magnitude, direction as a colour wheel with its key, divergence and curl.
 */
import { colourWheel, colourWheelKey, comFields, curlFreeRotation, type ComFields } from '../../src/analysis/com-fields.js';
import type { CenterOfMassOptions } from '../../src/analysis/request.js';
import { element, format } from './image-view.js';
import { describeShape, shapeToDetector, type Shape } from './shapes.js';

export type ComView = 'com-x' | 'com-y' | 'com-magnitude' | 'com-direction' | 'com-divergence' | 'com-curl';

/** The navigator's centre-of-mass views and their names in its menu. */
export const COM_VIEWS: [ComView, string][] = [
  ['com-x', 'centre of mass x'],
  ['com-y', 'centre of mass y'],
  ['com-magnitude', 'centre of mass: shift magnitude'],
  ['com-direction', 'centre of mass: direction (colour wheel)'],
  ['com-divergence', 'centre of mass: divergence'],
  ['com-curl', 'centre of mass: curl'],
];

export function isComView(mode: string): mode is ComView {
  return COM_VIEWS.some(([v]) => v === mode);
}

/** What a link keeps of the centre of mass (hash keys comrot, comflip, comthreshold, commask). */
export interface ComSettings {
  /** Degrees from pattern to scan axes. */
  rotation: number;
  flip: boolean;
  /** Pixels below it count as zero. */
  threshold?: number;
  /** Only pixels inside it count. */
  mask?: Shape;
}

/** Centre-of-mass maps and the pass options they were computed with. */
export interface ComMaps {
  x: Float64Array;
  y: Float64Array;
  pass: string;
}

export interface ComImage {
  values: Float64Array;
  label: string;
  /** Already coloured (the colour wheel). */
  rgba?: Uint8ClampedArray;
  valueText?: (index: number) => string;
}

const SVG = 'http://www.w3.org/2000/svg';

/** The outline of a mask on the pattern's overlay (pixel coordinates), in its own colour so as not to be taken for the detector. */
function outline(shape: Shape): SVGGElement {
  const group = document.createElementNS(SVG, 'g');
  group.setAttribute('class', 'com-mask');
  group.setAttribute('data-testid', 'com-mask-outline');
  const add = (tag: 'circle' | 'rect', attrs: Record<string, number>) => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    group.append(el);
  };
  switch (shape.kind) {
    case 'disk':
      add('circle', { cx: shape.cx, cy: shape.cy, r: shape.r });
      break;
    case 'annulus':
      add('circle', { cx: shape.cx, cy: shape.cy, r: shape.r1 });
      add('circle', { cx: shape.cx, cy: shape.cy, r: shape.r2 });
      break;
    case 'rect':
      // Pixels x0 … x1 − 1: their edges.
      add('rect', { x: shape.x0 - 0.5, y: shape.y0 - 0.5, width: shape.x1 - shape.x0, height: shape.y1 - shape.y0 });
      break;
    case 'point':
      add('rect', { x: shape.x - 0.5, y: shape.y - 0.5, width: 1, height: 1 });
      break;
  }
  return group;
}

export class ComPanel {
  /** A fold under the scan image, opened when a centre-of-mass view is shown (it keeps the page short otherwise). */
  readonly root: HTMLDetailsElement;
  readonly settings: ComSettings = { rotation: 0, flip: false };
  /** Threshold or mask changed: the maps must be computed again. */
  onPassChange: (() => void) | undefined;
  /** Rotation or flip changed: the derived images change. */
  onAxesChange: (() => void) | undefined;
  readonly #rotation: HTMLInputElement;
  readonly #flip: HTMLInputElement;
  readonly #threshold: HTMLInputElement;
  readonly #mask: HTMLSelectElement;
  readonly #maskText: HTMLElement;
  readonly #note: HTMLElement;
  readonly #key: HTMLElement;
  readonly #currentDetector: () => Shape | undefined;
  /** Scan rows and columns. */
  readonly #shape: [number, number];
  /** Scan step [rows, columns] in nm, when the file gives one. */
  readonly #step: [number, number] | undefined;
  #fields: { maps: ComMaps; rotation: number; flip: boolean; fields: ComFields } | undefined;
  /** The maps the least-curl button estimates from. */
  readonly #maps: () => ComMaps | undefined;

  constructor(
    parent: HTMLElement,
    options: {
      rows: number;
      cols: number;
      detector: () => Shape | undefined;
      step: [number, number] | undefined;
      maps: () => ComMaps | undefined;
      /** Where the mask is outlined: the pattern's overlay. */
      patternOverlay: () => SVGSVGElement;
    },
  ) {
    this.#patternOverlay = options.patternOverlay;
    this.#shape = [options.rows, options.cols];
    this.#currentDetector = options.detector;
    this.#step = options.step;
    this.#maps = options.maps;
    this.root = element('details', { class: 'com-panel', 'data-testid': 'com-panel' });
    this.root.append(element('summary', {}, 'centre of mass'));
    const pass = element('div', { class: 'toolbar' });
    this.#threshold = element('input', { type: 'number', step: 'any', placeholder: 'none', title: 'pixels below this value count as zero', 'data-testid': 'com-threshold' });
    this.#threshold.addEventListener('change', () => {
      const text = this.#threshold.value.trim();
      const value = text === '' ? undefined : Number(text);
      this.#threshold.classList.toggle('invalid', value !== undefined && !Number.isFinite(value));
      if (value !== undefined && !Number.isFinite(value)) return;
      this.settings.threshold = value;
      this.onPassChange?.();
    });
    this.#mask = element('select', { 'data-testid': 'com-mask', title: 'which pattern pixels count' });
    this.#mask.append(element('option', { value: 'all' }, 'all pixels'), element('option', { value: 'detector' }, 'inside the detector'));
    this.#mask.addEventListener('change', () => {
      const shape = this.#mask.value === 'detector' ? this.#currentDetector() : undefined;
      if (this.#mask.value === 'detector' && !shape) {
        this.#mask.value = 'all';
        this.#note.textContent = 'draw a detector on the pattern first: its pixels are the mask';
        return;
      }
      this.settings.mask = shape;
      this.#showMask();
      this.onPassChange?.();
    });
    this.#maskText = element('span', { class: 'label', 'data-testid': 'com-mask-text' });
    pass.append(element('span', { class: 'label' }, 'threshold'), this.#threshold, element('span', { class: 'label' }, 'pixels'), this.#mask, this.#maskText);

    const axes = element('div', { class: 'toolbar' });
    this.#rotation = element('input', { type: 'number', step: 'any', value: '0', title: 'rotation from pattern to scan axes, degrees (clockwise on screen)', 'data-testid': 'com-rotation' });
    this.#rotation.addEventListener('change', () => {
      const value = Number(this.#rotation.value);
      this.#rotation.classList.toggle('invalid', !Number.isFinite(value) || this.#rotation.value.trim() === '');
      if (!Number.isFinite(value) || this.#rotation.value.trim() === '') return;
      this.settings.rotation = value;
      this.#note.textContent = '';
      this.onAxesChange?.();
    });
    this.#flip = element('input', { type: 'checkbox', title: "mirror the pattern's y axis before the rotation", 'data-testid': 'com-flip' });
    this.#flip.addEventListener('change', () => {
      this.settings.flip = this.#flip.checked;
      this.onAxesChange?.();
    });
    const least = element('button', { 'data-testid': 'com-least-curl', title: 'the rotation that leaves the least curl, for this flip' }, 'least curl');
    least.addEventListener('click', () => this.#leastCurl());
    axes.append(element('span', { class: 'label' }, 'rotation °'), this.#rotation, this.#flip, element('span', { class: 'label' }, 'flip'), least);
    this.#note = element('div', { class: 'readout', 'data-testid': 'com-note' });

    // The colour wheel's key: a disc, each point coloured as the shift from the centre to it.
    const side = 64;
    const disc = element('canvas', { width: String(side), height: String(side), 'data-testid': 'com-key' });
    disc.getContext('2d')!.putImageData(new ImageData(colourWheelKey(side) as Uint8ClampedArray<ArrayBuffer>, side, side), 0, 0);
    this.#key = element('div', { class: 'com-key', 'data-testid': 'com-key-box' });
    this.#key.append(disc, element('span', { class: 'label', 'data-testid': 'com-key-text' }));
    this.#key.hidden = true;
    this.root.append(pass, axes, this.#note, this.#key);
    parent.append(this.root);
  }

  /** The pass's options, as the analysis request takes them. */
  request(): CenterOfMassOptions {
    return { threshold: this.settings.threshold, mask: this.settings.mask && shapeToDetector(this.settings.mask) };
  }

  /** Names the pass options: maps computed with other options are stale. */
  passKey(): string {
    return JSON.stringify([this.settings.threshold ?? null, this.settings.mask ?? null]);
  }

  /** Sets everything from a link, without starting anything. */
  set(settings: Partial<ComSettings>): void {
    this.root.open = true;
    if (settings.rotation !== undefined) {
      this.settings.rotation = settings.rotation;
      this.#rotation.value = String(settings.rotation);
    }
    if (settings.flip !== undefined) this.settings.flip = this.#flip.checked = settings.flip;
    if ('threshold' in settings) {
      this.settings.threshold = settings.threshold;
      this.#threshold.value = settings.threshold === undefined ? '' : String(settings.threshold);
    }
    if ('mask' in settings) {
      this.settings.mask = settings.mask;
      this.#showMask();
    }
  }

  readonly #patternOverlay: () => SVGSVGElement;
  #outline: SVGGElement | undefined;

  #showMask(): void {
    this.#outline?.remove();
    this.#outline = this.settings.mask && outline(this.settings.mask);
    if (this.#outline) this.#patternOverlay().append(this.#outline);
    this.#mask.value = this.settings.mask ? 'detector' : 'all';
    this.#maskText.textContent = this.settings.mask ? describeShape(this.settings.mask) : '';
    this.#note.textContent = '';
  }

  #leastCurl(): void {
    const maps = this.#maps();
    if (!maps) {
      this.#note.textContent = 'compute the centre of mass first';
      return;
    }
    const [rows, cols] = this.#shape;
    try {
      const found = curlFreeRotation(maps, rows, cols, { flip: this.settings.flip, step: this.#step });
      const rotation = Number(found.rotation.toFixed(2));
      this.set({ rotation });
      this.#note.textContent = `least curl at ${rotation}° (rms ${format(found.rmsCurl)}, ${format(found.rmsCurlWorst)} at the worst); ${format(rotation + 180)}° gives the same curl and the opposite divergence`;
      this.onAxesChange?.();
    } catch (error) {
      this.#note.textContent = (error as Error).message;
    }
  }

  /** The image of a view. */
  image(view: ComView, maps: ComMaps): ComImage {
    const [rows, cols] = this.#shape;
    this.#key.hidden = view !== 'com-direction';
    this.root.open = true;
    if (view === 'com-x' || view === 'com-y') return { values: maps[view === 'com-x' ? 'x' : 'y'], label: `centre of mass ${view.slice(4)} (pixels)${this.#passText()}` };
    const { rotation, flip } = this.settings;
    if (!this.#fields || this.#fields.maps !== maps || this.#fields.rotation !== rotation || this.#fields.flip !== flip) {
      this.#fields = { maps, rotation, flip, fields: comFields(maps, rows, cols, { rotation, flip, step: this.#step }) };
    }
    const f = this.#fields.fields;
    const axes = `, rotation ${rotation}°${flip ? ', flipped' : ''}, from (${format(f.reference.x)}, ${format(f.reference.y)})${this.#passText()}`;
    const perStep = this.#step ? 'pattern pixels per nm' : 'pattern pixels per scan position';
    switch (view) {
      case 'com-magnitude':
        return { values: f.magnitude, label: `centre-of-mass shift (pattern pixels)${axes}` };
      case 'com-direction': {
        const { rgba, max } = colourWheel(f.x, f.y);
        this.#key.querySelector('[data-testid=com-key-text]')!.textContent = `hue: direction (red → +x, right; yellow-green → +y, down); brightness: shift, full at ${format(max)} px`;
        const valueText = (i: number) => `${format(f.direction[i])}°, shift ${format(f.magnitude[i])} px`;
        return { values: f.direction, rgba, valueText, label: `centre-of-mass direction (degrees from +x towards +y; colours: the key)${axes}` };
      }
      case 'com-divergence':
        return { values: f.divergence, label: `centre-of-mass divergence (${perStep})${axes}` };
      case 'com-curl':
        return { values: f.curl, label: `centre-of-mass curl (${perStep})${axes}` };
    }
  }

  #passText(): string {
    const { threshold, mask } = this.settings;
    const parts = [threshold !== undefined ? `threshold ${threshold}` : '', mask ? `inside ${describeShape(mask)}` : ''].filter(Boolean);
    return parts.length ? `; ${parts.join(', ')}` : '';
  }
}
