/**
 * The viewer's orientation and phase mapping: phases from CIF files (or the
 * shipped examples), their rings over the pattern and the radial profile to
 * check the calibration against, indexing of the whole scan or a drawn
 * region on the analysis Web Workers (the library's indexOrientations, the
 * map filling in as pieces finish), the maps with their keys, a position
 * inspected (the best template's spots on its pattern), and the files
 * `blo index` writes, from the same writers.
 */
import type { ReciprocalCalibration } from '../../../src/crystal/calibration.js';
import type { Phase } from '../../../src/crystal/phase.js';
import { indexOrientations, placeIndexMaps, scanShapeOf, type JobPool, type OrientationMap, type ScanRect } from '../../../src/indexing/engine.js';
import { createIndexMaps, type IndexMaps } from '../../../src/indexing/match.js';
import { orientationAng, orientationCtf, orientationNpy, phaseColour } from '../../../src/indexing/outputs.js';
import type { Blockfile } from '../../../src/reader/blockfile.js';
import { save } from '../downloads.js';
import { element, format, type ShownImage } from '../image-view.js';
import { labelFontSize, placeRingLabels } from './ring-labels.js';
import { directionLabel, planeLabel } from '../../../src/crystal/miller-bravais.js';
import { inspect, SpotSimulator, type Inspection } from './inspect.js';
import { MAP_KINDS, mapFigure, mapKey, mapRgba, type MapKind } from './maps.js';
import { phaseFromText, phaseSummary, shippedPhase, SHIPPED_PHASES, strongFamilies, type ViewerPhase } from './phases.js';
import './orientation.css';

const SVG = 'http://www.w3.org/2000/svg';
/** Partial maps are redrawn at most this often. */
const REDRAW_MS = 100;
/** Frames per piece of a run: small enough that the map fills in visibly, large enough that a piece's set-up is nothing. */
const FRAMES_PER_PIECE = 128;

/** What the panel needs of the viewer around it. */
export interface OrientationHost {
  readonly bf: Blockfile;
  readonly scanRows: number;
  readonly scanCols: number;
  /** The pattern view: its SVG overlay (pattern pixels) gets the rings and the spots. */
  readonly pattern: { overlay: SVGSVGElement };
  readonly calibration: { readonly current: ReciprocalCalibration | undefined; subscribe(listener: (c: ReciprocalCalibration | undefined) => void): () => void };
  /** The scan position shown, and moving it (pinned, as a click does). */
  readonly position: { x: number; y: number };
  moveTo(x: number, y: number): void;
  /** Called after the position or the pattern shown changes, with whether the pattern shown is the position's. */
  onPatternShown(listener: (atPosition: boolean) => void): void;
  /** The scan region drawn on the navigator, as the rectangle of positions it covers. */
  scanRegion(): ScanRect | undefined;
  /** Where the radial profile is taken about (pattern pixels), and marks drawn on it. */
  profileCentre(): [number, number];
  setProfileMarks(marks: { r: number; label: string; colour: string }[]): void;
  /** Holds back the viewer's background work while `abort` runs; returns the release. */
  hold(abort: AbortController): () => void;
  /** Writes the view (the panel's part from {@link OrientationPanel.hashState}) into the URL. */
  updateHash(): void;
  /** The map shown changed (kind, or pieces arrived): the scan view redraws it if it shows it. */
  orientationChanged(): void;
}

/** A finished (or running) run: its maps and what they were made with. */
interface Run {
  maps: IndexMaps;
  phases: Phase[];
  keys: string[];
  region: ScanRect | undefined;
  map: OrientationMap | undefined;
  simulator: SpotSimulator | undefined;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Labels on the pattern scale with it (see labelFontSize), their dark outline too. */
function labelStyle(text: SVGTextElement, fontSize: number): void {
  text.style.fontSize = `${fontSize}px`;
  text.style.strokeWidth = `${fontSize / 5}px`;
}

const css = ([r, g, b]: readonly number[]) => `rgb(${r}, ${g}, ${b})`;

export class OrientationPanel {
  readonly root: HTMLElement;
  readonly #host: OrientationHost;
  readonly #pool: JobPool;
  #phases: ViewerPhase[] = [];
  readonly #phaseListeners = new Set<() => void>();
  #run: Run | undefined;
  #abort: AbortController | undefined;
  #kind: MapKind = 'ipf-z';
  #atPosition = true;
  readonly #phaseList: HTMLElement;
  readonly #phaseNote: HTMLElement;
  readonly #calibration: HTMLElement;
  readonly #rings: HTMLInputElement;
  readonly #resolution: HTMLInputElement;
  readonly #where: HTMLSelectElement;
  readonly #runButton: HTMLButtonElement;
  readonly #cancel: HTMLButtonElement;
  readonly #progress: HTMLProgressElement;
  readonly #status: HTMLElement;
  readonly #kindSelect: HTMLSelectElement;
  readonly #mapCanvas: HTMLCanvasElement;
  readonly #mapBox: HTMLElement;
  readonly #mapOverlay: SVGSVGElement;
  readonly #marker: SVGRectElement;
  readonly #mapLabel: HTMLElement;
  readonly #key: HTMLElement;
  readonly #inspect: HTMLElement;
  readonly #exports: HTMLElement;
  readonly #spotLayer: SVGGElement;
  readonly #ringLayer: SVGGElement;
  #redraw: ReturnType<typeof setTimeout> | undefined;
  /** Hash state to apply once phases have loaded (index after a link). */
  #pendingIndex: { region: ScanRect | undefined } | undefined;
  /** A link's phases, index and step while its phases load and its map is made: kept in the URL meanwhile. */
  #fromLink: Record<string, string> | undefined;

  constructor(host: OrientationHost, pool: JobPool, parent: HTMLElement) {
    this.#host = host;
    this.#pool = pool;
    this.root = element('section', { class: 'panel orientation', id: 'orientation-panel', 'data-testid': 'orientation-panel' });
    this.root.append(element('h2', {}, 'Orientation and phase maps'));
    const grid = element('div', { class: 'orientation-grid' });
    this.root.append(grid);

    // Phases, calibration, run.
    const setup = element('div', { class: 'orientation-setup' });
    setup.append(element('h3', {}, 'Phases'));
    const examples = element('div', { class: 'toolbar' });
    examples.append(element('span', { class: 'label' }, 'examples'));
    for (const name of SHIPPED_PHASES) {
      const b = element('button', { 'data-testid': `phase-example-${name}`, title: `add the shipped ${name}.cif` }, name);
      b.addEventListener('click', () => void this.#addShipped(name));
      examples.append(b);
    }
    const picker = element('input', { type: 'file', accept: '.cif', multiple: '', hidden: '', 'data-testid': 'phase-input' });
    picker.addEventListener('change', () => {
      void this.addFiles(Array.from(picker.files ?? []));
      picker.value = '';
    });
    const pick = element('label', { class: 'button' }, 'add CIF…');
    pick.append(picker);
    examples.append(pick);
    setup.append(examples, element('div', { class: 'label hint' }, 'or drop .cif files anywhere on the page'));
    this.#phaseList = element('ul', { class: 'phase-list', 'data-testid': 'phase-list' });
    this.#phaseNote = element('div', { class: 'readout warning', 'data-testid': 'phase-note' });
    setup.append(this.#phaseList, this.#phaseNote);

    setup.append(element('h3', {}, 'Calibration'));
    this.#calibration = element('div', { class: 'readout', 'data-testid': 'orientation-calibration' });
    const ringBar = element('label', { class: 'toolbar' });
    this.#rings = element('input', { type: 'checkbox', checked: '', 'data-testid': 'phase-rings' });
    this.#rings.addEventListener('change', () => this.#drawRings());
    ringBar.append(this.#rings, element('span', { class: 'label' }, 'rings on the pattern and profile'));
    setup.append(this.#calibration, ringBar);

    setup.append(element('h3', {}, 'Index'));
    const settings = element('div', { class: 'toolbar' });
    this.#resolution = element('input', { type: 'number', min: '0.25', max: '10', step: '0.25', value: '0.5', title: "the templates' grid step, degrees (up to 0.5°, screened on a grid twice as coarse; above, searched whole)", 'data-testid': 'index-resolution' });
    this.#where = element('select', { 'data-testid': 'index-where' });
    this.#where.append(element('option', { value: 'all' }, 'the whole scan'), element('option', { value: 'region' }, 'the region drawn on the scan'));
    settings.append(element('span', { class: 'label' }, 'step'), this.#resolution, element('span', { class: 'label' }, '°'), this.#where);
    const runBar = element('div', { class: 'toolbar' });
    this.#runButton = element('button', { 'data-testid': 'index-run', class: 'primary' }, 'Index');
    this.#runButton.addEventListener('click', () => {
      const region = this.#where.value === 'region' ? this.#host.scanRegion() : undefined;
      if (this.#where.value === 'region' && !region) this.#say('draw a region on the scan first (region: rectangle or disk)', true);
      else void this.run(region);
    });
    this.#cancel = element('button', { 'data-testid': 'index-cancel', hidden: '' }, 'Cancel');
    this.#cancel.addEventListener('click', () => this.#abort?.abort(new Error('cancelled')));
    this.#progress = element('progress', { max: '1', value: '0', hidden: '', 'data-testid': 'index-progress' });
    runBar.append(this.#runButton, this.#progress, this.#cancel);
    this.#status = element('div', { class: 'readout', 'data-testid': 'index-status' });
    setup.append(settings, runBar, this.#status);

    // The map.
    const mapColumn = element('div', { class: 'orientation-map' });
    const mapBar = element('div', { class: 'toolbar' });
    this.#kindSelect = element('select', { 'data-testid': 'orientation-map-kind' });
    for (const [value, text] of MAP_KINDS) this.#kindSelect.append(element('option', { value }, text));
    this.#kindSelect.addEventListener('change', () => {
      this.#kind = this.#kindSelect.value as MapKind;
      this.#drawMap();
      this.#host.updateHash();
    });
    mapBar.append(element('span', { class: 'label' }, 'show'), this.#kindSelect);
    this.#mapLabel = element('div', { class: 'readout', 'data-testid': 'orientation-map-label' }, 'no map yet: add a phase, then Index');
    this.#mapBox = element('div', { class: 'view' });
    this.#mapCanvas = element('canvas', { class: 'image', 'data-testid': 'orientation-canvas', width: String(host.scanCols), height: String(host.scanRows) });
    this.#mapBox.style.aspectRatio = `${host.scanCols} / ${host.scanRows}`;
    this.#mapOverlay = document.createElementNS(SVG, 'svg');
    this.#mapOverlay.setAttribute('viewBox', `-0.5 -0.5 ${host.scanCols} ${host.scanRows}`);
    this.#mapOverlay.setAttribute('data-testid', 'orientation-overlay');
    this.#marker = svg('rect', { class: 'marker', width: 1, height: 1 });
    this.#mapOverlay.append(this.#marker);
    this.#mapBox.append(this.#mapCanvas, this.#mapOverlay);
    this.#mapOverlay.addEventListener('click', (e) => {
      const r = this.#mapOverlay.getBoundingClientRect();
      this.#host.moveTo(Math.floor(((e.clientX - r.left) / r.width) * host.scanCols), Math.floor(((e.clientY - r.top) / r.height) * host.scanRows));
    });
    this.#key = element('div', { class: 'orientation-key', 'data-testid': 'orientation-key' });
    this.#exports = element('div', { class: 'toolbar' });
    this.#exports.append(element('span', { class: 'label' }, 'save'));
    const saves: [string, string, () => void][] = [
      ['ctf', 'Channel 5 text, as blo index writes it', () => this.#saveText('ctf')],
      ['ang', 'TSL OIM text, as blo index writes it', () => this.#saveText('ang')],
      ['npy', 'float64 rows × columns × (phase, φ1, Φ, φ2, correlation, reliability, phase reliability, spots, centre x, y), as blo index writes it', () => this.#saveText('npy')],
      ['png', 'the map shown with its key and a scale bar', () => this.#savePng()],
    ];
    for (const [ext, title, action] of saves) {
      const b = element('button', { 'data-testid': `orientation-save-${ext}`, title, disabled: '' }, `.${ext}`);
      b.addEventListener('click', action);
      this.#exports.append(b);
    }
    mapColumn.append(mapBar, this.#mapLabel, this.#mapBox, this.#key, this.#exports);

    // The position inspected.
    const inspectColumn = element('div', { class: 'orientation-inspect' });
    inspectColumn.append(element('h3', {}, 'At the position'));
    this.#inspect = element('div', { 'data-testid': 'orientation-inspect' });
    inspectColumn.append(this.#inspect);

    grid.append(setup, mapColumn, inspectColumn);
    parent.append(this.root);

    this.#spotLayer = svg('g', { class: 'orientation-spots', 'data-testid': 'orientation-spots' });
    this.#ringLayer = svg('g', { class: 'orientation-rings', 'data-testid': 'orientation-rings' });
    host.pattern.overlay.append(this.#ringLayer, this.#spotLayer);
    host.calibration.subscribe(() => {
      this.#showCalibration();
      this.#drawRings();
    });
    host.onPatternShown((atPosition) => {
      this.#atPosition = atPosition;
      this.#drawRings();
      this.#showPosition();
    });
    this.#renderPhases();
  }

  /** The phases' keys (shipped examples by name), the map shown and what was indexed, for the URL's hash. */
  hashState(): Record<string, string> {
    const state: Record<string, string> = {};
    if (this.#phases.length) state.phases = this.#phases.map((p) => p.key).join(',');
    if (this.#kind !== 'ipf-z') state.omap = this.#kind;
    const run = this.#run;
    if (run?.map) {
      const r = run.region;
      state.index = r ? `${r.x0},${r.y0},${r.x1},${r.y1}` : 'all';
      if (Number(this.#resolution.value) !== 0.5) state.step = this.#resolution.value;
    }
    return { ...state, ...this.#fromLink };
  }

  /** Applies the panel's part of a link; returns the parts it cannot use. The phases load (and the index runs) in the background. */
  applyHash(state: Record<string, string>): string[] {
    const ignored: string[] = [];
    if (state.omap !== undefined) {
      if (MAP_KINDS.some(([k]) => k === state.omap)) {
        this.#kind = state.omap as MapKind;
        this.#kindSelect.value = this.#kind;
        this.#drawMap();
      } else ignored.push(`omap=${state.omap}`);
    }
    if (state.step !== undefined) {
      const v = Number(state.step);
      if (v >= 0.25 && v <= 10) this.#resolution.value = String(v);
      else ignored.push(`step=${state.step}`);
    }
    let index: { region: ScanRect | undefined } | undefined;
    if (state.index !== undefined) {
      const v = state.index.split(',').map(Number);
      if (state.index === 'all') index = { region: undefined };
      else if (v.length === 4 && v.every(Number.isInteger) && v[0] >= 0 && v[1] >= 0 && v[2] > v[0] && v[3] > v[1] && v[2] <= this.#host.scanCols && v[3] <= this.#host.scanRows) {
        index = { region: { x0: v[0], y0: v[1], x1: v[2], y1: v[3] } };
      } else ignored.push(`index=${state.index}`);
    }
    const wanted = state.phases === undefined ? [] : state.phases.split(',').filter(Boolean);
    const missing = wanted.filter((k) => !SHIPPED_PHASES.includes(k) && !this.#phases.some((p) => p.key === k));
    if (missing.length) ignored.push(`phases ${missing.join(', ')} (not shipped: add ${missing.map((m) => `${m}.cif`).join(', ')})`);
    this.#pendingIndex = index && missing.length === 0 ? index : undefined;
    const fromLink = Object.fromEntries(['phases', 'index', 'step'].filter((k) => state[k] !== undefined && !ignored.some((i) => i.startsWith(k))).map((k) => [k, state[k]]));
    this.#fromLink = fromLink;
    void (async () => {
      for (const key of wanted) if (SHIPPED_PHASES.includes(key) && !this.#phases.some((p) => p.key === key)) await this.#addShipped(key, false);
      const pending = this.#pendingIndex;
      this.#pendingIndex = undefined;
      // Not again when the map shown is the one the link describes (the hash edited elsewhere).
      const shown = this.#run?.map && this.hashState();
      const same = shown && shown.phases === state.phases && shown.index === state.index && (shown.step ?? '1') === (state.step ?? '1');
      try {
        if (pending && this.#phases.length && !same) await this.run(pending.region);
      } finally {
        // The link's keys stay in the URL until what they ask for is shown (or has failed, saying so).
        if (this.#fromLink === fromLink) this.#fromLink = undefined;
        this.#host.updateHash();
      }
    })();
    return ignored;
  }

  /** The phases in the list (the one source of phases: the calibration's reflections come from here too). */
  get phases(): readonly ViewerPhase[] {
    return this.#phases;
  }

  /** Calls `listener` whenever the list changes; returns the unsubscribe function. */
  onPhases(listener: () => void): () => void {
    this.#phaseListeners.add(listener);
    return () => this.#phaseListeners.delete(listener);
  }

  /** Adds a shipped example (as its button does). */
  addExample(name: string): Promise<void> {
    return this.#addShipped(name);
  }

  async #addShipped(name: string, write = true): Promise<void> {
    try {
      this.#add(await shippedPhase(name), write);
    } catch (error) {
      this.#phaseNote.textContent = (error as Error).message;
    }
  }

  /** Adds phases from CIF files (picked or dropped). */
  async addFiles(files: File[]): Promise<void> {
    const problems: string[] = [];
    for (const file of files) {
      try {
        this.#add(await phaseFromText(await file.text(), file.name));
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    this.#phaseNote.textContent = problems.join('; ');
  }

  #add(p: ViewerPhase, write = true): void {
    this.#phaseNote.textContent = '';
    const at = this.#phases.findIndex((q) => q.key === p.key);
    if (at >= 0) this.#phases[at] = p;
    else this.#phases.push(p);
    this.#renderPhases();
    if (write) this.#host.updateHash();
  }

  #remove(key: string): void {
    this.#phases = this.#phases.filter((p) => p.key !== key);
    this.#renderPhases();
    this.#host.updateHash();
  }

  #renderPhases(): void {
    this.#phaseList.replaceChildren(
      ...this.#phases.map((p, i) => {
        const li = element('li', { 'data-testid': `phase-${p.key}` });
        const swatch = element('span', { class: 'swatch' });
        swatch.style.background = css(phaseColour(i + 1));
        const remove = element('button', { class: 'remove', title: `remove ${p.phase.name}`, 'data-testid': `phase-remove-${p.key}` }, '×');
        remove.addEventListener('click', () => this.#remove(p.key));
        const about = element('div', { class: 'about' });
        about.append(element('strong', {}, p.phase.name), element('span', { class: 'label' }, ` ${p.key}.cif${p.shipped ? ' (example)' : ''}`));
        about.append(element('div', { class: 'summary', 'data-testid': `phase-summary-${p.key}` }, phaseSummary(p.phase)));
        if (p.phase.notes.length) about.append(element('div', { class: 'label' }, p.phase.notes.join(' ')));
        li.append(swatch, about, remove);
        return li;
      }),
    );
    if (this.#phases.length === 0) this.#phaseList.append(element('li', { class: 'label' }, 'no phases yet'));
    this.#runButton.disabled = this.#phases.length === 0;
    this.#drawRings();
    for (const listener of this.#phaseListeners) listener();
  }

  #showCalibration(): void {
    const c = this.#host.calibration.current;
    this.#calibration.classList.toggle('warning', !c);
    this.#calibration.textContent = c
      ? `${format(c.perPixel)} Å⁻¹ per pixel (${c.source}): ${c.how}. Indexing uses it; the rings should sit on the pattern's.`
      : 'not set: set the reciprocal calibration (Å⁻¹ per pixel) with the pattern first; indexing needs it.';
  }

  /** The phases' strongest ring families within the pattern's reach: radius (pixels), label. */
  #ringRadii(p: Phase, perPixel: number): { r: number; label: string }[] {
    const reach = Math.hypot(this.#host.bf.geometry.sigShape[0], this.#host.bf.geometry.sigShape[1]) / 2;
    // Intensity of a ring: |F|² times the multiplicity; the weak ones would only clutter.
    return strongFamilies(p, 1 / (reach * perPixel)).map((f) => ({ r: 1 / f.d / perPixel, label: `{${planeLabel(f.hkl, p.cell)}}` }));
  }

  #drawRings(): void {
    this.#ringLayer.replaceChildren();
    const c = this.#host.calibration.current;
    const marks: { r: number; label: string; colour: string }[] = [];
    if (c && this.#rings.checked) {
      const [cx, cy] = this.#host.profileCentre();
      const [rows, cols] = this.#host.bf.geometry.sigShape;
      this.#phases.forEach((p, i) => {
        const colour = css(phaseColour(i + 1));
        for (const ring of this.#ringRadii(p.phase, c.perPixel)) marks.push({ ...ring, colour });
      });
      // Innermost first, whatever the phase: the low-order rings keep their labels when there is no room for all.
      marks.sort((a, b) => a.r - b.r);
      const fontSize = labelFontSize(cols);
      const places = placeRingLabels(marks.map((m) => ({ r: m.r, text: m.label })), [cx, cy], cols, rows, fontSize);
      marks.forEach((ring, k) => {
        const circle = svg('circle', { cx, cy, r: ring.r, class: 'ring', 'data-label': ring.label });
        circle.style.stroke = ring.colour;
        this.#ringLayer.append(circle);
        const place = places[k];
        if (!place) return;
        const text = svg('text', { x: place.x, y: place.y, class: 'ring-label', ...(place.anchor === 'end' && { 'text-anchor': 'end' }) });
        labelStyle(text, fontSize);
        text.style.fill = ring.colour;
        text.textContent = ring.label;
        this.#ringLayer.append(text);
      });
    }
    this.#host.setProfileMarks(marks);
  }

  /** Indexes the whole scan, or `region`, on the workers. */
  async run(region: ScanRect | undefined): Promise<void> {
    const calibration = this.#host.calibration.current;
    if (!calibration) return this.#say('set the calibration first (see Calibration above)', true);
    if (this.#phases.length === 0) return this.#say('add a phase first', true);
    const [dpy, dpx] = this.#host.bf.geometry.sigShape;
    if (dpx !== dpy) return this.#say(`patterns are ${dpy} × ${dpx}; indexing needs square patterns`, true);
    const resolution = Number(this.#resolution.value);
    if (!(resolution >= 0.25 && resolution <= 10)) return this.#say('the step must be 0.25° to 10°', true);
    this.#abort?.abort(new Error('superseded'));
    const abort = new AbortController();
    this.#abort = abort;
    const release = this.#host.hold(abort);
    const phases = this.#phases.map((p) => p.phase);
    const [ny, nx] = scanShapeOf(this.#host.bf);
    const run: Run = { maps: createIndexMaps(nx * ny, 1), phases, keys: this.#phases.map((p) => p.key), region, map: undefined, simulator: undefined };
    this.#run = run;
    this.#setBusy(true);
    this.#say(`building the templates of ${phases.map((p) => p.name).join(', ')} at ${resolution}°…`);
    this.#drawMap();
    const started = performance.now();
    try {
      const frames = (region ? region.y1 - region.y0 : ny) * nx;
      const map = await indexOrientations(
        this.#host.bf,
        phases,
        { pixelSize: calibration.perPixel, resolution, ...(region && { region }) },
        {
          pool: this.#pool,
          signal: abort.signal,
          pieces: Math.max(4 * this.#pool.size, Math.ceil(frames / FRAMES_PER_PIECE)),
          onProgress: ({ frames, totalFrames, pass, passFrames, passTotal }) => {
            this.#progress.value = frames / totalFrames;
            this.#say(
              pass === 'search'
                ? `indexing: ${passFrames} of ${passTotal} patterns…`
                : `trying the neighbours' orientations: ${passFrames} of ${passTotal} patterns…`,
            );
          },
          onPartial: (part, start) => {
            if (run.maps.solutionsPerPosition !== part.solutionsPerPosition) run.maps = createIndexMaps(nx * ny, part.solutionsPerPosition);
            placeIndexMaps(run.maps, part, start);
            this.#redraw ??= setTimeout(() => {
              this.#redraw = undefined;
              if (this.#run === run) this.#drawMap();
            }, REDRAW_MS);
          },
        },
      );
      const seconds = (performance.now() - started) / 1000;
      run.map = map;
      run.maps = map;
      run.simulator = new SpotSimulator(map.library, phases);
      const counts = phases.map((p, i) => {
        let n = 0;
        for (let j = 0; j < map.phase.length; j++) if (map.phase[j] === i + 1) n++;
        return `${p.name} ${((100 * n) / map.indexed).toFixed(1)} %`;
      });
      this.#status.dataset.seconds = String(seconds);
      this.#say(
        `indexed ${map.indexed} patterns in ${seconds.toFixed(1)} s (${(map.indexed / seconds).toFixed(0)} patterns/s): ${counts.join(', ')}; ` +
          `${map.library.phases.reduce((n, p) => n + p.count, 0)} templates at ${resolution}°, precession ${map.precession}°, ${map.voltage} kV, ${format(calibration.perPixel)} Å⁻¹/px`,
      );
    } catch (error) {
      if (this.#run === run) this.#run = undefined;
      const why = abort.signal.aborted ? (abort.signal.reason as Error)?.message : undefined;
      if (why === 'superseded') return;
      this.#say(why ? `indexing ${why}` : `indexing failed: ${(error as Error).message}`, !why);
    } finally {
      release();
      if (this.#abort === abort) {
        this.#abort = undefined;
        this.#setBusy(false);
      }
      if (this.#redraw) clearTimeout(this.#redraw);
      this.#redraw = undefined;
      this.#drawMap();
      this.#showPosition();
      this.#host.updateHash();
    }
  }

  #setBusy(busy: boolean): void {
    this.#progress.hidden = !busy;
    this.#cancel.hidden = !busy;
    this.#progress.value = 0;
    this.root.setAttribute('aria-busy', String(busy));
    this.#exports.querySelectorAll('button').forEach((b) => (b.disabled = busy || !this.#run?.map));
  }

  #say(text: string, warning = false): void {
    this.#status.textContent = text;
    this.#status.classList.toggle('warning', warning);
  }

  #drawMap(): void {
    const run = this.#run;
    const { scanRows: rows, scanCols: cols } = this.#host;
    const ctx = this.#mapCanvas.getContext('2d')!;
    if (!run) {
      ctx.clearRect(0, 0, cols, rows);
      this.#key.replaceChildren();
      return;
    }
    ctx.putImageData(new ImageData(mapRgba(this.#kind, run.maps, run.phases), cols, rows), 0, 0);
    const name = MAP_KINDS.find(([k]) => k === this.#kind)![1];
    const where = run.region ? ` of x ${run.region.x0}–${run.region.x1 - 1}, y ${run.region.y0}–${run.region.y1 - 1}` : '';
    this.#mapLabel.textContent = `${name}${where}${run.map ? '' : ' (indexing…)'}`;
    this.#mapCanvas.dataset.kind = this.#kind;
    this.#host.orientationChanged();
    this.#key.replaceChildren(
      ...mapKey(this.#kind, run.phases).map((k) => {
        const item = element('figure', {});
        item.append(k.canvas, element('figcaption', {}, k.caption));
        return item;
      }),
    );
  }

  /**
   * The map shown, for the scan view: its colours, and as values the
   * correlation or reliability (NaN where not indexed) or else the phase.
   */
  scanImage(): ShownImage | undefined {
    const run = this.#run;
    if (!run) return undefined;
    const { maps } = run;
    const values = new Float64Array(maps.count);
    for (let i = 0; i < maps.count; i++) {
      const p = maps.phase[i];
      values[i] = this.#kind === 'correlation' ? (p ? maps.correlation[i] : NaN) : this.#kind === 'reliability' ? (p ? maps.reliability[i] : NaN) : p;
    }
    const valueText = (i: number): string => {
      const p = maps.phase[i];
      if (!p) return 'not indexed';
      const e = maps.euler.subarray(3 * i, 3 * i + 3);
      return `${run.phases[p - 1].name}, φ1 Φ φ2 ${[...e].map((v) => `${v.toFixed(1)}°`).join(' ')}, correlation ${maps.correlation[i].toFixed(3)}, reliability ${maps.reliability[i].toFixed(0)} %`;
    };
    return { values, rgba: mapRgba(this.#kind, maps, run.phases), valueText, rows: this.#host.scanRows, cols: this.#host.scanCols, label: this.#mapLabel.textContent ?? '' };
  }

  /** The marker on the map, the readout and the spots on the pattern for the viewer's position. */
  #showPosition(): void {
    const { x, y } = this.#host.position;
    this.#marker.setAttribute('x', String(x - 0.5));
    this.#marker.setAttribute('y', String(y - 0.5));
    this.#spotLayer.replaceChildren();
    const run = this.#run;
    if (!run?.map || !run.simulator) {
      this.#inspect.replaceChildren(element('div', { class: 'label' }, run ? 'indexing…' : 'index the scan to see the solution here'));
      return;
    }
    const i = y * this.#host.scanCols + x;
    const found = inspect(run.map, i, run.phases, run.simulator);
    this.#inspect.replaceChildren(this.#readout(found, x, y, run));
    if (this.#atPosition) this.#drawSpots(found);
  }

  #readout(s: Inspection, x: number, y: number, run: Run): HTMLElement {
    const table = element('table', { class: 'inspect' });
    const row = (k: string, v: string, id?: string) => {
      const tr = element('tr', id ? { 'data-testid': id } : {});
      tr.append(element('td', {}, k), element('td', {}, v));
      table.append(tr);
    };
    const euler = (e: readonly number[]) => e.map((v) => `${v.toFixed(2)}°`).join(' ');
    row('position', `x ${x} y ${y}`);
    if (s.phase === 0) {
      row('phase', 'not indexed', 'inspect-phase');
      return table;
    }
    const phase = run.phases[s.phase - 1];
    row('phase', phase.name, 'inspect-phase');
    if (s.zone) row('zone axis', `${directionLabel(s.zone.uvw, phase.cell)}${s.zone.off >= 0.05 ? `, ${s.zone.off.toFixed(1)}° off` : ''}`, 'inspect-zone');
    row('Euler φ1 Φ φ2', euler(s.euler), 'inspect-euler');
    row('correlation', s.correlation.toFixed(3), 'inspect-correlation');
    row('reliability', `${s.reliability.toFixed(1)} %`, 'inspect-reliability');
    if (run.phases.length > 1) row('phase reliability', `${s.phaseReliability.toFixed(1)} %`);
    row('spots matched', `${s.spotsMatched} of ${s.spots.length}`);
    row('beam centre', `${s.center[0].toFixed(1)}, ${s.center[1].toFixed(1)} px`);
    const r = s.runnerUp;
    row(
      'runner-up',
      r ? `${run.phases[r.phase - 1].name}, ${euler(r.euler)}, correlation ${r.correlation.toFixed(3)}${r.fromBest !== undefined ? `, ${r.fromBest.toFixed(1)}° away` : ''}` : 'none kept',
      'inspect-runner-up',
    );
    if (!this.#atPosition) row('spots', "shown on the position's pattern (pattern: at the position)");
    return table;
  }

  /** The best template's spots on the pattern: circles sized by intensity, hkl on the strongest. */
  #drawSpots(s: Inspection): void {
    if (s.spots.length === 0 || !this.#run) return;
    const cell = this.#run.phases[s.phase - 1].cell;
    const [rows, cols] = this.#host.bf.geometry.sigShape;
    const strongest = s.spots[0].intensity;
    s.spots.forEach((spot, k) => {
      const r = 1 + 3 * Math.sqrt(spot.intensity / strongest);
      this.#spotLayer.append(svg('circle', { cx: spot.x, cy: spot.y, r, class: 'spot', 'data-hkl': spot.hkl.join(' ') }));
      if (k < 8) {
        // Above right of the spot, or on the side that keeps the label on the pattern near its right and top edges.
        const left = spot.x > 0.8 * cols;
        const below = spot.y < 0.08 * rows;
        const text = svg('text', {
          x: left ? spot.x - r - 0.5 : spot.x + r + 0.5,
          y: below ? spot.y + r + labelFontSize(cols) : spot.y - r - 0.5,
          class: 'spot-label',
          ...(left && { 'text-anchor': 'end' }),
        });
        labelStyle(text, labelFontSize(cols));
        text.textContent = planeLabel(spot.hkl, cell);
        this.#spotLayer.append(text);
      }
    });
  }

  #stem(): string {
    return this.#host.bf.name.replace(/\.[^.]*$/, '') || 'scan';
  }

  #saveText(kind: 'ctf' | 'ang' | 'npy'): void {
    const run = this.#run;
    if (!run?.map) return;
    const h = this.#host.bf.header;
    const source = { project: this.#host.bf.name, SX: h.SX, SY: h.SY };
    const content = kind === 'ctf' ? orientationCtf(run.map, run.phases, source) : kind === 'ang' ? orientationAng(run.map, run.phases, source) : orientationNpy(run.map);
    save(new Blob([content as BlobPart]), `${this.#stem()}.${kind}`);
  }

  #savePng(): void {
    const run = this.#run;
    if (!run?.map) return;
    const name = MAP_KINDS.find(([k]) => k === this.#kind)![1];
    const figure = mapFigure(this.#kind, run.map, run.phases, { rows: this.#host.scanRows, cols: this.#host.scanCols, stepNm: this.#host.bf.header.SX }, `${this.#host.bf.name}: ${name}`);
    figure.toBlob((blob) => blob && save(blob, `${this.#stem()}-${this.#kind}.png`), 'image/png');
  }

  /** Stops a run (the viewer is closing). */
  close(): void {
    this.#abort?.abort(new Error('closed'));
  }
}
