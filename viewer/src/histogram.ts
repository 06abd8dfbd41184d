/**
 * The histogram of the image shown, with the display range's lower and
 * upper limits as two lines to drag: dragging one sets the range the colour
 * map spans (instead of the percentile clip).
 */

export interface Histogram {
  /** The finite values' extent: bin k holds lo + k·w ≤ v < lo + (k + 1)·w, the top bin also v = hi. */
  lo: number;
  hi: number;
  counts: Uint32Array;
}

/** Counts of the finite values in `bins` equal bins over their extent; undefined when none is finite. */
export function histogram(values: ArrayLike<number>, bins = 128): Histogram | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    // ±Infinity among the values: the extent of the finite ones.
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) return undefined;
  }
  const counts = new Uint32Array(bins);
  const scale = hi > lo ? bins / (hi - lo) : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) * scale))]++;
  }
  return { lo, hi, counts };
}

/** The histogram widget: a canvas, drawn at the device's resolution. */
export class HistogramControl {
  readonly canvas: HTMLCanvasElement;
  /** Called while a limit is dragged (final false) and when it is let go (final true). */
  onRange: ((range: [number, number], final: boolean) => void) | undefined;
  #hist: Histogram | undefined;
  #range: [number, number] = [0, 1];
  #drag: 0 | 1 | undefined;

  constructor(testId: string) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'histogram';
    this.canvas.dataset.testid = testId;
    this.canvas.title = 'histogram of the image: drag the lines to set the display range';
    this.canvas.addEventListener('pointerdown', (e) => {
      if (!this.#hist) return;
      e.preventDefault();
      const v = this.#valueAt(e.clientX);
      // The nearer limit follows the pointer from where it went down.
      this.#drag = Math.abs(v - this.#range[0]) <= Math.abs(v - this.#range[1]) ? 0 : 1;
      this.canvas.setPointerCapture(e.pointerId);
      this.#move(v, false);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (this.#drag !== undefined) this.#move(this.#valueAt(e.clientX), false);
    });
    const end = (e: PointerEvent) => {
      if (this.#drag === undefined) return;
      this.#move(this.#valueAt(e.clientX), true);
      this.#drag = undefined;
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
  }

  /** New values (a new image); returns their histogram. Drawn with the next setRange. */
  setValues(values: ArrayLike<number>): Histogram | undefined {
    this.#hist = histogram(values);
    return this.#hist;
  }

  setRange(range: [number, number]): void {
    this.#range = [range[0], range[1]];
    this.draw();
  }

  #valueAt(clientX: number): number {
    const h = this.#hist!;
    const rect = this.canvas.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - rect.left) / (rect.width || 1)));
    return h.lo + f * (h.hi - h.lo);
  }

  #move(value: number, final: boolean): void {
    const h = this.#hist!;
    // The limits stay apart by at least one bin.
    const gap = (h.hi - h.lo) / h.counts.length || 1;
    const r = this.#range;
    if (this.#drag === 0) r[0] = Math.min(value, r[1] - gap);
    else r[1] = Math.max(value, r[0] + gap);
    this.draw();
    this.onRange?.([r[0], r[1]], final);
  }

  draw(): void {
    const canvas = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const cssWidth = canvas.clientWidth;
    const cssHeight = canvas.clientHeight;
    if (!cssWidth || !cssHeight) return;
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(cssHeight * dpr);
    const ctx = canvas.getContext('2d')!;
    const { width, height } = canvas;
    ctx.clearRect(0, 0, width, height);
    const h = this.#hist;
    if (!h) return;
    // Counts on a log scale: a few bright pixels stay visible next to a dark background's peak.
    const top = Math.log1p(Math.max(...h.counts));
    ctx.fillStyle = '#7a8088';
    const bw = width / h.counts.length;
    h.counts.forEach((n, k) => {
      if (!n) return;
      const bh = (Math.log1p(n) / top) * (height - 2);
      ctx.fillRect(k * bw, height - bh, Math.max(1, bw - 0.5), bh);
    });
    const xOf = (v: number) => (h.hi > h.lo ? ((v - h.lo) / (h.hi - h.lo)) * width : v <= h.lo ? 0 : width);
    const [x0, x1] = this.#range.map((v) => Math.min(width, Math.max(0, xOf(v))));
    // Outside the display range: shaded.
    ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
    ctx.fillRect(0, 0, x0, height);
    ctx.fillRect(x1, 0, width - x1, height);
    ctx.fillStyle = '#4fc3f7';
    for (const x of [x0, x1]) ctx.fillRect(Math.min(width - 2 * dpr, Math.max(0, x - dpr)), 0, 2 * dpr, height);
    // Where the limits are (CSS pixels from the left) and their values: for tests and tools.
    canvas.dataset.limits = `${x0 / dpr},${x1 / dpr}`;
    canvas.dataset.range = `${this.#range[0]},${this.#range[1]}`;
  }
}
