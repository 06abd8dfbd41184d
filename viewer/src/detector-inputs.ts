/**
 * The detector's numbers, typed in beside the detector tools and kept in
 * step with dragging and nudging. Positions (centres, corners) are pattern
 * pixels: where on the camera. Radii are distances from the beam, so they
 * are in Å⁻¹ once the pattern is calibrated.
 */
import type { ReciprocalCalibration } from '../../src/crystal/calibration.js';
import { element } from './image-view.js';
import { shapeFields, withField, type Shape } from './shapes.js';

/** Typed Å⁻¹ back to pixels: to a thousandth of a pixel, so 0.2 / 0.025 is 8, not 8.000000000000002. */
export function lengthToPixels(value: number, calibration: ReciprocalCalibration | undefined): number {
  return calibration ? Math.round((value / calibration.perPixel) * 1000) / 1000 : value;
}

/** A length in pixels as it is shown in its input: Å⁻¹ to 4 significant digits once calibrated. */
export function lengthFromPixels(pixels: number, calibration: ReciprocalCalibration | undefined): number {
  return calibration ? Number((pixels * calibration.perPixel).toPrecision(4)) : pixels;
}

export class DetectorInputs {
  readonly root: HTMLElement;
  /** The inputs, on one line. */
  readonly #row: HTMLElement;
  /** Why a typed number was refused, under the row (empty takes no room). */
  readonly #note: HTMLElement;
  readonly #apply: (shape: Shape) => string | undefined;
  #shape: Shape | undefined;
  #calibration: ReciprocalCalibration | undefined;
  #inputs = new Map<string, HTMLInputElement>();

  /** `apply` takes a typed shape and returns why it was refused, if it was. */
  constructor(parent: HTMLElement, apply: (shape: Shape) => string | undefined) {
    this.#apply = apply;
    this.root = element('div', { 'data-testid': 'detector-inputs' });
    this.#row = element('div', { class: 'toolbar detector-inputs' });
    this.#note = element('div', { class: 'warning', 'data-testid': 'detector-input-note' });
    this.root.append(this.#row, this.#note);
    parent.append(this.root);
    this.show(undefined, undefined);
  }

  /** Shows the numbers of `shape` (none: hidden), rebuilding the inputs when its kind or units change. */
  show(shape: Shape | undefined, calibration: ReciprocalCalibration | undefined): void {
    const rebuild = shape?.kind !== this.#shape?.kind || calibration?.perPixel !== this.#calibration?.perPixel;
    this.#shape = shape;
    this.#calibration = calibration;
    // The row stays, a hint in it, so that the image below does not move when a detector appears mid-drag.
    if (!shape) {
      this.#inputs.clear();
      this.#row.replaceChildren(element('span', { class: 'label hint' }, 'draw a detector on the pattern; its numbers can then be typed here'));
      this.#note.textContent = '';
      return;
    }
    if (rebuild) this.#build(shape);
    for (const f of shapeFields(shape)) {
      const input = this.#inputs.get(f.key)!;
      // The number being typed is left alone until it is entered.
      if (document.activeElement !== input || rebuild) input.value = String(f.length ? lengthFromPixels(f.value, calibration) : f.value);
      input.classList.remove('invalid');
    }
    this.#note.textContent = '';
  }

  #build(shape: Shape): void {
    this.#inputs.clear();
    const parts: (HTMLElement | Text)[] = [];
    for (const f of shapeFields(shape)) {
      const input = element('input', { type: 'number', step: f.length && this.#calibration ? 'any' : '0.5', 'data-testid': `detector-input-${f.key}` });
      const unit = f.length && this.#calibration ? 'Å⁻¹' : 'px';
      input.title = `${f.label} (${unit})`;
      input.setAttribute('aria-label', `detector ${f.label} in ${unit === 'px' ? 'pixels' : 'Å⁻¹'}`);
      input.addEventListener('change', () => this.#typed(f.key, f.length, input, unit));
      this.#inputs.set(f.key, input);
      parts.push(element('span', { class: 'label' }, f.label), input);
      if (f.length) parts.push(element('span', { class: 'label' }, unit));
    }
    // One line, whatever the kind: the image below must not move when the detector changes (the hint is a tooltip).
    this.#row.title = shape.kind === 'rect' || shape.kind === 'point' ? 'in pattern pixels' : 'centre in pattern pixels; radii in pixels, or Å⁻¹ once calibrated';
    this.#row.replaceChildren(element('span', { class: 'label' }, 'at'), ...parts);
  }

  #typed(key: string, length: boolean, input: HTMLInputElement, unit: string): void {
    const shape = this.#shape;
    if (!shape) return;
    const value = input.value.trim() === '' ? NaN : Number(input.value);
    const next = withField(shape, key, length ? lengthToPixels(value, this.#calibration) : value);
    const refused = typeof next === 'string' ? next : this.#apply(next);
    if (refused) {
      input.classList.add('invalid');
      this.#note.textContent = `${key} ${input.value.trim() || '(empty)'} ${unit} not applied: ${refused}`;
    }
  }
}
