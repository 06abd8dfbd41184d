/** The colour bar under a view: the colour map with round tick values placed through the display's scale. */
import { colormap, type DisplayOptions } from '../../src/display/render.js';
import { scaleTicks, type Tick } from '../../src/display/ticks.js';

/** Draws the bar on `canvas` (at the device's resolution); returns the ticks drawn. */
export function drawColorbar(canvas: HTMLCanvasElement, display: DisplayOptions, range: [number, number]): Tick[] {
  const dpr = globalThis.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth;
  const cssHeight = canvas.clientHeight;
  if (!cssWidth || !cssHeight) return [];
  canvas.width = Math.round(cssWidth * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const table = colormap(display.cmap ?? 'gray');
  const pad = 2 * dpr;
  const w = width - 2 * pad;
  const barHeight = Math.round(height * 0.4);
  for (let x = 0; x < w; x++) {
    const i = Math.min(255, Math.floor(((x + 0.5) / w) * 256)) * 3;
    ctx.fillStyle = `rgb(${table[i]},${table[i + 1]},${table[i + 2]})`;
    ctx.fillRect(pad + x, 0, 1, barHeight);
  }
  const font = 10 * dpr;
  ctx.font = `${font}px system-ui, sans-serif`;
  // Labels about six characters wide: ticks no closer than that.
  const ticks = scaleTicks(range[0], range[1], { scale: display.scale, gamma: display.gamma, minGap: Math.max(0.12, (6 * font * 0.6) / w) });
  ctx.fillStyle = '#c8ccd0';
  ctx.textBaseline = 'top';
  for (const t of ticks) {
    const x = pad + t.at * (w - 1);
    ctx.fillRect(Math.round(x), barHeight, dpr, 3 * dpr);
    ctx.textAlign = t.at < 0.05 ? 'left' : t.at > 0.95 ? 'right' : 'center';
    ctx.fillText(t.label, t.at < 0.05 ? Math.max(0, x - dpr) : t.at > 0.95 ? Math.min(width, x + dpr) : x, barHeight + 4 * dpr);
  }
  canvas.dataset.ticks = ticks.map((t) => t.label).join(' ');
  return ticks;
}
