/**
 * The view in the URL's hash, so that a link reopens it:
 * `#virtual=disk:CX,CY,R&pos=X,Y&cmap=viridis&scale=log&show=com-x&comrot=12&comflip=1&cal=0.025`
 * (detectors also `annulus:CX,CY,R1,R2`, `rect:X0,Y0,X1,Y1`, `point:X,Y`;
 * pattern pixels, scan positions; `cal` the reciprocal calibration, Å⁻¹ per
 * pattern pixel; `phases`, `omap`, `index`, `step`: the orientation panel's,
 * read by it). Unknown keys and malformed values are
 * left out, with a note saying which.
 */
import { COLORMAP_NAMES, type ColormapName, type DisplayOptions } from '../../src/display/render.js';
import { COM_VIEWS, type ComSettings, type ComView } from './com-panel.js';
import type { Shape } from './shapes.js';

export type ShowMode = 'stored' | 'computed' | 'virtual' | ComView | 'orientation';
const SHOW_MODES: readonly ShowMode[] = ['stored', 'computed', 'virtual', ...COM_VIEWS.map(([view]) => view), 'orientation'];

export interface ViewState {
  virtual?: Shape;
  pos?: { x: number; y: number };
  cmap?: ColormapName;
  scale?: NonNullable<DisplayOptions['scale']>;
  show?: ShowMode;
  /** The centre of mass: comrot=DEG, comflip=1, comthreshold=V, commask=SHAPE (as virtual=). */
  com?: Partial<ComSettings>;
  /** Å⁻¹ per pattern pixel. */
  cal?: number;
  /** The orientation panel's keys, as written (the panel checks them). */
  orientation?: Record<string, string>;
}

/** Keys the orientation panel reads (orientation/panel.ts). */
const ORIENTATION_KEYS = ['phases', 'omap', 'index', 'step'];

const ARITY: Record<Shape['kind'], number> = { point: 2, disk: 3, annulus: 4, rect: 4 };

export function shapeToText(shape: Shape): string {
  switch (shape.kind) {
    case 'point':
      return `point:${shape.x},${shape.y}`;
    case 'disk':
      return `disk:${shape.cx},${shape.cy},${shape.r}`;
    case 'annulus':
      return `annulus:${shape.cx},${shape.cy},${shape.r1},${shape.r2}`;
    case 'rect':
      return `rect:${shape.x0},${shape.y0},${shape.x1},${shape.y1}`;
  }
}

export function shapeFromText(text: string): Shape | undefined {
  const m = /^(point|disk|annulus|rect):(.*)$/.exec(text);
  if (!m) return undefined;
  const kind = m[1] as Shape['kind'];
  const v = m[2].split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  if (v.length !== ARITY[kind] || !v.every(Number.isFinite)) return undefined;
  switch (kind) {
    case 'point':
      return { kind, x: v[0], y: v[1] };
    case 'disk':
      return v[2] >= 0 ? { kind, cx: v[0], cy: v[1], r: v[2] } : undefined;
    case 'annulus':
      return v[2] >= 0 && v[3] >= v[2] ? { kind, cx: v[0], cy: v[1], r1: v[2], r2: v[3] } : undefined;
    case 'rect':
      return v[2] > v[0] && v[3] > v[1] ? { kind, x0: v[0], y0: v[1], x1: v[2], y1: v[3] } : undefined;
  }
}

/** The state a hash describes, and the parts of it that could not be read. */
export function parseHash(hash: string): { state: ViewState; ignored: string[] } {
  const state: ViewState = {};
  const ignored: string[] = [];
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (!part) continue;
    const at = part.indexOf('=');
    const key = at < 0 ? part : part.slice(0, at);
    let value: string;
    try {
      value = decodeURIComponent(at < 0 ? '' : part.slice(at + 1));
    } catch {
      ignored.push(part);
      continue;
    }
    let ok = true;
    if (key === 'virtual') ok = (state.virtual = shapeFromText(value)) !== undefined;
    else if (key === 'pos') {
      const v = value.split(',').map(Number);
      ok = v.length === 2 && v.every((n) => Number.isInteger(n) && n >= 0);
      if (ok) state.pos = { x: v[0], y: v[1] };
    } else if (key === 'cmap') ok = (COLORMAP_NAMES as readonly string[]).includes(value) && ((state.cmap = value as ColormapName), true);
    else if (key === 'scale') ok = ['linear', 'log', 'gamma'].includes(value) && ((state.scale = value as ViewState['scale']), true);
    else if (key === 'cal') ok = /^\d*\.?\d+(e[-+]?\d+)?$/i.test(value) && Number(value) > 0 && Number.isFinite(Number(value)) && ((state.cal = Number(value)), true);
    else if (key === 'comrot' || key === 'comthreshold') {
      const v = value.trim() === '' ? NaN : Number(value);
      ok = Number.isFinite(v);
      if (ok) state.com = { ...state.com, [key === 'comrot' ? 'rotation' : 'threshold']: v };
    } else if (key === 'comflip') ok = (value === '1' || value === '0') && ((state.com = { ...state.com, flip: value === '1' }), true);
    else if (key === 'commask') {
      const mask = shapeFromText(value);
      ok = mask !== undefined && ((state.com = { ...state.com, mask }), true);
    } else if (key === 'show') ok = (SHOW_MODES as readonly string[]).includes(value) && ((state.show = value as ShowMode), true);
    else if (ORIENTATION_KEYS.includes(key)) (state.orientation ??= {})[key] = value;
    else ok = false;
    if (!ok) ignored.push(part);
  }
  return { state, ignored };
}

export function formatHash(state: ViewState): string {
  const parts: string[] = [];
  if (state.virtual) parts.push(`virtual=${shapeToText(state.virtual)}`);
  if (state.pos) parts.push(`pos=${state.pos.x},${state.pos.y}`);
  if (state.cmap) parts.push(`cmap=${state.cmap}`);
  if (state.scale) parts.push(`scale=${state.scale}`);
  if (state.show) parts.push(`show=${state.show}`);
  const com = state.com ?? {};
  if (com.rotation) parts.push(`comrot=${com.rotation}`);
  if (com.flip) parts.push('comflip=1');
  if (com.threshold !== undefined) parts.push(`comthreshold=${com.threshold}`);
  if (com.mask) parts.push(`commask=${shapeToText(com.mask)}`);
  if (state.cal) parts.push(`cal=${state.cal}`);
  for (const [k, v] of Object.entries(state.orientation ?? {})) parts.push(`${k}=${encodeURIComponent(v).replace(/%2C/g, ',')}`);
  return parts.length ? `#${parts.join('&')}` : '';
}

/** Whether a shape lies on a pattern of this size (its centre or corners inside). */
export function shapeFits(shape: Shape, rows: number, cols: number): boolean {
  const inside = (x: number, y: number) => x >= -0.5 && y >= -0.5 && x <= cols - 0.5 && y <= rows - 0.5;
  switch (shape.kind) {
    case 'point':
      return Number.isInteger(shape.x) && Number.isInteger(shape.y) && inside(shape.x, shape.y);
    case 'disk':
    case 'annulus':
      return inside(shape.cx, shape.cy);
    case 'rect':
      return shape.x0 >= 0 && shape.y0 >= 0 && shape.x1 <= cols && shape.y1 <= rows;
  }
}
