/** A small line plot of a radial profile. */
import type { RadialProfile } from '../../src/analysis/profile.js';
import { format } from './image-view.js';

export function drawProfile(canvas: HTMLCanvasElement, profile: RadialProfile, log: boolean): void {
  const width = (canvas.width = canvas.clientWidth * devicePixelRatio || 300);
  const height = (canvas.height = canvas.clientHeight * devicePixelRatio || 140);
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, width, height);
  const values = Array.from(profile.mean, (v) => (log ? Math.log10(Math.max(v, 0) + 1) : v));
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = 6 * devicePixelRatio;
  ctx.strokeStyle = '#4fc3f7';
  ctx.lineWidth = devicePixelRatio;
  ctx.beginPath();
  values.forEach((v, k) => {
    if (!Number.isFinite(v)) return;
    const x = pad + (k / Math.max(1, values.length - 1)) * (width - 2 * pad);
    const y = height - pad - ((v - lo) / (hi - lo || 1)) * (height - 2 * pad);
    if (k === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  ctx.fillStyle = '#9aa0a6';
  ctx.font = `${10 * devicePixelRatio}px system-ui`;
  ctx.fillText(`ring means${log ? ' (log scale)' : ''}: highest ${format(log ? 10 ** hi - 1 : hi)} · r 0–${format(profile.radius[profile.radius.length - 1])} px`, pad, pad + 8 * devicePixelRatio);
}
