/** Where the viewer puts the labels of a phase's rings on the pattern (viewer/src/orientation/ring-labels.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelBox as box, labelFontSize, placeRingLabels } from '../viewer/src/orientation/ring-labels.js';

describe('ring labels', () => {
  it('a lone ring is labelled above right of the centre, just outside its circle', () => {
    const [place] = placeRingLabels([{ r: 20, text: '{111}' }], [48, 48], 96, 96, 3);
    expect(place?.anchor).toBe('start');
    expect(place!.x).toBeGreaterThan(48);
    expect(place!.y).toBeLessThan(48);
    expect(Math.hypot(place!.x - 48, place!.y - 48)).toBeGreaterThan(20);
  });

  it("copper's close rings on a 96-pixel pattern: the innermost labelled, most of the others, none overlapping", () => {
    // Radii (pixels at 0.04 Å⁻¹ per pixel) of Cu's {111} … {420}, as the viewer's screenshot showed them.
    const texts = ['{111}', '{200}', '{220}', '{311}', '{222}', '{400}', '{331}', '{420}'];
    const radii = [12.0, 13.8, 19.6, 23.0, 24.0, 27.7, 30.2, 30.9];
    const fontSize = labelFontSize(96);
    const places = placeRingLabels(radii.map((r, k) => ({ r, text: texts[k] })), [48, 48], 96, 96, fontSize);
    const boxes = places.flatMap((p, k) => (p ? [box(p, texts[k], fontSize)] : []));
    expect(places[0]).toBeDefined();
    expect(boxes.length).toBeGreaterThanOrEqual(6);
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) expect(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0).toBe(true);
    }
  });

  it('placed labels never overlap one another and stay on the pattern', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 32, max: 512 }),
        fc.array(fc.double({ min: 0.02, max: 0.7, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0.3, max: 0.7, noNaN: true }),
        (size, fractions, c) => {
          const fontSize = labelFontSize(size);
          const labels = [...fractions].sort((a, b) => a - b).map((f, k) => ({ r: f * size, text: `{${k}${k}${k}}` }));
          const places = placeRingLabels(labels, [c * size, size / 2], size, size, fontSize);
          expect(places).toHaveLength(labels.length);
          const boxes = places.flatMap((p, k) => (p ? [box(p, labels[k].text, fontSize)] : []));
          for (const [i, a] of boxes.entries()) {
            expect(a.x0 >= -0.5 && a.y0 >= -0.5 && a.x1 <= size - 0.5 && a.y1 <= size - 0.5).toBe(true);
            for (const b of boxes.slice(i + 1)) expect(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0).toBe(true);
          }
        },
      ),
    );
  });
});
