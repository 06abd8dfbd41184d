/**
 * Where the labels of a phase's rings go on the pattern: each just outside
 * its circle, clear of the labels placed before it and inside the pattern.
 * Pure (no DOM): positions in pattern pixels.
 */

export interface PlacedLabel {
  /** The text's anchor point (SVG x, and y of the baseline). */
  x: number;
  y: number;
  anchor: 'start' | 'end';
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Text size on a pattern of `size` pixels: about 1/28 of its width, so labels read alike on 96- and 256-pixel patterns. */
export function labelFontSize(size: number): number {
  return Math.max(3, size / 28);
}

// Upper right first (where the labels have always been), then the other quarters; degrees, y down.
const ANGLES = [-45, -30, -60, -15, -75, -135, -120, -150, -105, -165, 45, 30, 60, 15, 75, 135, 120, 150, 105, 165];

/**
 * The box `text` at `place` covers, a little generous: a character of the
 * viewer's sans-serif is about 0.64 em wide, its line 0.92 em above the
 * baseline and 0.22 below (Chromium's and Firefox's bounding boxes).
 */
export function labelBox(place: PlacedLabel, text: string, fontSize: number): Box {
  const w = text.length * 0.68 * fontSize;
  const [x0, x1] = place.anchor === 'start' ? [place.x, place.x + w] : [place.x - w, place.x];
  return { x0, x1, y0: place.y - 0.95 * fontSize, y1: place.y + 0.25 * fontSize };
}

/**
 * Places `labels` (one per ring of radius `r` about `centre`, innermost
 * first as given) on a `width` × `height` pattern. A ring with no place that
 * overlaps no earlier label and stays on the pattern gets `undefined`: it
 * stays unlabelled on the pattern (the radial profile names every ring).
 */
export function placeRingLabels(
  labels: readonly { r: number; text: string }[],
  centre: readonly [number, number],
  width: number,
  height: number,
  fontSize = labelFontSize(width),
): (PlacedLabel | undefined)[] {
  const taken: Box[] = [];
  const gap = fontSize * 0.15;
  return labels.map(({ r, text }) => {
    for (const degrees of ANGLES) {
      const a = (degrees * Math.PI) / 180;
      const px = centre[0] + r * Math.cos(a);
      const py = centre[1] + r * Math.sin(a);
      const anchor = Math.cos(a) >= 0 ? 'start' : 'end';
      // Outside the circle: right of the point on the right half, left of it on the left; above it in the upper half, below it in the lower.
      const place: PlacedLabel = { x: px + (anchor === 'start' ? gap : -gap), y: Math.sin(a) < 0 ? py - gap : py + gap + 0.95 * fontSize, anchor };
      const box = labelBox(place, text, fontSize);
      const inside = box.x0 >= -0.5 && box.y0 >= -0.5 && box.x1 <= width - 0.5 && box.y1 <= height - 0.5;
      if (!inside || taken.some((b) => b.x0 < box.x1 + gap && box.x0 < b.x1 + gap && b.y0 < box.y1 && box.y0 < b.y1)) continue;
      taken.push(box);
      return place;
    }
    return undefined;
  });
}
