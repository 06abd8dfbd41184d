/** Figures for a paper, drawn in the page: an image with its bars burnt in, the radial profile with axes. */
import type { RadialProfile } from '../../src/analysis/profile.js';
import type { Figure } from '../../src/display/figure.js';
import type { PixelSize } from './export-data.js';
import { plotProfile, type ProfileMark } from './profile-plot.js';

/** The figure's pixels on a canvas, with its text drawn where composeFigure placed it. */
export function figureCanvas(figure: Figure): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = figure.width;
  canvas.height = figure.height;
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(figure.rgba as Uint8ClampedArray<ArrayBuffer>, figure.width, figure.height), 0, 0);
  ctx.textBaseline = 'top';
  for (const t of figure.texts) {
    ctx.font = `${t.size}px system-ui, sans-serif`;
    ctx.textAlign = t.align;
    const x = t.align === 'left' ? Math.max(0, t.x - 1) : t.align === 'right' ? Math.min(figure.width, t.x + 1) : t.x;
    if (t.outline) {
      ctx.strokeStyle = t.outline;
      ctx.lineWidth = Math.max(2, t.size / 5);
      ctx.lineJoin = 'round';
      ctx.strokeText(t.text, x, t.y);
    }
    ctx.fillStyle = t.color;
    ctx.fillText(t.text, x, t.y);
  }
  return canvas;
}

/** The radial profile as a white figure with axes, `width` × `height` pixels. */
export function profileCanvas(profile: RadialProfile, log: boolean, pixel: PixelSize | undefined, volts?: number, marks?: readonly ProfileMark[], width = 1200, height = 800): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  plotProfile(canvas.getContext('2d')!, width, height, profile, { log, pixel, volts, marks, theme: 'paper', font: Math.round(width / 40) });
  return canvas;
}

export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser could not encode the PNG'))), 'image/png'));
}
