/**
 * Shapes drawn and edited on an image's SVG overlay: virtual detectors on
 * the pattern (point, disk, annulus, rectangle) and scan regions on the
 * navigator (rectangle, disk). Drag on empty space draws; drag a shape moves
 * it; drag its handle resizes it. Coordinates snap to half pixels.
 */
import type { Detector } from '../../src/analysis/detectors.js';
import type { ImageView } from './image-view.js';

export type ShapeKind = 'point' | 'disk' | 'annulus' | 'rect';

/** A shape in pixel coordinates (pixel centres at integers); rectangles by pixel index, end exclusive. */
export type Shape =
  | { kind: 'point'; x: number; y: number }
  | { kind: 'disk'; cx: number; cy: number; r: number }
  | { kind: 'annulus'; cx: number; cy: number; r1: number; r2: number }
  | { kind: 'rect'; x0: number; y0: number; x1: number; y1: number };

const SVG = 'http://www.w3.org/2000/svg';
const snap = (v: number) => Math.round(v * 2) / 2;

/** The analysis detector a shape stands for. */
export function shapeToDetector(shape: Shape): Detector {
  switch (shape.kind) {
    case 'point':
      return { kind: 'rect', x0: shape.x, y0: shape.y, x1: shape.x + 1, y1: shape.y + 1 };
    case 'disk':
      return { kind: 'disk', cx: shape.cx, cy: shape.cy, r: shape.r };
    case 'annulus':
      return { kind: 'annulus', cx: shape.cx, cy: shape.cy, r1: shape.r1, r2: shape.r2 };
    case 'rect':
      return { kind: 'rect', x0: shape.x0, y0: shape.y0, x1: shape.x1, y1: shape.y1 };
  }
}

export function describeShape(shape: Shape): string {
  switch (shape.kind) {
    case 'point':
      return `point x ${shape.x} y ${shape.y}`;
    case 'disk':
      return `disk cx ${shape.cx} cy ${shape.cy} r ${shape.r}`;
    case 'annulus':
      return `annulus cx ${shape.cx} cy ${shape.cy} r1 ${shape.r1} r2 ${shape.r2}`;
    case 'rect':
      return `rect x0 ${shape.x0} y0 ${shape.y0} x1 ${shape.x1} y1 ${shape.y1}`;
  }
}

/**
 * A shape moved by (dx, dy) pixels and kept on a rows × cols pattern: a
 * disk's or annulus's centre on it (the rest may hang over the edge, as a
 * real detector's would), a point and a rectangle wholly on it.
 */
export function moveShape(shape: Shape, dx: number, dy: number, rows: number, cols: number): Shape {
  const within = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  switch (shape.kind) {
    case 'point':
      return { ...shape, x: within(Math.round(shape.x + dx), 0, cols - 1), y: within(Math.round(shape.y + dy), 0, rows - 1) };
    case 'rect': {
      const mx = within(Math.round(dx), -shape.x0, cols - shape.x1);
      const my = within(Math.round(dy), -shape.y0, rows - shape.y1);
      return { ...shape, x0: shape.x0 + mx, x1: shape.x1 + mx, y0: shape.y0 + my, y1: shape.y1 + my };
    }
    default:
      return { ...shape, cx: within(shape.cx + dx, -0.5, cols - 0.5), cy: within(shape.cy + dy, -0.5, rows - 0.5) };
  }
}

/** One number of a shape as typed in: `length` for radii (shown in Å⁻¹ once calibrated), positions otherwise. */
export interface ShapeField {
  key: string;
  label: string;
  value: number;
  length: boolean;
}

const FIELDS: Record<ShapeKind, [key: string, length: boolean][]> = {
  point: [['x', false], ['y', false]],
  disk: [['cx', false], ['cy', false], ['r', true]],
  annulus: [['cx', false], ['cy', false], ['r1', true], ['r2', true]],
  rect: [['x0', false], ['y0', false], ['x1', false], ['y1', false]],
};

export function shapeFields(shape: Shape): ShapeField[] {
  return FIELDS[shape.kind].map(([key, length]) => ({ key, label: key, value: (shape as unknown as Record<string, number>)[key], length }));
}

/** The shape with one number changed, or why it cannot be (the caller names the value as the user typed it). */
export function withField(shape: Shape, key: string, value: number): Shape | string {
  if (!FIELDS[shape.kind].some(([k]) => k === key)) return `a ${shape.kind} has no ${key}`;
  if (!Number.isFinite(value)) return 'not a number';
  const next = { ...shape, [key]: value } as Shape;
  switch (next.kind) {
    case 'point':
      return Number.isInteger(next.x) && Number.isInteger(next.y) ? next : "a point's position is a whole pixel";
    case 'disk':
      return next.r >= 0 ? next : 'the radius must be ≥ 0';
    case 'annulus':
      return next.r1 >= 0 && next.r2 >= next.r1 ? next : 'the annulus needs 0 ≤ r1 ≤ r2';
    case 'rect':
      return Number.isInteger(value) && next.x1 > next.x0 && next.y1 > next.y0 ? next : 'the rectangle needs whole pixels with x0 < x1 and y0 < y1';
  }
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

type Drag = { mode: 'draw' | 'move' | 'resize' | 'resize-inner'; start: { x: number; y: number }; original: Shape | undefined };

export class ShapeEditor {
  tool: ShapeKind | undefined;
  shape: Shape | undefined;
  /** While true the editor leaves the pointer alone (another editor draws on the same overlay). */
  paused = false;
  readonly #view: ImageView;
  readonly #group: SVGGElement;
  readonly #className: string;
  #drag: Drag | undefined;
  readonly #onChange: (shape: Shape | undefined, final: boolean) => void;

  /** `onChange` runs while dragging (final false) and once at the end (final true). */
  constructor(view: ImageView, className: string, onChange: (shape: Shape | undefined, final: boolean) => void) {
    this.#view = view;
    this.#className = className;
    this.#onChange = onChange;
    this.#group = svg('g', {});
    view.overlay.append(this.#group);
    view.overlay.addEventListener('pointerdown', (e) => this.#down(e));
    view.overlay.addEventListener('pointermove', (e) => this.#move(e));
    view.overlay.addEventListener('pointerup', (e) => this.#up(e));
    view.overlay.addEventListener('pointercancel', (e) => this.#up(e));
  }

  /** Whether a pointer event should be left to the shape editor (drawing or editing). */
  get busy(): boolean {
    return this.#drag !== undefined;
  }

  set(shape: Shape | undefined): void {
    this.shape = shape;
    this.#draw();
  }

  #down(e: PointerEvent): void {
    if (!this.#view.image || e.button !== 0 || this.paused) return;
    const role = (e.target as Element).getAttribute?.('data-role');
    const p = this.#view.toPixel(e);
    if (role && this.shape && (e.target as Element).closest('g') === this.#group) {
      this.#drag = { mode: role as Drag['mode'], start: p, original: { ...this.shape } };
    } else if (this.tool) {
      this.#before = this.shape;
      this.#drag = { mode: 'draw', start: { x: snap(p.x), y: snap(p.y) }, original: undefined };
      this.#update(p);
    } else {
      return;
    }
    this.#view.overlay.setPointerCapture(e.pointerId);
    e.stopPropagation();
    e.preventDefault();
  }

  #move(e: PointerEvent): void {
    if (!this.#drag) return;
    this.#update(this.#view.toPixel(e));
    e.stopPropagation();
  }

  #up(e: PointerEvent): void {
    if (!this.#drag) return;
    this.#update(this.#view.toPixel(e));
    const drawn = this.#drag.mode === 'draw';
    this.#drag = undefined;
    // A click without a drag draws nothing (not a disk of radius 0): the previous shape stays.
    const s = this.shape;
    if (drawn && s && ((s.kind === 'disk' && s.r === 0) || (s.kind === 'annulus' && s.r2 === 0))) {
      this.shape = this.#before;
      this.#draw();
    }
    this.#onChange(this.shape, true);
    e.stopPropagation();
  }

  /** The shape before the current drag. */
  #before: Shape | undefined;

  #update(p: { x: number; y: number }): void {
    const drag = this.#drag!;
    const { start, original } = drag;
    const image = this.#view.image!;
    const clampX = (v: number) => Math.min(image.cols, Math.max(0, v));
    const clampY = (v: number) => Math.min(image.rows, Math.max(0, v));
    const dist = (cx: number, cy: number) => snap(Math.hypot(p.x - cx, p.y - cy));
    let shape: Shape | undefined = this.shape;
    if (drag.mode === 'draw') {
      switch (this.tool) {
        case 'point':
          shape = { kind: 'point', x: Math.round(clampX(p.x)), y: Math.round(clampY(p.y)) };
          if (shape.x >= image.cols) shape.x = image.cols - 1;
          if (shape.y >= image.rows) shape.y = image.rows - 1;
          break;
        case 'disk':
          shape = { kind: 'disk', cx: start.x, cy: start.y, r: dist(start.x, start.y) };
          break;
        case 'annulus': {
          const r2 = dist(start.x, start.y);
          shape = { kind: 'annulus', cx: start.x, cy: start.y, r1: snap(r2 / 2), r2 };
          break;
        }
        case 'rect': {
          const xs = [Math.round(start.x), Math.round(p.x)].sort((a, b) => a - b);
          const ys = [Math.round(start.y), Math.round(p.y)].sort((a, b) => a - b);
          shape = { kind: 'rect', x0: clampX(xs[0]), y0: clampY(ys[0]), x1: clampX(xs[1] + 1), y1: clampY(ys[1] + 1) };
          break;
        }
      }
    } else if (original) {
      const dx = snap(p.x - start.x);
      const dy = snap(p.y - start.y);
      if (drag.mode === 'move') {
        shape = moveShape(original, dx, dy, image.rows, image.cols);
      } else if (original.kind === 'disk') {
        shape = { ...original, r: dist(original.cx, original.cy) };
      } else if (original.kind === 'annulus') {
        const r = dist(original.cx, original.cy);
        shape = drag.mode === 'resize-inner' ? { ...original, r1: Math.min(r, original.r2) } : { ...original, r2: Math.max(r, original.r1) };
      } else if (original.kind === 'rect') {
        shape = { ...original, x1: Math.max(original.x0 + 1, clampX(Math.round(p.x) + 1)), y1: Math.max(original.y0 + 1, clampY(Math.round(p.y) + 1)) };
      }
    }
    this.shape = shape;
    this.#draw();
    this.#onChange(shape, false);
  }

  #draw(): void {
    this.#group.replaceChildren();
    const s = this.shape;
    if (!s) return;
    const cls = `shape ${this.#className}`;
    const handle = (x: number, y: number, role: string) => svg('rect', { x: x - 1, y: y - 1, width: 2, height: 2, class: 'handle', 'data-role': role });
    switch (s.kind) {
      case 'point':
        this.#group.append(svg('rect', { x: s.x - 0.5, y: s.y - 0.5, width: 1, height: 1, class: cls, 'data-role': 'move' }));
        break;
      case 'disk':
        this.#group.append(svg('circle', { cx: s.cx, cy: s.cy, r: s.r, class: cls, 'data-role': 'move' }), handle(s.cx + s.r, s.cy, 'resize'));
        break;
      case 'annulus': {
        const path = `M ${s.cx - s.r2} ${s.cy} a ${s.r2} ${s.r2} 0 1 0 ${2 * s.r2} 0 a ${s.r2} ${s.r2} 0 1 0 ${-2 * s.r2} 0 Z M ${s.cx - s.r1} ${s.cy} a ${s.r1} ${s.r1} 0 1 1 ${2 * s.r1} 0 a ${s.r1} ${s.r1} 0 1 1 ${-2 * s.r1} 0 Z`;
        this.#group.append(svg('path', { d: path, class: cls, 'fill-rule': 'evenodd', 'data-role': 'move' }), handle(s.cx + s.r2, s.cy, 'resize'), handle(s.cx + s.r1, s.cy, 'resize-inner'));
        break;
      }
      case 'rect':
        this.#group.append(svg('rect', { x: s.x0 - 0.5, y: s.y0 - 0.5, width: s.x1 - s.x0, height: s.y1 - s.y0, class: cls, 'data-role': 'move' }), handle(s.x1 - 0.5, s.y1 - 0.5, 'resize'));
        break;
    }
  }
}
