/**
 * The pattern panel's Calibration control: type Å⁻¹ per pixel, take the
 * header's estimate (labelled as one), or measure: draw a circle on a ring
 * of the shown pattern, the radius is refined to the ring's peak in the
 * radial profile, and its d-spacing (typed, or a reflection of a phase in
 * the orientation panel's list) gives the calibration. Everything goes
 * through the file's CalibrationStore, which every panel reads.
 */
import { calibrationFromRing, refineRingRadius, type ReciprocalCalibration } from '../../src/crystal/calibration.js';
import { planeLabel } from '../../src/crystal/miller-bravais.js';
import { describeCalibration, type CalibrationStore } from './calibration.js';
import { element, format, type ImageView } from './image-view.js';
import { SHIPPED_PHASES, strongFamilies, type ViewerPhase } from './orientation/phases.js';
import { ShapeEditor, type Shape } from './shapes.js';

/** Where the phases come from: the orientation panel's list (one source of phases). */
export interface PhaseSource {
  readonly phases: readonly ViewerPhase[];
  /** Adds a shipped example to the list. */
  addExample(name: string): Promise<void>;
  /** Calls `listener` whenever the list changes; returns the unsubscribe function. */
  onPhases(listener: () => void): () => void;
}

/** A reflection family picked to measure on. */
interface PickedReflection {
  phase: string;
  hkl: string;
  d: number;
}

export interface MeasureHost {
  /** The pattern view the ring is drawn on. */
  view: ImageView;
  /** Drawing the ring must not draw a detector: the detector tool is paused meanwhile. */
  pauseDetector(paused: boolean): void;
  /** Rings show in the sum of many patterns, not in one: asked to show it when one pattern is shown. */
  showSum(): void;
  /** The phases whose reflections can be picked for the ring (asked for when measuring starts). */
  phaseSource(): PhaseSource | undefined;
}

export class CalibrationControl {
  readonly root: HTMLElement;
  readonly #store: CalibrationStore;
  readonly #host: MeasureHost;
  readonly #value: HTMLInputElement;
  readonly #status: HTMLElement;
  readonly #measureRow: HTMLElement;
  readonly #ringReadout: HTMLElement;
  readonly #dSpacing: HTMLInputElement;
  readonly #apply: HTMLButtonElement;
  readonly #reflection: HTMLSelectElement;
  /** The reflection picked, while the d-spacing is still its. */
  #picked: PickedReflection | undefined;
  #unsubscribePhases: (() => void) | undefined;
  readonly #ring: ShapeEditor;
  /** The ring drawn, its radius refined to the profile's peak (undefined when no peak was found near it). */
  #measured: { cx: number; cy: number; drawn: number; radius: number | undefined; label: string } | undefined;

  constructor(parent: HTMLElement, store: CalibrationStore, host: MeasureHost) {
    this.#store = store;
    this.#host = host;
    this.root = element('div', { class: 'calibration', 'data-testid': 'calibration' });
    const bar = element('div', { class: 'toolbar' });
    bar.append(element('span', { class: 'label' }, 'calibration'));
    this.#value = element('input', { type: 'number', min: '0', step: 'any', placeholder: 'Å⁻¹/px', title: 'Å⁻¹ per pattern pixel (Enter to set)', 'data-testid': 'calibration-value' });
    this.#value.classList.add('wide');
    const set = element('button', { 'data-testid': 'calibration-set' }, 'set');
    const typed = () => this.#setTyped();
    set.addEventListener('click', typed);
    this.#value.addEventListener('keydown', (e) => e.key === 'Enter' && typed());
    const estimate = element('button', { 'data-testid': 'calibration-estimate' }, 'header estimate');
    if (store.estimate) {
      estimate.title = `${format(store.estimate.perPixel)} Å⁻¹ per pixel, ${store.estimate.how}`;
      estimate.addEventListener('click', () => store.set(store.estimate));
    } else {
      estimate.disabled = true;
      estimate.title = 'the header lacks SDP, camera length or beam energy';
    }
    const measure = element('button', { 'data-testid': 'calibration-measure', title: 'draw a circle on a ring, then give its d-spacing' }, 'measure on a ring');
    measure.addEventListener('click', () => this.#startMeasuring());
    const clear = element('button', { 'data-testid': 'calibration-clear', title: 'back to pixels (and forget it for this file)' }, 'clear');
    clear.addEventListener('click', () => store.set(undefined));
    bar.append(element('span', { class: 'label' }, 'Å⁻¹ per pixel'), this.#value, set, estimate, measure, clear);

    this.#measureRow = element('div', { class: 'toolbar', 'data-testid': 'calibration-measuring' });
    this.#measureRow.hidden = true;
    this.#ringReadout = element('span', { class: 'label', 'data-testid': 'calibration-ring' });
    this.#dSpacing = element('input', { type: 'number', min: '0', step: 'any', placeholder: 'Å', title: "the ring's d-spacing, Å", 'data-testid': 'calibration-d' });
    this.#apply = element('button', { 'data-testid': 'calibration-apply' }, 'apply');
    this.#apply.addEventListener('click', () => this.#applyRing());
    this.#dSpacing.addEventListener('keydown', (e) => e.key === 'Enter' && this.#applyRing());
    this.#dSpacing.addEventListener('input', () => (this.#picked = undefined));
    this.#reflection = element('select', { title: "a reflection of a phase in the orientation panel's list: its d-spacing", 'data-testid': 'calibration-reflection' });
    this.#reflection.addEventListener('change', () => void this.#pickReflection());
    const cancel = element('button', { 'data-testid': 'calibration-cancel' }, 'cancel');
    cancel.addEventListener('click', () => this.#stopMeasuring());
    this.#measureRow.append(this.#ringReadout, element('span', { class: 'label' }, 'd'), this.#dSpacing, element('span', { class: 'label' }, 'Å'), element('span', { class: 'label' }, 'or'), this.#reflection, this.#apply, cancel);

    this.#status = element('div', { class: 'readout', 'data-testid': 'calibration-status' });
    this.root.append(bar, this.#measureRow, this.#status);
    parent.append(this.root);

    this.#ring = new ShapeEditor(host.view, 'ring', (shape, final) => final && this.#onRing(shape));
    store.subscribe((c) => this.#show(c));
  }

  #show(c: ReciprocalCalibration | undefined): void {
    if (document.activeElement !== this.#value) this.#value.value = c ? String(Number(c.perPixel.toPrecision(6))) : '';
    const estimate = this.#store.estimate;
    this.#status.textContent = c
      ? describeCalibration(c)
      : `${describeCalibration(undefined)}${estimate ? ` (the header suggests ≈ ${format(estimate.perPixel)} Å⁻¹ per pixel, an estimate)` : ''}`;
    this.#status.classList.toggle('warning', c?.source === 'header');
  }

  #setTyped(): void {
    const v = Number(this.#value.value);
    if (!(this.#value.value.trim() !== '' && v > 0 && Number.isFinite(v))) {
      this.#status.textContent = `calibration: "${this.#value.value}" is not a positive number of Å⁻¹ per pixel`;
      this.#status.classList.add('warning');
      return;
    }
    this.#store.set({ perPixel: v, source: 'typed', how: 'typed in by the user' });
  }

  get measuring(): boolean {
    return !this.#measureRow.hidden;
  }

  #startMeasuring(): void {
    if (this.measuring) return;
    this.#host.showSum();
    this.#host.pauseDetector(true);
    this.#ring.tool = 'disk';
    this.#measured = undefined;
    this.#ringReadout.textContent = 'draw a circle on a ring about the direct beam';
    this.#apply.disabled = true;
    this.#picked = undefined;
    this.#unsubscribePhases = this.#host.phaseSource()?.onPhases(() => this.#listReflections());
    this.#listReflections();
    this.#measureRow.hidden = false;
  }

  /** The select's options: each phase's strong reflection families with their d, or shipped examples to load when there is no phase. */
  #listReflections(): void {
    const phases = this.#host.phaseSource()?.phases ?? [];
    const options: HTMLElement[] = [element('option', { value: '' }, phases.length ? 'pick a reflection…' : 'a reflection of a phase…')];
    // Down to the pattern's corner at the calibration known (or estimated), else to 0.8 Å.
    const [rows, cols] = [this.#host.view.image?.rows ?? 0, this.#host.view.image?.cols ?? 0];
    const perPixel = (this.#store.current ?? this.#store.estimate)?.perPixel;
    const dMin = perPixel && rows > 0 ? 1 / ((Math.hypot(rows, cols) / 2) * perPixel) : 0.8;
    for (const p of phases) {
      const group = element('optgroup', { label: p.phase.name });
      for (const f of strongFamilies(p.phase, dMin, 6)) {
        const hkl = `{${planeLabel(f.hkl, p.phase.cell)}}`;
        group.append(element('option', { value: `${p.key}|${hkl}|${f.d}` }, `${p.phase.name} ${hkl} d = ${f.d.toFixed(3)} Å`));
      }
      options.push(group);
    }
    if (!phases.length) {
      const group = element('optgroup', { label: 'no phase loaded: load an example' });
      for (const name of SHIPPED_PHASES) group.append(element('option', { value: `example|${name}` }, `load example ${name}`));
      options.push(group);
    }
    this.#reflection.replaceChildren(...options);
    this.#reflection.value = '';
  }

  async #pickReflection(): Promise<void> {
    const [what, name, d] = this.#reflection.value.split('|');
    if (what === 'example') {
      this.#reflection.value = '';
      await this.#host.phaseSource()?.addExample(name);
      return;
    }
    const p = this.#host.phaseSource()?.phases.find((q) => q.key === what);
    if (!p || !(Number(d) > 0)) return;
    this.#picked = { phase: p.phase.name, hkl: name, d: Number(d) };
    this.#dSpacing.value = String(Number(Number(d).toPrecision(6)));
    if (this.#measured) this.#applyRing();
  }

  #stopMeasuring(): void {
    if (!this.measuring) return;
    this.#ring.tool = undefined;
    this.#ring.set(undefined);
    this.#unsubscribePhases?.();
    this.#unsubscribePhases = undefined;
    this.#measureRow.hidden = true;
    this.#host.pauseDetector(false);
  }

  #onRing(shape: Shape | undefined): void {
    const image = this.#host.view.image;
    if (!shape || shape.kind !== 'disk' || !image) return;
    const radius = refineRingRadius(image.values, image.rows, image.cols, shape.cx, shape.cy, shape.r);
    this.#measured = { cx: shape.cx, cy: shape.cy, drawn: shape.r, radius, label: image.label };
    if (radius !== undefined) this.#ring.set({ ...shape, r: radius });
    this.#ringReadout.textContent =
      radius === undefined
        ? `no ring peak within a few pixels of r ${shape.r} px: using the circle as drawn`
        : `ring about (${shape.cx}, ${shape.cy}): r ${format(radius)} px (drawn ${shape.r}, refined to the profile's peak)`;
    this.#apply.disabled = false;
    this.#dSpacing.focus({ preventScroll: true });
  }

  #applyRing(): void {
    const m = this.#measured;
    if (!m) return;
    const picked = this.#picked;
    const d = picked ? picked.d : Number(this.#dSpacing.value);
    if (!(this.#dSpacing.value.trim() !== '' && d > 0 && Number.isFinite(d))) {
      this.#ringReadout.textContent = `d-spacing: "${this.#dSpacing.value}" is not a positive number of Å`;
      return;
    }
    const r = m.radius ?? m.drawn;
    if (!(r > 0)) {
      this.#ringReadout.textContent = 'the circle has no radius: draw it on a ring';
      return;
    }
    const c = calibrationFromRing(r, d);
    const refined = m.radius === undefined ? 'as drawn' : `refined from the drawn ${m.drawn} px`;
    const where = `about (${m.cx}, ${m.cy}) of the ${m.label}`;
    this.#store.set({
      ...c,
      how: picked
        ? `measured on ${picked.phase} ${picked.hkl} (d = ${picked.d.toFixed(3)} Å), ring radius ${format(r)} px (${refined}) ${where}`
        : `measured on a ring of radius ${format(r)} px (${refined}) ${where}, d = ${d} Å`,
    });
    this.#stopMeasuring();
  }
}
