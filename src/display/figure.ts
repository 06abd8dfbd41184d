/**
 * An image made into a figure for a paper: scaled up with square pixels to
 * a chosen width, a scale bar burnt into its lower left corner and a colour
 * bar with ticks beneath it on white. Pixels are composed here, without a
 * canvas; the text (tick labels, the scale bar's length) is returned with
 * its place, for whoever draws text (the viewer's canvas) to draw.
 */
import { colormap, type ColormapName, type DisplayOptions } from './render.js';
import { scaleTicks, type Tick } from './ticks.js';

export interface FigureText {
  text: string;
  x: number;
  y: number;
  align: 'left' | 'center' | 'right';
  /** Font size in pixels; text is drawn with its top at y. */
  size: number;
  color: string;
  /** An outline colour, for text over the image. */
  outline?: string;
}

export interface FigureInput {
  /** RGBA pixels of the image as displayed, rows × cols. */
  rgba: ArrayLike<number>;
  rows: number;
  cols: number;
  /** Width of the figure's image in pixels (the height follows the image's aspect). */
  width: number;
  /** Size of one image pixel and its unit, for the scale bar; none without it. */
  scalebar?: { pixelSize: number; units: string };
  /** The display that made `rgba`, for the colour bar; none without it. */
  colorbar?: { cmap: ColormapName; range: [number, number]; scale?: DisplayOptions['scale']; gamma?: number; label?: string };
}

export interface Figure {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
  texts: FigureText[];
  /** Where things are, for tests and for drawing: [x, y, width, height]. */
  boxes: { image: Box; scalebar?: Box; colorbar?: Box };
  ticks: Tick[];
  /** The scale bar's length in the calibrated unit. */
  scalebarLength?: number;
}

export type Box = [number, number, number, number];

/** A round length (1, 2 or 5 × 10ⁿ) at most `target`. */
export function roundLength(target: number): number {
  const power = 10 ** Math.floor(Math.log10(target));
  const m = target / power;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * power;
}

export function composeFigure(input: FigureInput): Figure {
  const { rows, cols } = input;
  const width = Math.max(1, Math.round(input.width));
  const imageHeight = Math.max(1, Math.round((width * rows) / cols));
  // Sizes follow the width, with floors so a small figure stays legible.
  const font = Math.max(10, Math.round(width / 40));
  const margin = Math.max(6, Math.round(width / 50));
  const barHeight = Math.max(8, Math.round(width / 30));
  const tickLength = Math.max(3, Math.round(barHeight / 2));
  const band = input.colorbar ? margin + barHeight + tickLength + 2 + font + (input.colorbar.label ? font + 4 : 0) + margin : 0;
  const height = imageHeight + band;
  const out = new Uint8ClampedArray(width * height * 4).fill(255);
  const texts: FigureText[] = [];
  const fill = (x0: number, y0: number, w: number, h: number, rgb: [number, number, number]) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) out.set(rgb, (y * width + x) * 4);
    }
  };

  // The image, nearest neighbour: each output pixel takes the image pixel its centre falls in.
  for (let y = 0; y < imageHeight; y++) {
    const r = Math.min(rows - 1, Math.floor(((y + 0.5) * rows) / imageHeight));
    for (let x = 0; x < width; x++) {
      const c = Math.min(cols - 1, Math.floor(((x + 0.5) * cols) / width));
      const from = (r * cols + c) * 4;
      const to = (y * width + x) * 4;
      out[to] = input.rgba[from];
      out[to + 1] = input.rgba[from + 1];
      out[to + 2] = input.rgba[from + 2];
    }
  }
  const figure: Figure = { width, height, rgba: out, texts, boxes: { image: [0, 0, width, imageHeight] }, ticks: [] };

  if (input.scalebar && input.scalebar.pixelSize > 0 && Number.isFinite(input.scalebar.pixelSize)) {
    const { pixelSize, units } = input.scalebar;
    const length = roundLength((cols * pixelSize) / 5);
    const barWidth = Math.max(1, Math.round(((length / pixelSize) * width) / cols));
    const thickness = Math.max(3, Math.round(width / 100));
    const x0 = margin;
    const y0 = imageHeight - margin - thickness;
    // A black edge keeps the white bar visible on a bright image.
    fill(x0 - 1, y0 - 1, barWidth + 2, thickness + 2, [0, 0, 0]);
    fill(x0, y0, barWidth, thickness, [255, 255, 255]);
    figure.boxes.scalebar = [x0, y0, barWidth, thickness];
    figure.scalebarLength = length;
    texts.push({ text: `${formatLength(length)} ${units}`, x: x0 + barWidth / 2, y: y0 - 4 - font, align: 'center', size: font, color: '#ffffff', outline: '#000000' });
  }

  if (input.colorbar) {
    const { cmap, range, scale, gamma, label } = input.colorbar;
    const table = colormap(cmap);
    const x0 = margin;
    const w = width - 2 * margin;
    const y0 = imageHeight + margin;
    if (w > 0) {
      for (let x = 0; x < w; x++) {
        const i = Math.min(255, Math.floor(((x + 0.5) / w) * 256)) * 3;
        fill(x0 + x, y0, 1, barHeight, [table[i], table[i + 1], table[i + 2]]);
      }
      // A tick label is about six characters wide: no two closer than that.
      const ticks = scaleTicks(range[0], range[1], { scale, gamma, minGap: Math.max(0.15, (6.5 * font * 0.6) / w), max: 8 });
      figure.ticks = ticks;
      for (const t of ticks) {
        const x = Math.min(x0 + w - 1, x0 + Math.round(t.at * (w - 1)));
        fill(x, y0 + barHeight, 1, tickLength, [0, 0, 0]);
        const align = t.at < 0.05 ? 'left' : t.at > 0.95 ? 'right' : 'center';
        texts.push({ text: t.label, x, y: y0 + barHeight + tickLength + 2, align, size: font, color: '#000000' });
      }
      if (label) texts.push({ text: label, x: x0 + w / 2, y: y0 + barHeight + tickLength + 2 + font + 4, align: 'center', size: font, color: '#000000' });
      figure.boxes.colorbar = [x0, y0, w, barHeight];
    }
  }
  return figure;
}

function formatLength(v: number): string {
  return Number(v.toPrecision(3)).toString();
}
