/**
 * Tick values for axes and colour bars: round numbers (1, 2 or 5 × 10ⁿ
 * steps) placed through the display's scale, so that a log colour bar gets
 * its ticks spread over the decades rather than crowded at one end.
 */
import { scaleFraction, type DisplayOptions } from './render.js';

export interface Tick {
  value: number;
  /** Position along the bar or axis, 0 at the lower limit, 1 at the upper. */
  at: number;
  label: string;
}

/** A label for a multiple of `step`: as many decimals as the step needs, exponents for very large or small numbers. */
export function tickLabel(value: number, step: number): string {
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e6 || a < 1e-4) {
    const digits = Math.max(0, Math.min(6, Math.floor(Math.log10(a)) - Math.floor(Math.log10(step))));
    return value.toExponential(digits).replace('e+', 'e');
  }
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(decimals);
}

/** Candidate steps from the coarsest that fits the span down to `finest`, coarsest first. */
function steps(span: number, finest: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(span)); e >= Math.floor(Math.log10(finest)); e--) {
    for (const m of [5, 2, 1]) {
      const s = m * 10 ** e;
      if (s <= span && s >= finest) out.push(s);
    }
  }
  return out;
}

/**
 * Ticks for the range [lo, hi] shown through `scale`, in increasing order,
 * no two closer than `minGap` (a fraction of the bar), at most `max`.
 * Linear: every multiple of the finest round step that keeps that gap.
 * Log and gamma, whose spacing varies along the bar: powers of ten first,
 * then multiples of ever finer round steps, each kept where it has room.
 */
export function scaleTicks(
  lo: number,
  hi: number,
  options: { scale?: DisplayOptions['scale']; gamma?: number; minGap?: number; max?: number } = {},
): Tick[] {
  const { scale = 'linear', gamma = 0.5, minGap = 0.15, max = 8 } = options;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  // A single value is drawn in the colour map's middle (toIndices): its tick goes there.
  if (!(hi > lo)) return [{ value: lo, at: 0.5, label: tickLabel(lo, Math.abs(lo) || 1) }];
  const span = hi - lo;
  const at = (v: number) => scaleFraction((v - lo) / span, scale, gamma);
  const multiples = (step: number) => {
    const out: number[] = [];
    const first = Math.ceil(lo / step - 1e-9);
    const last = Math.floor(hi / step + 1e-9);
    // + 0 turns -0 into 0.
    if (last - first <= 2000) for (let k = first; k <= last; k++) out.push(k * step + 0);
    return out;
  };
  if (scale === 'linear') {
    const fitting = steps(span, span / 1000).reverse().find((step) => step / span >= minGap - 1e-12 && multiples(step).length <= max);
    const step = fitting ?? span;
    return multiples(step).map((value) => ({ value, at: at(value), label: tickLabel(value, step) }));
  }
  const kept: Tick[] = [];
  const offer = (value: number, step: number) => {
    const p = at(value);
    if (kept.length < max && kept.every((t) => Math.abs(t.at - p) >= minGap - 1e-12)) kept.push({ value, at: p, label: tickLabel(value, step) });
  };
  // The log scale shows three decades below the upper limit: steps down to a thousandth of the span.
  const all = steps(span, span / 1000);
  for (const step of all.filter((s) => Math.abs(Math.log10(s) - Math.round(Math.log10(s))) < 1e-9)) {
    for (const v of multiples(step)) if (v === 0 || Math.abs(Math.log10(Math.abs(v)) - Math.round(Math.log10(Math.abs(v)))) < 1e-9) offer(v, step);
  }
  for (const step of all) for (const v of multiples(step)) offer(v, step);
  return kept.sort((a, b) => a.value - b.value);
}

/** Round ticks for a linear axis over [lo, hi], about `count` of them (a plot's axes). */
export function linearTicks(lo: number, hi: number, count = 5): Tick[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return Number.isFinite(lo) ? [{ value: lo, at: 0, label: tickLabel(lo, Math.abs(lo) || 1) }] : [];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  // The smallest round step giving at most `count` intervals.
  const step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
  const ticks: Tick[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const value = k * step + 0;
    ticks.push({ value, at: (value - lo) / (hi - lo), label: tickLabel(value, step) });
  }
  return ticks;
}
