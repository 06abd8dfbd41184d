/**
 * The viewer: a blockfile's navigator and patterns side by side, virtual
 * detectors and scan regions computed by the analysis engine in Web Workers.
 * Everything is read lazily from the File (or URL) given; nothing is uploaded.
 */
import { analyze, type AnalysisPool } from '../../src/analysis/engine.js';
import { remoteAnalyze } from '../../src/analysis/remote.js';
import { radialProfile } from '../../src/analysis/profile.js';
import type { AnalysisRequest, AnalysisResult, PartialResult, ScanRegion } from '../../src/analysis/request.js';
import { createWebWorkerPool } from '../../src/browser/web-worker-pool.js';
import type { WorkerPool } from '../../src/analysis/worker-pool.js';
import type { Blockfile } from '../../src/reader/blockfile.js';
import { gridOf } from '../../src/reader/geometry.js';
import { downloadsFor, profileDownloads, type ExportSource, type ProfileSource } from './panel-exports.js';
import type { PixelSize } from './export-data.js';
import { element, format, ImageView } from './image-view.js';
import { COM_VIEWS, ComPanel, isComView, type ComMaps, type ComView } from './com-panel.js';
import { drawProfile } from './profile-plot.js';
import { describeShape, moveShape, shapeToDetector, ShapeEditor, type Shape, type ShapeKind } from './shapes.js';
import { CalibrationStore } from './calibration.js';
import { OrientationPanel } from './orientation/panel.js';
import type { ScanRect } from '../../src/indexing/engine.js';
import { CalibrationControl } from './calibration-control.js';
import { DetectorInputs } from './detector-inputs.js';
import { renderInfo } from './info.js';
import { cacheBudget, memoryNote } from './memory.js';
import { FillingImage, previewImage, readPreview, type Preview } from './live.js';
import { formatHash, parseHash, shapeFits, type ViewState } from './hash.js';

/** Bytes per read in the workers, and per range of a pass (ranges are handed out coarse to fine). */
const BLOCK_BYTES = 16 * 2 ** 20;
/** Partial images are redrawn at most this often. */
const REDRAW_MS = 100;

/** 2nd, 3rd, 4th, … 21st. */
function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

type NavigatorMode = 'stored' | 'computed' | 'virtual' | ComView | 'orientation';
type PatternMode = 'position' | 'sum' | 'mean' | 'max' | 'std';

function toolbar(parent: HTMLElement, label: string): HTMLElement {
  const bar = element('div', { class: 'toolbar' });
  bar.append(element('span', { class: 'label' }, label));
  parent.append(bar);
  return bar;
}

function toolButtons<T extends string>(bar: HTMLElement, name: string, choices: [T | 'none', string][], onPick: (choice: T | undefined) => void): () => void {
  const buttons = choices.map(([value, text]) => {
    const b = element('button', { 'data-testid': `${name}-${value}` }, text);
    b.addEventListener('click', () => {
      buttons.forEach((x) => x.classList.toggle('active', x === b));
      onPick(value === 'none' ? undefined : (value as T));
    });
    bar.append(b);
    return b;
  });
  buttons[0].classList.add('active');
  return () => buttons.forEach((x, i) => x.classList.toggle('active', i === 0));
}

export class Viewer {
  readonly bf: Blockfile;
  readonly scanRows: number;
  readonly scanCols: number;
  readonly patternRows: number;
  readonly patternCols: number;
  readonly navigator: ImageView;
  readonly pattern: ImageView;
  readonly #pool: WorkerPool;
  /** Where the server that serves the file runs analysis passes itself (`blo view`), if it does. */
  readonly #remote: string | undefined;
  readonly #detector: ShapeEditor;
  readonly #region: ShapeEditor;
  readonly #marker: SVGRectElement;
  readonly #markerRing: SVGCircleElement;
  readonly #navMode: HTMLSelectElement;
  readonly #patternMode: HTMLSelectElement;
  readonly #position: HTMLElement;
  /** What a link's hash held that could not be shown. */
  readonly #linkNote: HTMLElement;
  /** Why the scan image is not the stored VBF, when it is not. */
  readonly #navNote: HTMLElement;
  /** The stored VBF's value(s) when it is constant or nearly. */
  #flatVbf: string | undefined;
  readonly #detectorReadout: HTMLElement;
  /** Å⁻¹ per pattern pixel, per file: every pattern distance shown goes through it. */
  readonly calibration: CalibrationStore;
  /** Orientation and phase maps (its own panel; spots and rings on the pattern). */
  readonly orientation: OrientationPanel;
  readonly #patternShown = new Set<(atPosition: boolean) => void>();
  readonly #calibrationControl: CalibrationControl;
  readonly #detectorInputs: DetectorInputs;
  /** Where the pointer is on the pattern, and how far from the centre the profile is taken about. */
  readonly #patternCursor: HTMLElement;
  #detectorTool: ShapeKind | undefined;
  #nudgeTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #profileCanvas: HTMLCanvasElement;
  readonly #profileLog: HTMLInputElement;
  readonly #status: { text: HTMLElement; progress: HTMLProgressElement; cancel: HTMLButtonElement };
  #stored: Uint8Array | undefined;
  #computedNav: Float64Array | undefined;
  #virtual: { values: Float64Array; label: string; shape: Shape } | undefined;
  #preview: Preview | undefined;
  readonly #previewAbort = new AbortController();
  #previewFrame = 0;
  #previewShape: Shape | undefined;
  #previewUpdates = 0;
  #com: ComMaps | undefined;
  readonly #comPanel: ComPanel;
  #stats: { key: string; result: AnalysisResult } | undefined;
  #x = 0;
  #y = 0;
  #pinned = false;
  #frameRequest = 0;
  #jobs = new Map<string, AbortController>();
  /** Passes asked for so far: a newer one's tasks go to the workers before an older one's (which resume after). */
  #passes = 0;
  #shownPattern: { values: ArrayLike<number>; label: string } | undefined;

  constructor(bf: Blockfile, status: { text: HTMLElement; progress: HTMLProgressElement; cancel: HTMLButtonElement }, options: { remote?: string } = {}) {
    this.bf = bf;
    this.#remote = options.remote;
    this.#status = status;
    ({ scanRows: this.scanRows, scanCols: this.scanCols, patternRows: this.patternRows, patternCols: this.patternCols } = gridOf(bf.geometry));
    this.#pool = createWebWorkerPool(() => new Worker(new URL('../../src/browser/analysis-worker.ts', import.meta.url), { type: 'module' }));
    // A pass asked for stops the running tasks of older ones (the opening's mean intensity), which run again after.
    this.#pool.preempt = true;

    // Navigator panel.
    const navPanel = document.getElementById('navigator-panel')!;
    navPanel.replaceChildren(element('h2', {}, 'Scan'));
    const navBar = toolbar(navPanel, 'show');
    this.#navMode = element('select', { 'data-testid': 'navigator-mode' });
    for (const [v, t] of [['stored', 'stored VBF'], ['computed', 'mean intensity'], ['virtual', 'virtual image'], ...COM_VIEWS, ['orientation', 'orientation map']]) {
      this.#navMode.append(element('option', { value: v }, t));
    }
    this.#navMode.addEventListener('change', () => void this.#showNavigator(this.#navMode.value as NavigatorMode));
    const computeMean = element('button', { 'data-testid': 'compute-mean' }, 'mean intensity');
    computeMean.addEventListener('click', () => void this.#computeMean());
    const computeCom = element('button', { 'data-testid': 'compute-com' }, 'centre of mass');
    computeCom.addEventListener('click', () => void this.#computeCom());
    navBar.append(this.#navMode, computeMean, computeCom);
    const regionBar = toolbar(navPanel, 'region');
    const resetRegionTool = toolButtons<'rect' | 'disk'>(regionBar, 'region', [['none', 'none'], ['rect', 'rectangle'], ['disk', 'disk']], (tool) => {
      this.#region.tool = tool;
    });
    const clearRegion = element('button', { 'data-testid': 'region-clear' }, 'clear');
    clearRegion.addEventListener('click', () => {
      this.#region.set(undefined);
      resetRegionTool();
      this.#region.tool = undefined;
      this.#stats = undefined;
      void this.#showPattern();
    });
    regionBar.append(clearRegion);
    this.navigator = new ImageView(navPanel, 'navigator');
    this.#position = element('div', { class: 'readout', 'data-testid': 'position' });
    this.#linkNote = element('div', { class: 'readout warning', 'data-testid': 'link-note' });
    this.#navNote = element('div', { class: 'readout', 'data-testid': 'navigator-note' });
    navPanel.append(this.#position, this.#linkNote, this.#navNote);
    const { SY, SX } = bf.header;
    this.#comPanel = new ComPanel(navPanel, {
      rows: this.scanRows,
      cols: this.scanCols,
      detector: () => this.#detector.shape,
      step: SY > 0 && SX > 0 ? [SY, SX] : undefined,
      maps: () => this.#comMaps(),
      patternOverlay: () => this.pattern.overlay,
    });
    this.#comPanel.onPassChange = () => {
      if (isComView(this.#navMode.value)) void this.#computeCom();
      this.#writeHash();
    };
    this.#comPanel.onAxesChange = () => {
      if (isComView(this.#navMode.value)) void this.#showNavigator(this.#navMode.value);
      this.#writeHash();
    };
    navPanel.append(downloadsFor('navigator', () => this.#navigatorExport()));
    const step = bf.axes.filter((a) => a.navigate).at(-1);
    if (step) this.navigator.setCalibration(step.scale, step.units);

    this.#marker = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    this.#marker.setAttribute('class', 'marker');
    // A ring around the position too: one pixel of a 256 × 256 scan is hard to see.
    this.#markerRing = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
    this.#markerRing.setAttribute('class', 'marker');
    // The ring finds the marker on a large scan, where one position is a speck; on a small scan the marker is big enough and a ring would cover its neighbours.
    const side = Math.max(this.scanRows, this.scanCols);
    this.#markerRing.setAttribute('r', String(Math.max(2, side / 40)));
    if (side < 64) this.#markerRing.style.display = 'none';
    this.navigator.overlay.append(this.#marker, this.#markerRing);
    this.#region = new ShapeEditor(this.navigator, 'region', (_shape, final) => final && this.#onRegion());
    this.navigator.overlay.addEventListener('pointermove', (e) => {
      if (this.#region.busy || !this.navigator.image || this.#pinned) return;
      this.#moveTo(this.navigator.toPixel(e), false);
    });
    this.navigator.overlay.addEventListener('click', (e) => {
      if (this.#region.tool || !this.navigator.image) return;
      const p = this.navigator.toPixel(e);
      const same = this.#pinned && Math.round(p.x) === this.#x && Math.round(p.y) === this.#y;
      this.#pinned = !same;
      this.#moveTo(p, true);
    });
    window.addEventListener('keydown', (e) => {
      const tag = (e.target as HTMLElement).tagName;
      if ((e.key === 'Delete' || e.key === 'Backspace') && tag !== 'INPUT' && tag !== 'SELECT' && this.#detector.shape) {
        e.preventDefault();
        this.#removeDetector();
        return;
      }
      const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
      if (!step || (e.target as HTMLElement).tagName === 'INPUT' || (e.target as HTMLElement).tagName === 'SELECT') return;
      e.preventDefault();
      // With the pattern focused (clicked, or reached by Tab) the arrows move its detector; else the scan position.
      const shape = this.#detector.shape;
      if (shape && document.activeElement === this.pattern.overlay) {
        const k = e.shiftKey ? 10 : 1;
        this.#nudgeDetector(moveShape(shape, step[0] * k, step[1] * k, this.patternRows, this.patternCols));
        return;
      }
      this.#pinned = true;
      this.#moveTo({ x: this.#x + step[0], y: this.#y + step[1] }, true);
    });

    // Pattern panel.
    const patternPanel = document.getElementById('pattern-panel')!;
    patternPanel.replaceChildren(element('h2', {}, 'Pattern'));
    const patternBar = toolbar(patternPanel, 'show');
    this.#patternMode = element('select', { 'data-testid': 'pattern-mode' });
    for (const [v, t] of [['position', 'at the position'], ['sum', 'sum'], ['mean', 'mean'], ['max', 'maximum'], ['std', 'standard deviation']]) {
      this.#patternMode.append(element('option', { value: v }, t));
    }
    this.#patternMode.addEventListener('change', () => void this.#showPattern());
    patternBar.append(this.#patternMode, element('span', { class: 'label' }, '(of the region, or of the whole scan)'));
    const detectorBar = toolbar(patternPanel, 'detector');
    toolButtons<ShapeKind>(detectorBar, 'detector', [['none', 'none'], ['point', 'point'], ['disk', 'disk'], ['annulus', 'annulus'], ['rect', 'rectangle']], (tool) => {
      this.#detectorTool = tool;
      this.#detector.tool = tool;
      if (!tool) this.#removeDetector();
    });
    this.#detectorInputs = new DetectorInputs(patternPanel, (shape) => {
      if (!shapeFits(shape, this.patternRows, this.patternCols)) return `it would leave the ${this.patternCols} × ${this.patternRows} pattern`;
      this.#detector.set(shape);
      this.#onDetector(shape, true);
      return undefined;
    });
    this.pattern = new ImageView(patternPanel, 'pattern');
    // Pattern positions in pixels: distances in Å⁻¹ go from the centre, as the pattern cursor readout gives them.
    this.pattern.describePosition = (x, y) => `x ${x} y ${y}`;
    // Focusable, so that the arrow keys can move the detector (see the keydown handler).
    this.pattern.overlay.setAttribute('tabindex', '0');
    this.pattern.overlay.setAttribute('aria-label', 'pattern: arrow keys move the detector (Shift: 10 pixels)');
    this.pattern.root.addEventListener('pointerdown', (e) => (e.target as Element).closest?.('svg') === this.pattern.overlay && this.pattern.overlay.focus({ preventScroll: true }), true);
    this.navigator.root.addEventListener('pointerdown', () => document.activeElement === this.pattern.overlay && this.pattern.overlay.blur(), true);
    this.#patternCursor = element('div', { class: 'readout', 'data-testid': 'pattern-cursor' });
    this.#detectorReadout = element('div', { class: 'readout', 'data-testid': 'detector' });
    patternPanel.append(this.#patternCursor, this.#detectorReadout);
    this.#detector = new ShapeEditor(this.pattern, 'detector', (shape, final) => this.#onDetector(shape, final));
    this.calibration = new CalibrationStore(bf);
    this.#calibrationControl = new CalibrationControl(patternPanel, this.calibration, {
      view: this.pattern,
      pauseDetector: (paused) => {
        this.#detector.paused = paused;
        this.#detector.tool = paused ? undefined : this.#detectorTool;
      },
      showSum: () => {
        if (this.#patternMode.value !== 'position') return;
        this.#patternMode.value = 'sum';
        void this.#showPattern();
      },
      phaseSource: () => this.orientation,
    });
    const dp = bf.axes.filter((a) => !a.navigate).at(-1);
    this.calibration.subscribe((c) => {
      // Uncalibrated, the scale bar keeps the header's camera units; calibrated, Å⁻¹.
      if (c) this.pattern.setCalibration(c.perPixel, 'Å⁻¹');
      else if (dp) this.pattern.setCalibration(dp.scale, dp.units);
      const shape = this.#detector.shape;
      this.#detectorReadout.textContent = shape ? this.#describeDetector(shape) : '';
      this.#detectorInputs.show(shape, c);
      this.#drawProfile();
      this.#writeHash();
    });
    this.pattern.overlay.addEventListener('pointermove', (e) => {
      if (this.pattern.image) this.#showCursor(this.pattern.toPixel(e));
    });
    this.pattern.overlay.addEventListener('pointerleave', () => (this.#patternCursor.textContent = ''));
    patternPanel.append(downloadsFor('pattern', () => this.#patternExport()));
    const profileBar = toolbar(patternPanel, 'radial profile');
    this.#profileLog = element('input', { type: 'checkbox', 'data-testid': 'profile-log' });
    this.#profileLog.addEventListener('change', () => this.#drawProfile());
    profileBar.append(this.#profileLog, element('span', { class: 'label' }, 'log'), element('span', { class: 'label' }, 'about the detector centre, else the pattern centre'), profileDownloads(() => this.#profileExport()));
    this.#profileCanvas = element('canvas', { class: 'profile', 'data-testid': 'profile' });
    patternPanel.append(this.#profileCanvas);

    document.getElementById('info')!.replaceChildren(renderInfo(bf));
    // Local files only: through blo view the passes run next to the file.
    const memory = this.#remote ? undefined : memoryNote(bf.source.size);
    if (memory) document.getElementById('info')!.append(element('p', { class: 'warning', 'data-testid': 'memory-note' }, memory));

    // The view in the URL's hash; aria-busy on the images while they are computed.
    this.navigator.onDisplayChange = () => this.#writeHash();
    this.navigator.root.setAttribute('aria-busy', 'false');
    this.pattern.root.setAttribute('aria-busy', 'false');
    this.#navMode.addEventListener('change', () => this.#writeHash());
    window.addEventListener('hashchange', this.#onHashChange);
    this.orientation = new OrientationPanel(this, this.#pool, document.getElementById('main')!);
  }

  // What the orientation panel uses (OrientationHost).
  get position(): { x: number; y: number } {
    return { x: this.#x, y: this.#y };
  }

  /** Moves to a scan position and pins it, as a click on the scan does. */
  moveTo(x: number, y: number): void {
    this.#pinned = true;
    this.#moveTo({ x, y }, true);
  }

  /** `listener(atPosition)` after the position or the pattern shown changes. */
  onPatternShown(listener: (atPosition: boolean) => void): void {
    this.#patternShown.add(listener);
  }

  #notifyPattern(): void {
    for (const listener of this.#patternShown) listener(this.#patternMode.value === 'position');
  }

  /** The scan positions the drawn region covers, as a rectangle (a disk's bounding one), if a region is drawn. */
  scanRegion(): ScanRect | undefined {
    const s = this.#region.shape;
    if (!s || (s.kind !== 'rect' && s.kind !== 'disk')) return undefined;
    // Positions x0 ≤ x < x1 as the region statistics count them (a disk: those within r of its centre).
    const [x0, y0, x1, y1] = s.kind === 'rect' ? [Math.ceil(s.x0), Math.ceil(s.y0), Math.ceil(s.x1), Math.ceil(s.y1)] : [Math.ceil(s.cx - s.r), Math.ceil(s.cy - s.r), Math.floor(s.cx + s.r) + 1, Math.floor(s.cy + s.r) + 1];
    const r = { x0: Math.max(0, x0), y0: Math.max(0, y0), x1: Math.min(this.scanCols, x1), y1: Math.min(this.scanRows, y1) };
    return r.x1 > r.x0 && r.y1 > r.y0 ? r : undefined;
  }

  profileCentre(): [number, number] {
    const { cx, cy } = this.#profileCentre();
    return [cx, cy];
  }

  #profileMarks: { r: number; label: string; colour: string }[] = [];

  /** Radii marked on the radial profile (the phases' rings), pattern pixels. */
  setProfileMarks(marks: { r: number; label: string; colour: string }[]): void {
    this.#profileMarks = marks;
    this.#drawProfile();
  }

  /** Work run outside #run (indexing) holds back the background read of the file while it runs; returns the release. */
  hold(abort: AbortController): () => void {
    this.#jobs.set('index', abort);
    this.#warmAbort?.abort(new Error('superseded'));
    return () => {
      if (this.#jobs.get('index') === abort) this.#jobs.delete('index');
      setTimeout(() => this.#warm(), 200);
    };
  }

  updateHash(): void {
    this.#writeHash();
  }

  /** The orientation map changed: redrawn on the scan when it is shown there. */
  orientationChanged(): void {
    if (this.#navMode.value === 'orientation') void this.#showNavigator('orientation');
  }

  /** The detector drawn, typed or nudged: readouts follow it; once final, its image is computed. */
  #onDetector(shape: Shape | undefined, final: boolean): void {
    this.#detectorReadout.textContent = shape ? this.#describeDetector(shape) : '';
    this.#detectorInputs.show(shape, this.calibration.current);
    if (!final && shape) this.#dragPreview(shape);
    // A preview frame still due when the drag ends would replace the full image computed next.
    if (final) this.#cancelDragPreview();
    if (final && shape) {
      // The shape whose image is shown (a click that drew nothing): shown again, not computed again.
      if (this.#virtual && JSON.stringify(this.#virtual.shape) === JSON.stringify(shape)) void this.#showNavigator('virtual');
      else void this.#computeVirtual(shape);
    }
    if (final) {
      this.#drawProfile();
      this.#writeHash();
    }
  }

  /** Arrow keys: the preview follows each step; the full image once the keys rest. */
  #nudgeDetector(shape: Shape): void {
    this.#detector.set(shape);
    this.#onDetector(shape, false);
    clearTimeout(this.#nudgeTimer);
    this.#nudgeTimer = setTimeout(() => {
      this.#nudgeTimer = undefined;
      if (this.#detector.shape) this.#onDetector(this.#detector.shape, true);
    }, 400);
  }

  /** The detector in pixels, and its radii in Å⁻¹ (mrad) once calibrated. */
  #describeDetector(shape: Shape): string {
    const text = describeShape(shape);
    if (!this.calibration.current) return text;
    if (shape.kind === 'disk') return `${text} · r ${this.calibration.distance(shape.r)}`;
    if (shape.kind === 'annulus') return `${text} · r1 ${this.calibration.distance(shape.r1)} · r2 ${this.calibration.distance(shape.r2)}`;
    return text;
  }

  /** The centre the radial profile and the cursor's distance are taken about: the detector's, else the pattern's. */
  #profileCentre(): { cx: number; cy: number; what: string } {
    const d = this.#detector.shape;
    return d && (d.kind === 'disk' || d.kind === 'annulus')
      ? { cx: d.cx, cy: d.cy, what: 'the detector centre' }
      : { cx: (this.patternCols - 1) / 2, cy: (this.patternRows - 1) / 2, what: 'the pattern centre' };
  }

  #showCursor(p: { x: number; y: number }): void {
    const x = Math.round(p.x);
    const y = Math.round(p.y);
    if (x < 0 || y < 0 || x >= this.patternCols || y >= this.patternRows) {
      this.#patternCursor.textContent = '';
      return;
    }
    const { cx, cy, what } = this.#profileCentre();
    const c = this.calibration.current;
    // Once calibrated, the reciprocal-space vector too (qx right, qy down, as the pattern is shown).
    const q = c ? ` · qx ${format((x - cx) * c.perPixel)} qy ${format((y - cy) * c.perPixel)} Å⁻¹` : '';
    // The value is under the image already (its own readout): here, where the pixel is in reciprocal space.
    this.#patternCursor.textContent = `x ${x} y ${y} · ${this.calibration.distance(Math.hypot(x - cx, y - cy))} from ${what}${q}`;
  }

  /** No detector: the running pass stops, the overlay and the readout clear. */
  #removeDetector(): void {
    this.#jobs.get('virtual')?.abort(new Error('superseded'));
    this.#detector.set(undefined);
    this.#detectorInputs.show(undefined, this.calibration.current);
    this.#detectorReadout.textContent = '';
    this.#drawProfile();
    this.#writeHash();
  }

  readonly #onHashChange = () => {
    void this.#applyHash(location.hash);
  };

  /** The navigator mode shown on opening, left out of links. */
  #openingMode: NavigatorMode = 'stored';

  /** Writes the current view into the URL's hash (without a history entry). */
  #writeHash(): void {
    if (this.#applying) return;
    const state: ViewState = {};
    const shape = this.#detector.busy ? this.#virtual?.shape : this.#detector.shape;
    if (shape) state.virtual = shape;
    if (this.#pinned) state.pos = { x: this.#x, y: this.#y };
    if (this.navigator.display.cmap && this.navigator.display.cmap !== 'gray') state.cmap = this.navigator.display.cmap;
    if (this.navigator.display.scale && this.navigator.display.scale !== 'linear') state.scale = this.navigator.display.scale;
    const mode = this.#navMode.value as NavigatorMode;
    if (mode !== this.#openingMode && !(mode === 'virtual' && shape)) state.show = mode;
    if (this.calibration.current) state.cal = this.calibration.current.perPixel;
    // Unset while the constructor runs.
    const com = (this.#comPanel as ComPanel | undefined)?.settings;
    if (com) state.com = { ...com };
    // Unset while the constructor runs.
    const orientation = (this.orientation as OrientationPanel | undefined)?.hashState();
    if (orientation && Object.keys(orientation).length) state.orientation = orientation;
    const hash = formatHash(state);
    if (hash !== location.hash && !(hash === '' && location.hash === '#')) history.replaceState(history.state, '', hash || `${location.pathname}${location.search}`);
  }

  /** Shows the view a hash describes: position, display, detector (computing its image) or mode. */
  // True until start() has applied the link's hash: nothing written before (the constructor's listeners would erase the link).
  #applying = true;

  async #applyHash(hash: string): Promise<void> {
    const { state, ignored } = parseHash(hash);
    this.#applying = true;
    if (state.virtual && !shapeFits(state.virtual, this.patternRows, this.patternCols)) {
      ignored.push(`virtual=${describeShape(state.virtual)} (outside the ${this.patternCols} × ${this.patternRows} pattern)`);
      state.virtual = undefined;
    }
    if (state.pos) {
      this.#pinned = true;
      this.#moveTo(state.pos, true);
    }
    if (state.cmap || state.scale) this.navigator.setDisplay({ cmap: state.cmap, scale: state.scale });
    // A link's calibration, unless it is the one remembered (which keeps its source: measured, typed…).
    if (state.cal && state.cal !== this.calibration.current?.perPixel) {
      this.calibration.set({ perPixel: state.cal, source: 'link', how: `cal=${state.cal} in the link` }, { remember: false });
    }
    if (state.orientation) ignored.push(...this.orientation.applyHash(state.orientation));
    if (state.com?.mask && !shapeFits(state.com.mask, this.patternRows, this.patternCols)) {
      ignored.push(`commask=${describeShape(state.com.mask)} (outside the ${this.patternCols} × ${this.patternRows} pattern)`);
      delete state.com.mask;
    }
    if (state.com) this.#comPanel.set(state.com);
    this.#linkNote.textContent = ignored.length ? `link: ignored ${ignored.join(', ')}` : '';
    if (state.virtual) {
      this.#detector.set(state.virtual);
      this.#detectorReadout.textContent = this.#describeDetector(state.virtual);
      this.#detectorInputs.show(state.virtual, this.calibration.current);
      this.#drawProfile();
    }
    const show = state.show ?? (state.virtual ? 'virtual' : undefined);
    if (show) this.#setNavMode(show);
    this.#applying = false;
    this.#writeHash();
    if (state.virtual && show === 'virtual') {
      const same = this.#virtual && JSON.stringify(this.#virtual.shape) === JSON.stringify(state.virtual);
      if (same) await this.#showNavigator('virtual');
      else await this.#computeVirtual(state.virtual);
    } else if (show) {
      await this.#showNavigator(show);
    }
  }

  /** aria-busy on each image while a pass that makes it runs. */
  #updateBusy(): void {
    const nav = ['virtual', 'mean', 'com'].some((k) => this.#jobs.has(k));
    this.navigator.root.setAttribute('aria-busy', String(nav));
    this.pattern.root.setAttribute('aria-busy', String(this.#jobs.has('patterns')));
  }

  async start(): Promise<void> {
    // A stored navigator outside the file (warned about in the info panel) is replaced by the computed mean.
    const stored = this.bf.hasNavigator ? await this.bf.navigator() : undefined;
    this.#stored = stored && stored.data.length === this.scanRows * this.scanCols ? stored.data : undefined;
    const hash = location.hash;
    // A stored VBF that is constant, or nearly (the demo's), says nothing: the mean intensity is shown instead, saying so.
    let flat: string | undefined;
    if (this.#stored) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of this.#stored) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo <= Math.max(1, hi / 100)) flat = lo === hi ? `${lo} everywhere` : `${lo}–${hi}`;
    }
    this.#flatVbf = flat;
    if (!this.#stored || flat) {
      this.#openingMode = 'computed';
      this.#setNavMode('computed');
      // Not awaited: a view in the link starts at once too.
      void this.#computeMean();
    } else {
      await this.#showNavigator('stored');
    }
    this.#moveTo({ x: Math.floor(this.scanCols / 2), y: Math.floor(this.scanRows / 2) }, true);
    void this.#buildPreview().then(() => this.#warm());
    await this.#applyHash(hash);
  }

  /** Reads the preview for dragging detectors, in the background. */
  async #buildPreview(): Promise<void> {
    const panel = document.getElementById('navigator-panel')!;
    panel.dataset.preview = 'reading';
    try {
      // Paused while a pass runs: on 2 cores its reads would slow that pass.
      const idle = async () => {
        while (this.#jobs.size > 0) await new Promise((r) => setTimeout(r, 100));
      };
      this.#preview = await readPreview(this.bf, this.scanRows, this.scanCols, this.#previewAbort.signal, idle);
      panel.dataset.preview = `every ${this.#preview.step}`;
    } catch {
      panel.dataset.preview = 'none';
    }
  }

  /**
   * While a detector is dragged: the running pass stops, and the preview's
   * image follows the detector, once per animation frame.
   */
  #dragPreview(shape: Shape): void {
    this.#jobs.get('virtual')?.abort(new Error('superseded'));
    if (!this.#preview) return;
    this.#previewShape = shape;
    if (this.#previewFrame) return;
    this.#previewFrame = requestAnimationFrame(() => {
      this.#previewFrame = 0;
      const preview = this.#preview!;
      const s = this.#previewShape;
      if (!s || this.#detector.shape !== s) return;
      const values = previewImage(preview, shapeToDetector(s), this.patternRows, this.patternCols, this.scanRows, this.scanCols);
      this.#setNavMode('virtual');
      const every = preview.step === 1 ? 'every position' : `every ${ordinal(preview.step)} row and column`;
      this.navigator.show({ values, rows: this.scanRows, cols: this.scanCols, label: `virtual image (preview, ${every}): ${describeShape(s)}` });
      this.navigator.root.dataset.previewUpdates = String(++this.#previewUpdates);
    });
  }

  #cancelDragPreview(): void {
    if (this.#previewFrame) cancelAnimationFrame(this.#previewFrame);
    this.#previewFrame = 0;
    this.#previewShape = undefined;
  }

  /**
   * A pass whose image fills in as ranges of frames arrive (coarse to fine),
   * redrawn at most every REDRAW_MS; returns the handlers for #run.
   */
  #filling(mode: NavigatorMode, label: string, pick: (partial: PartialResult) => Float64Array | undefined, scale = 1) {
    const image = new FillingImage(this.scanRows, this.scanCols);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    let stopped = false;
    const draw = () => {
      timer = undefined;
      if (stopped || this.#navMode.value !== mode) return;
      last = performance.now();
      const percent = Math.floor((100 * image.framesDone) / image.values.length);
      this.navigator.show({ values: image.display(), rows: this.scanRows, cols: this.scanCols, label: `${label} (${percent} % computed)` });
    };
    return {
      onPartial: (partial: PartialResult) => {
        const values = pick(partial);
        if (!values || stopped) return;
        image.add(partial.start, scale === 1 ? values : values.map((v) => v * scale));
        timer ??= setTimeout(draw, Math.max(0, REDRAW_MS - (performance.now() - last)));
      },
      stop: () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      },
    };
  }

  /** The scan view's mode, and its note on a constant stored VBF beside the images it concerns. */
  #setNavMode(mode: NavigatorMode): void {
    this.#navMode.value = mode;
    const flat = this.#flatVbf;
    this.#navNote.textContent = !flat
      ? ''
      : mode === 'computed'
        ? `The stored VBF is constant (${flat}): showing the mean intensity of each pattern instead.`
        : mode === 'stored'
          ? `The stored VBF is constant (${flat}).`
          : '';
  }

  async #showNavigator(mode: NavigatorMode): Promise<void> {
    this.#setNavMode(mode);
    if (isComView(mode)) return this.#showCom(mode);
    if (mode === 'orientation') {
      // The map the orientation panel shows (IPF, phase, correlation or reliability), as it fills in.
      const image = this.orientation.scanImage();
      if (image) this.navigator.show(image);
      else this.#setStatus('index the scan in the orientation panel to show its maps here');
      return;
    }
    const values = mode === 'stored' ? this.#stored : mode === 'computed' ? this.#computedNav : this.#virtual?.values;
    if (!values) {
      if (mode === 'computed') return this.#computeMean();
      this.#setStatus('draw a detector on the pattern to compute a virtual image');
      return;
    }
    const labels: Record<Exclude<NavigatorMode, ComView | 'orientation'>, string> = {
      stored: 'stored virtual bright field (VBF)',
      computed: 'mean intensity of each pattern',
      virtual: `virtual image: ${this.#virtual?.label}`,
    };
    this.navigator.show({ values, rows: this.scanRows, cols: this.scanCols, label: labels[mode] });
  }

  #moveTo(p: { x: number; y: number }, force: boolean): void {
    const x = Math.min(this.scanCols - 1, Math.max(0, Math.round(p.x)));
    const y = Math.min(this.scanRows - 1, Math.max(0, Math.round(p.y)));
    if (!force && x === this.#x && y === this.#y) return;
    this.#x = x;
    this.#y = y;
    for (const [k, v] of Object.entries({ x: x - 0.5, y: y - 0.5, width: 1, height: 1 })) this.#marker.setAttribute(k, String(v));
    this.#markerRing.setAttribute('cx', String(x));
    this.#markerRing.setAttribute('cy', String(y));
    this.#position.textContent = `x ${x} y ${y}${this.#pinned ? ' (pinned)' : ''} · frame ${y * this.scanCols + x}`;
    if (this.#pinned) this.#writeHash();
    if (this.#patternMode.value === 'position') void this.#showPattern();
    this.#notifyPattern();
  }

  async #showPattern(): Promise<void> {
    const mode = this.#patternMode.value as PatternMode;
    const request = ++this.#frameRequest;
    let values: ArrayLike<number>;
    let label: string;
    if (mode === 'position') {
      values = await this.bf.frameAt(this.#y, this.#x);
      label = `pattern at x ${this.#x} y ${this.#y}`;
    } else {
      const stats = await this.#regionStatistics();
      if (!stats) return;
      values = stats[mode]!;
      label = `${mode} of ${this.#region.shape ? 'the region' : 'the whole scan'} (${stats.framesInRegion} patterns)`;
    }
    if (request !== this.#frameRequest) return; // a newer request has been made meanwhile
    this.#shownPattern = { values, label };
    this.pattern.show({ values, rows: this.patternRows, cols: this.patternCols, label });
    this.#drawProfile();
    this.#notifyPattern();
  }

  #drawProfile(): void {
    if (!this.#shownPattern) return;
    const { cx, cy } = this.#profileCentre();
    const c = this.calibration.current;
    // The pattern's q axes share the profile's centre and calibration.
    this.pattern.setAxes(c && { x0: cx, y0: cy, perPixel: c.perPixel, units: 'Å⁻¹', xName: 'qx', yName: 'qy' });
    const units = c && { perPixel: c.perPixel, volts: this.calibration.volts };
    const profile = radialProfile(this.#shownPattern.values, this.patternRows, this.patternCols, cx, cy);
    drawProfile(this.#profileCanvas, profile, this.#profileLog.checked, units, this.#profileMarks);
    // The canvas holds no text: its units and reach in words, for assistive technology (and tests).
    const reach = profile.radius[profile.radius.length - 1];
    this.#profileCanvas.setAttribute('aria-label', `radial profile about ${this.#profileCentre().what}, radius 0 to ${this.calibration.distance(reach)}`);
    this.#profileCanvas.dataset.units = c ? (units?.volts ? 'Å⁻¹, mrad' : 'Å⁻¹') : 'px';
  }

  #regionOf(shape: Shape | undefined): ScanRegion | undefined {
    if (!shape) return undefined;
    if (shape.kind === 'disk') return { kind: 'disk', cx: shape.cx, cy: shape.cy, r: shape.r };
    if (shape.kind === 'rect') return { kind: 'rect', x0: shape.x0, y0: shape.y0, x1: shape.x1, y1: shape.y1 };
    return undefined;
  }

  async #regionStatistics(): Promise<AnalysisResult | undefined> {
    const region = this.#regionOf(this.#region.shape);
    const key = JSON.stringify(region ?? 'all');
    if (this.#stats?.key === key) return this.#stats.result;
    const result = await this.#run('patterns', 'pattern statistics', { patterns: { sum: true, mean: true, max: true, std: true, region } });
    if (result) this.#stats = { key, result };
    return result;
  }

  #onRegion(): void {
    if (this.#patternMode.value === 'position') this.#patternMode.value = 'sum';
    void this.#showPattern();
  }

  async #computeVirtual(shape: Shape): Promise<void> {
    this.#setNavMode('virtual');
    const filling = this.#filling('virtual', `virtual image: ${describeShape(shape)}`, (p) => p.virtual[0]);
    const result = await this.#run('virtual', 'virtual image', { virtual: [shapeToDetector(shape)] }, filling.onPartial, () => {
      // Cancelled: the detector drawn goes back to the one whose image is shown.
      this.#detector.set(this.#virtual?.shape);
      this.#detectorReadout.textContent = this.#virtual ? this.#describeDetector(this.#virtual.shape) : '';
      this.#detectorInputs.show(this.#virtual?.shape, this.calibration.current);
      void this.#showNavigator(this.#virtual ? 'virtual' : this.#stored ? 'stored' : 'computed');
      this.#drawProfile();
    });
    filling.stop();
    if (!result) return;
    this.#virtual = { values: result.virtual[0], label: describeShape(shape), shape };
    await this.#showNavigator('virtual');
  }

  async #computeMean(): Promise<void> {
    this.#setNavMode('computed');
    const filling = this.#filling('computed', 'mean intensity of each pattern', (p) => p.frameSums, 1 / this.bf.geometry.pixelsPerFrame);
    const result = await this.#run('mean', 'mean intensity', { frameSums: true }, filling.onPartial);
    filling.stop();
    if (!result) return;
    this.#computedNav = result.frameSums!.map((s) => s / this.bf.geometry.pixelsPerFrame);
    // Unless another view was chosen meanwhile (e.g. a detector from a link).
    if (this.#navMode.value === 'computed') await this.#showNavigator('computed');
  }

  async #computeCom(): Promise<void> {
    const current = this.#navMode.value;
    const mode: ComView = isComView(current) ? current : 'com-x';
    this.#setNavMode(mode);
    const pass = this.#comPanel.passKey();
    // x and y fill in while the pass runs; the fields derived from them need whole neighbourhoods, so they wait for the end.
    const y = mode === 'com-y';
    const filling = mode === 'com-x' || y ? this.#filling(mode, `centre of mass ${y ? 'y' : 'x'} (pixels)`, (p) => (y ? p.comY : p.comX)) : undefined;
    const result = await this.#run('com', 'centre of mass', { centerOfMass: this.#comPanel.request() }, filling?.onPartial);
    filling?.stop();
    if (!result) return;
    this.#com = { ...result.centerOfMass!, pass };
    const now = this.#navMode.value;
    if (isComView(now)) await this.#showNavigator(now);
  }

  /** The centre-of-mass maps held, if computed with the threshold and mask now set. */
  #comMaps(): ComMaps | undefined {
    return this.#com && this.#com.pass === this.#comPanel.passKey() ? this.#com : undefined;
  }

  async #showCom(mode: ComView): Promise<void> {
    const maps = this.#comMaps();
    if (!maps) return this.#computeCom();
    this.navigator.show({ ...this.#comPanel.image(mode, maps), rows: this.scanRows, cols: this.scanCols });
  }

  #warmAbort: AbortController | undefined;
  #warmed = false;

  /**
   * When nothing else runs: a pass that reads the whole file into the
   * workers' memory (when it fits the budget), so that later passes read
   * memory. Keeping new bytes costs page faults, so passes the user asks
   * for do not; this one gives way to any of them at once (keeping what it
   * has read) and starts again when they are done.
   */
  #warm(): void {
    if (this.#remote || this.#warmed || this.#warmAbort || this.#jobs.size > 0 || this.#closed) return;
    const budget = cacheBudget();
    if (this.bf.source.size > budget || !this.bf.source.descriptor) return;
    const abort = new AbortController();
    this.#warmAbort = abort;
    const panel = this.navigator.root;
    panel.dataset.cache = 'filling';
    analyze(this.bf, { frameSums: true }, {
      pool: this.#pool,
      signal: abort.signal,
      // The same reads as every pass: the workers keep them by offset and length.
      blockFrames: this.bf.blockFrames(BLOCK_BYTES),
      pieces: Math.ceil(this.bf.source.size / BLOCK_BYTES),
      cacheBytes: budget,
      cacheFill: true,
    })
      .then((result) => {
        this.#warmed = true;
        panel.dataset.cache = 'full';
        // The mean intensity comes for free.
        this.#computedNav ??= result.frameSums!.map((v) => v / this.bf.geometry.pixelsPerFrame);
      })
      .catch(() => {
        panel.dataset.cache = 'paused';
      })
      .finally(() => {
        if (this.#warmAbort === abort) this.#warmAbort = undefined;
        setTimeout(() => this.#warm(), 200);
      });
  }

  #closed = false;

  /** Runs one analysis pass in the workers; a new job of the same kind cancels the previous one. */
  async #run(
    kind: string,
    label: string,
    request: AnalysisRequest,
    onPartial?: (partial: PartialResult) => void,
    onCancel?: () => void,
  ): Promise<AnalysisResult | undefined> {
    this.#jobs.get(kind)?.abort(new Error('superseded'));
    const abort = new AbortController();
    this.#jobs.set(kind, abort);
    this.#updateBusy();
    this.#warmAbort?.abort(new Error('superseded'));
    const { progress, cancel } = this.#status;
    progress.hidden = false;
    cancel.hidden = false;
    progress.value = 0;
    cancel.onclick = () => abort.abort(new Error('cancelled'));
    this.#setStatus(`computing ${label}…`);
    const started = performance.now();
    try {
      const onProgress = ({ frames, totalFrames }: { frames: number; totalFrames: number }) => {
        progress.value = frames / totalFrames;
      };
      const result = this.#remote
        ? await remoteAnalyze(this.#remote, request, { signal: abort.signal, onProgress, onPartial })
        : await analyze(this.bf, request, {
            pool: this.#pool,
            signal: abort.signal,
            onProgress,
            onPartial,
            // Coarse to fine once the workers hold the file; until then each worker reads its share of the
            // ranges in file order, continuing one stream (a File's bytes come far faster in long streams).
            order: this.#warmed ? 'interleaved' : 'sequential',
            pieces: Math.ceil(this.bf.source.size / BLOCK_BYTES),
            // Large reads: each costs a round trip through the browser; the next is read while one is reduced.
            blockFrames: this.bf.blockFrames(BLOCK_BYTES),
            // What the workers keep (read in the background, see #warm) is read from memory, not the File. This pass
            // keeps nothing: new memory costs page faults (on this project's 2-core test machine keeping the opening's
            // mean-intensity pass made it take 7.0 s, not 3.0 s), so only #warm keeps, when nothing else runs.
            cacheBytes: cacheBudget(),
            cacheFill: false,
            priority: ++this.#passes,
          });
      this.#setStatus(`${label}: ${format((performance.now() - started) / 1000)} s`);
      return result;
    } catch (error) {
      if (abort.signal.aborted) {
        const why = (abort.signal.reason as Error)?.message;
        if (why !== 'superseded') this.#setStatus(`${label} cancelled`);
        if (why === 'cancelled') onCancel?.();
      } else {
        this.#setStatus(`${label} failed: ${(error as Error).message}`, true);
      }
      return undefined;
    } finally {
      if (this.#jobs.get(kind) === abort) {
        this.#jobs.delete(kind);
        this.#updateBusy();
        setTimeout(() => this.#warm(), 200);
        if (this.#jobs.size === 0) {
          progress.hidden = true;
          cancel.hidden = true;
        }
      }
    }
  }

  #setStatus(text: string, error = false): void {
    this.#status.text.textContent = text;
    this.#status.text.classList.toggle('warning', error);
  }

  #navigatorExport(): ExportSource {
    const step = this.bf.axes.filter((a) => a.navigate).at(-1);
    const pixel = step && step.scale > 0 ? { size: step.scale, units: step.units, source: 'scan step in the header' } : undefined;
    return { view: this.navigator, name: this.#navMode.value, description: this.navigator.image?.label ?? '', pixel };
  }

  /** One pattern pixel: Å⁻¹ once calibrated, else the header's camera units (cm). */
  #patternPixel(): PixelSize | undefined {
    const c = this.calibration.current;
    if (c) return { size: c.perPixel, units: 'Å⁻¹', source: `${c.source}: ${c.how}` };
    const dp = this.bf.axes.filter((a) => !a.navigate).at(-1);
    return dp && dp.scale > 0 ? { size: dp.scale, units: dp.units, source: 'pattern pixel size in the header (detector plane)' } : undefined;
  }

  #patternName(): string {
    return this.#patternMode.value === 'position' ? `pattern-x${this.#x}-y${this.#y}` : `pattern-${this.#patternMode.value}`;
  }

  #patternExport(): ExportSource {
    return { view: this.pattern, name: this.#patternName(), description: this.pattern.image?.label ?? '', pixel: this.#patternPixel() };
  }

  #profileExport(): ProfileSource | undefined {
    if (!this.#shownPattern) return undefined;
    const { cx, cy } = this.#profileCentre();
    const profile = radialProfile(this.#shownPattern.values, this.patternRows, this.patternCols, cx, cy);
    const c = this.calibration.current;
    return { profile, centre: { cx, cy }, log: this.#profileLog.checked, pixel: c && { size: c.perPixel, units: 'Å⁻¹' }, volts: c && this.calibration.volts, marks: this.#profileMarks, name: `profile-${this.#patternName()}` };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#warmAbort?.abort(new Error('closed'));
    window.removeEventListener('hashchange', this.#onHashChange);
    this.#previewAbort.abort(new Error('closed'));
    for (const job of this.#jobs.values()) job.abort(new Error('closed'));
    this.orientation.close();
    await this.#pool.close();
    await this.bf.close();
  }
}
