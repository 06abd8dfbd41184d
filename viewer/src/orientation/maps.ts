/**
 * The orientation maps as pictures: IPF colours (the library's, for the
 * beam or a scan axis), phases (the CLI's colours), correlation and
 * reliability (a colour map over a fixed range), and their keys: the IPF
 * triangles of the Laue groups present, the phase legend, a colour bar.
 * A PNG of a map puts it beside its key, with a scale bar.
 */
import type { Phase } from '../../../src/crystal/phase.js';
import { roundLength } from '../../../src/display/figure.js';
import { colormap, type ColormapName } from '../../../src/display/render.js';
import { ipfColours, ipfKey } from '../../../src/indexing/ipf.js';
import type { IndexMaps } from '../../../src/indexing/match.js';
import { phaseColour } from '../../../src/indexing/outputs.js';

export type MapKind = 'ipf-z' | 'ipf-x' | 'ipf-y' | 'phase' | 'correlation' | 'reliability';

export const MAP_KINDS: readonly [MapKind, string][] = [
  ['ipf-z', 'IPF along the beam (z)'],
  ['ipf-x', 'IPF along scan x'],
  ['ipf-y', 'IPF along scan y'],
  ['phase', 'phase'],
  ['correlation', 'correlation index'],
  ['reliability', 'reliability'],
];

/** The fixed ranges of the scalar maps (so that maps of different runs compare), and their colour map. */
const SCALAR: Record<'correlation' | 'reliability', { range: [number, number]; cmap: ColormapName; label: string }> = {
  correlation: { range: [0, 1], cmap: 'viridis', label: 'correlation index (0–1)' },
  reliability: { range: [0, 100], cmap: 'inferno', label: 'reliability, 100·(1 − Q₂/Q₁)' },
};

/** Positions not (yet) indexed, and those outside the scan's indexed part: this dark grey. */
const EMPTY = [0, 0, 0];

/** RGBA pixels of a map over the scan (rows × cols). */
export function mapRgba(kind: MapKind, maps: IndexMaps, phases: readonly Phase[]): Uint8ClampedArray<ArrayBuffer> {
  const n = maps.count;
  const rgba = new Uint8ClampedArray(4 * n);
  if (kind === 'ipf-z' || kind === 'ipf-x' || kind === 'ipf-y') {
    const rgb = ipfColours(maps, phases, ({ 'ipf-x': 0, 'ipf-y': 1, 'ipf-z': 2 } as const)[kind]);
    for (let i = 0; i < n; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  } else if (kind === 'phase') {
    for (let i = 0; i < n; i++) rgba.set([...phaseColour(maps.phase[i]), 255], 4 * i);
  } else {
    const { range, cmap } = SCALAR[kind];
    const table = colormap(cmap);
    const values = kind === 'correlation' ? maps.correlation : maps.reliability;
    for (let i = 0; i < n; i++) {
      if (maps.phase[i] === 0) {
        rgba.set([...EMPTY, 255], 4 * i);
        continue;
      }
      const t = Math.round((255 * (values[i] - range[0])) / (range[1] - range[0]));
      const k = 3 * Math.max(0, Math.min(255, t));
      rgba.set([table[k], table[k + 1], table[k + 2], 255], 4 * i);
    }
  }
  return rgba;
}

function canvasOf(rgb: Uint8Array, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const rgba = new Uint8ClampedArray(4 * width * height);
  for (let i = 0; i < width * height; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas;
}

/** The corners of the standard sectors the keys show: [001] (c), then the corners at η₀ and η₁. */
const CORNERS: Record<string, [string, string, string]> = {
  'm-3m': ['001', '101', '111'],
  'm-3': ['001', '101', '011'],
  '6/mmm': ['0001', '2-1-10', '10-10'],
  '4/mmm': ['001', '100', '110'],
  mmm: ['001', '100', '010'],
  '-3m': ['0001', '2-1-10', '11-20'],
};

/** One key item: a canvas and its caption. */
export interface KeyItem {
  canvas: HTMLCanvasElement;
  caption: string;
}

/** The key of a map: IPF triangles (one per Laue group present), the phase legend, or a colour bar. */
export function mapKey(kind: MapKind, phases: readonly Phase[], side = 120, background: [number, number, number] = [30, 33, 38]): KeyItem[] {
  if (kind === 'ipf-z' || kind === 'ipf-x' || kind === 'ipf-y') {
    const axis = kind.slice(-1);
    return [...new Set(phases.map((p) => p.laueGroup))].map((group) => {
      const key = ipfKey(group, side, background);
      const corners = CORNERS[group];
      const names = phases.filter((p) => p.laueGroup === group).map((p) => p.name);
      const colours = corners ? ` · red [${corners[0]}], green [${corners[1]}], blue [${corners[2]}]` : ' · red [001] (c)';
      return { canvas: canvasOf(key.rgb, key.width, key.height), caption: `${group} (${names.join(', ')}): crystal direction along ${axis}${colours}` };
    });
  }
  if (kind === 'phase') {
    return phases.map((p, i) => {
      const rgb = new Uint8Array(3 * 14 * 14);
      const c = phaseColour(i + 1);
      for (let k = 0; k < 14 * 14; k++) rgb.set(c, 3 * k);
      return { canvas: canvasOf(rgb, 14, 14), caption: p.name };
    }).concat([{ canvas: canvasOf(new Uint8Array(3 * 14 * 14), 14, 14), caption: 'not indexed' }]);
  }
  const { range, cmap, label } = SCALAR[kind];
  const table = colormap(cmap);
  const width = 160;
  const rgb = new Uint8Array(3 * width * 10);
  for (let x = 0; x < width; x++) {
    const k = 3 * Math.min(255, Math.floor(((x + 0.5) / width) * 256));
    for (let y = 0; y < 10; y++) rgb.set([table[k], table[k + 1], table[k + 2]], 3 * (y * width + x));
  }
  return [{ canvas: canvasOf(rgb, width, 10), caption: `${label}: ${range[0]} – ${range[1]}; black: not indexed` }];
}

/**
 * A picture of a map for saving: the map enlarged (square pixels) with a
 * scale bar (scan step `stepNm`), a title, and its key to the right.
 */
export function mapFigure(kind: MapKind, maps: IndexMaps, phases: readonly Phase[], scan: { rows: number; cols: number; stepNm: number }, title: string): HTMLCanvasElement {
  const factor = Math.max(1, Math.floor(512 / Math.max(scan.rows, scan.cols)));
  const mapW = scan.cols * factor;
  const mapH = scan.rows * factor;
  const keys = mapKey(kind, phases, 160, [255, 255, 255]);
  const pad = 12;
  const keyW = 260;
  const titleH = 22;
  const keyH = keys.reduce((h, k) => h + k.canvas.height + 34, 0);
  const canvas = document.createElement('canvas');
  canvas.width = pad + mapW + pad + keyW + pad;
  canvas.height = titleH + pad + Math.max(mapH, keyH) + pad;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  ctx.font = '14px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillText(title, pad, 8);
  const map = document.createElement('canvas');
  map.width = scan.cols;
  map.height = scan.rows;
  map.getContext('2d')!.putImageData(new ImageData(mapRgba(kind, maps, phases), scan.cols, scan.rows), 0, 0);
  ctx.imageSmoothingEnabled = false;
  const top = titleH + pad;
  ctx.drawImage(map, pad, top, mapW, mapH);
  if (scan.stepNm > 0) {
    // The scale bar: a round length near a fifth of the map's width, white on a dark outline.
    const length = roundLength((scan.cols * scan.stepNm) / 5);
    const px = (length / scan.stepNm) * factor;
    const unit = length >= 1000 ? `${length / 1000} µm` : `${length} nm`;
    const x = pad + 10;
    const y = top + mapH - 16;
    ctx.fillStyle = '#000';
    ctx.fillRect(x - 1, y - 1, px + 2, 6);
    ctx.fillStyle = '#fff';
    ctx.fillRect(x, y, px, 4);
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.textBaseline = 'bottom';
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#000';
    ctx.strokeText(unit, x, y - 3);
    ctx.fillText(unit, x, y - 3);
  }
  let y = top;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  const left = pad + mapW + pad;
  for (const k of keys) {
    ctx.drawImage(k.canvas, left, y);
    y += k.canvas.height + 4;
    ctx.fillStyle = '#000';
    // Captions wrapped at the key's width.
    let line = '';
    for (const word of k.caption.split(' ')) {
      if (ctx.measureText(`${line} ${word}`).width > keyW && line) {
        ctx.fillText(line, left, y);
        y += 13;
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    ctx.fillText(line, left, y);
    y += 30;
  }
  return canvas;
}
