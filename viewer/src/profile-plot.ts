/** The radial profile as a line plot with axes: on screen (dark) and as a figure for a paper (white). */
import type { RadialProfile } from '../../src/analysis/profile.js';
import { reciprocalToMrad } from '../../src/crystal/calibration.js';
import { linearTicks, tickLabel, type Tick } from '../../src/display/ticks.js';
import type { PixelSize } from './export-data.js';

export interface ProfilePlotOptions {
  log: boolean;
  /** Radii in this unit instead of pixels. */
  pixel?: PixelSize;
  theme?: 'screen' | 'paper';
  /** Font size in canvas pixels. */
  font?: number;
  /** Radii (pattern pixels) marked by dashed lines, e.g. a phase's rings. */
  marks?: readonly ProfileMark[];
  /** The beam's energy in volts: with radii in Å⁻¹, a second axis along the top in mrad. */
  volts?: number;
}

export interface ProfileMark {
  r: number;
  label: string;
  colour: string;
}

/** Ticks for log10(1 + mean): at the powers of ten where there are two or more, else round values of the log. */
function logTicks(lo: number, hi: number): Tick[] {
  const ticks: Tick[] = [];
  for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) ticks.push({ value: k, at: hi > lo ? (k - lo) / (hi - lo) : 0, label: tickLabel(10 ** k, 10 ** k) });
  if (ticks.length >= 2) return ticks;
  return linearTicks(lo, hi, 3).map((t) => ({ ...t, label: tickLabel(10 ** t.value - 1, Math.max(1e-6, (10 ** t.value - 1) / 100)) }));
}

/** Draws the profile on a 2D context over `width` × `height`; returns the plot area [x, y, w, h]. */
export function plotProfile(ctx: CanvasRenderingContext2D, width: number, height: number, profile: RadialProfile, options: ProfilePlotOptions): [number, number, number, number] {
  const paper = options.theme === 'paper';
  const font = options.font ?? 10;
  const fg = paper ? '#000000' : '#9aa0a6';
  const background = paper ? '#ffffff' : '#111111';
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, width, height);
  const ys = Array.from(profile.mean, (v) => (options.log ? Math.log10(Math.max(v, 0) + 1) : v));
  const finite = ys.filter(Number.isFinite);
  const unit = options.pixel ? options.pixel.units : 'px';
  const scale = options.pixel ? options.pixel.size : 1;
  const xs = Array.from(profile.radius, (r) => r * scale);
  const xMax = xs.length > 1 ? xs[xs.length - 1] : 1;
  let yLo = finite.length ? Math.min(...finite) : 0;
  let yHi = finite.length ? Math.max(...finite) : 1;
  if (!(yHi > yLo)) [yLo, yHi] = [yLo - 1, yLo + 1];
  const xTicks = linearTicks(0, xMax, 5);
  // Scattering angle is proportional to the reciprocal distance (θ = λk): a second linear axis.
  const mradMax = options.pixel?.units === 'Å⁻¹' && options.volts && options.volts > 0 ? reciprocalToMrad(xMax, options.volts) : undefined;
  const mradTicks = mradMax ? linearTicks(0, mradMax, 5) : [];
  const yTicks = options.log ? logTicks(yLo, yHi) : linearTicks(yLo, yHi, 4);
  ctx.font = `${font}px system-ui, sans-serif`;
  const yLabelWidth = Math.max(...yTicks.map((t) => ctx.measureText(t.label).width), 0);
  const left = Math.ceil(yLabelWidth + font * 2.2);
  const right = Math.ceil(font * 1.2);
  const top = Math.ceil(mradMax ? font * 3 : font * 0.8);
  const bottom = Math.ceil(font * 3.2);
  const w = Math.max(1, width - left - right);
  const h = Math.max(1, height - top - bottom);
  const px = (x: number) => left + (x / (xMax || 1)) * w;
  const py = (y: number) => top + h - ((y - yLo) / (yHi - yLo)) * h;

  ctx.strokeStyle = fg;
  ctx.fillStyle = fg;
  ctx.lineWidth = Math.max(1, font / 10);
  ctx.strokeRect(left, top, w, h);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of xTicks) {
    const x = px(t.value);
    ctx.beginPath();
    ctx.moveTo(x, top + h);
    ctx.lineTo(x, top + h + font * 0.4);
    ctx.stroke();
    ctx.fillText(t.label, x, top + h + font * 0.5);
  }
  ctx.fillText(`radius (${unit})`, left + w / 2, top + h + font * 1.7);
  if (mradMax) {
    ctx.textBaseline = 'bottom';
    for (const t of mradTicks) {
      const x = left + (t.value / mradMax) * w;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top - font * 0.4);
      ctx.stroke();
      ctx.fillText(t.label, x, top - font * 0.5);
    }
    ctx.fillText(`scattering angle (mrad, ${tickLabel(options.volts! / 1000, 1)} kV)`, left + w / 2, top - font * 1.7);
    ctx.textBaseline = 'top';
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yTicks) {
    const y = py(t.value);
    if (y < top - 1 || y > top + h + 1) continue;
    ctx.beginPath();
    ctx.moveTo(left - font * 0.4, y);
    ctx.lineTo(left, y);
    ctx.stroke();
    ctx.fillText(t.label, left - font * 0.5, y);
  }
  ctx.save();
  ctx.translate(font * 0.2, top + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText(`ring mean${options.log ? ' (log scale)' : ''}`, 0, 0);
  ctx.restore();

  ctx.strokeStyle = paper ? '#1f5fbf' : '#4fc3f7';
  ctx.lineWidth = Math.max(1, font / 8);
  ctx.beginPath();
  let pen = false;
  ys.forEach((v, k) => {
    if (!Number.isFinite(v)) {
      pen = false;
      return;
    }
    if (pen) ctx.lineTo(px(xs[k]), py(v));
    else ctx.moveTo(px(xs[k]), py(v));
    pen = true;
  });
  ctx.stroke();
  // The marks, labelled at the top; labels that would overlap the previous one are left out.
  ctx.save();
  ctx.setLineDash([font * 0.4, font * 0.3]);
  ctx.lineWidth = Math.max(1, font / 10);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  const shown = (options.marks ?? []).map((m) => ({ ...m, x: px(m.r * scale) })).filter((m) => m.x >= left && m.x <= left + w);
  for (const m of shown) {
    ctx.strokeStyle = m.colour;
    ctx.beginPath();
    ctx.moveTo(m.x, top);
    ctx.lineTo(m.x, top + h);
    ctx.stroke();
  }
  // Labels after every line, each on a patch of the background, so that no dashed line runs through one.
  let lastLabel = -Infinity;
  for (const m of shown) {
    const width = ctx.measureText(m.label).width;
    if (m.x - lastLabel > width + font * 0.6) {
      ctx.fillStyle = background;
      ctx.fillRect(m.x + font * 0.1, top + font * 0.1, width + font * 0.2, font * 1.2);
      ctx.fillStyle = m.colour;
      ctx.fillText(m.label, m.x + font * 0.2, top + font * 0.2);
      lastLabel = m.x;
    }
  }
  ctx.restore();
  return [left, top, w, h];
}

/** The profile on the page's canvas, at the device's resolution; radii in Å⁻¹ once calibrated (and mrad along the top, given the beam energy). */
export function drawProfile(canvas: HTMLCanvasElement, profile: RadialProfile, log: boolean, calibration?: { perPixel: number; volts?: number }, marks?: readonly ProfileMark[]): void {
  const dpr = globalThis.devicePixelRatio || 1;
  const width = (canvas.width = Math.round((canvas.clientWidth || 300) * dpr));
  const height = (canvas.height = Math.round((canvas.clientHeight || 140) * dpr));
  const pixel = calibration ? { size: calibration.perPixel, units: 'Å⁻¹' } : undefined;
  plotProfile(canvas.getContext('2d')!, width, height, profile, { log, pixel, font: 10 * dpr, marks, volts: calibration?.volts });
}
