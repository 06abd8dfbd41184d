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

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

type Drag = { mode: 'draw' | 'move' | 'resize' | 'resize-inner'; start: { x: number; y: number }; original: Shape | undefined };

export class ShapeEditor {
  tool: ShapeKind | undefined;
  shape: Shape | undefined;
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
    if (!this.#view.image || e.button !== 0) return;
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
        if (original.kind === 'point') shape = { ...original, x: Math.round(original.x + dx), y: Math.round(original.y + dy) };
        else if (original.kind === 'rect') shape = { ...original, x0: original.x0 + Math.round(dx), x1: original.x1 + Math.round(dx), y0: original.y0 + Math.round(dy), y1: original.y1 + Math.round(dy) };
        else shape = { ...original, cx: Math.min(image.cols - 0.5, Math.max(-0.5, original.cx + dx)), cy: Math.min(image.rows - 0.5, Math.max(-0.5, original.cy + dy)) };
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
