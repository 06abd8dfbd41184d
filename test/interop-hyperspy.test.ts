/** HyperSpy itself reads what we write: same data, axes and header, no warnings. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBlockfile, writeBlockfile } from '../src/node/index.js';
import { tempDir } from './helpers/cli.js';
import { pythonModule, runPython } from './helpers/python.js';
import { REPO_ROOT as REPO } from './helpers/fixtures.js';
import { sha256 } from './helpers/fixtures.js';
import { testFrames } from './helpers/build.js';

const hyperspy = pythonModule('hyperspy.api');
if (!hyperspy.ok) console.warn(`skipping HyperSpy interop tests: ${hyperspy.why} (install python3-hyperspy)`);

const { dir, cleanup } = tempDir();
afterAll(cleanup);

describe.skipIf(!hyperspy.ok)('HyperSpy reads our blockfiles', () => {
  it('as written: data, axes, header, no warnings', async () => {
    const cases = [
      { name: 'u8-2d', shape: [3, 4, 8, 8], data: testFrames(4, 3, 8, 8), nav: [{ name: 'y', scale: 2.5, units: 'nm' }, { name: 'x', scale: 0.004, units: 'µm' }] },
      { name: 'f32-line', shape: [5, 6, 6], data: Float32Array.from(testFrames(5, 1, 6, 8), (v) => v * 1.7 - 20), nav: [{ name: 'x', scale: 3, units: 'nm' }], scaling: 'minmax' as const },
      { name: 'u16-single', shape: [10, 10], data: testFrames(1, 1, 10, 16), nav: [], scaling: 'dtype' as const },
    ];
    const paths: string[] = [];
    for (const c of cases) {
      const axes = [
        ...c.nav.map((a, i) => ({ ...a, size: c.shape[i], offset: 0, navigate: true })),
        { name: 'dy', size: c.shape.at(-2)!, scale: 0.02, offset: 0, units: 'cm', navigate: false },
        { name: 'dx', size: c.shape.at(-1)!, scale: 0.2, offset: 0, units: 'mm', navigate: false },
      ];
      const path = join(dir, `${c.name}.blo`);
      const warnings = await writeBlockfile(path, {
        data: c.data,
        shape: c.shape,
        axes,
        metadata: { General: { date: '2024-05-06', time: '07:08:09', notes: 'Precession angle : 1' } },
      }, { intensityScaling: c.scaling });
      expect(warnings).toEqual([]);
      paths.push(path);
    }
    const theirs = JSON.parse(runPython(join(REPO, 'test/interop/hyperspy_read.py'), paths));
    for (const path of paths) {
      const ours = await loadBlockfile(path);
      const t = theirs[path];
      expect(t.warnings).toEqual([]);
      expect(t.shape).toEqual(ours.shape);
      expect(t.dtype).toBe(ours.dtype);
      expect(t.data_sha256).toBe(sha256(ours.data));
      for (const [i, axis] of ours.axes.entries()) {
        expect(t.axes[i]).toMatchObject({ name: axis.name, size: axis.size, units: axis.units, navigate: axis.navigate });
        expect(t.axes[i].scale).toBeCloseTo(axis.scale, 12);
      }
      for (const [key, value] of Object.entries(ours.original_metadata.blockfile_header)) {
        expect([key, t.header[key]]).toEqual([key, value]);
      }
    }
    const u8 = theirs[paths[0]];
    expect(u8.header.SY).toBe(2.5);
    expect(u8.header.SX).toBeCloseTo(4, 12);
    expect(u8.header.SDP).toBe(5000);
    expect(u8.header.Note).toBe('Precession angle : 1');
  });
});

describe.skipIf(!hyperspy.ok)('we read what HyperSpy reads', () => {
  it('every malformed-corpus file HyperSpy opens gives the same data here, with warnings saying what is wrong', async () => {
    const corpus = await import(join(REPO, 'scripts', 'malformed-corpus.mjs'));
    const cases: { name: string; bytes: Uint8Array; expect: { error?: string; warnings?: string[] } }[] = await corpus.malformedCases();
    const readable = cases.filter((c) => !c.expect.error);
    const paths = readable.map((c) => {
      const path = join(dir, `corpus-${c.name}.blo`);
      writeFileSync(path, c.bytes);
      return path;
    });
    const theirs = JSON.parse(runPython(join(REPO, 'test/interop/hyperspy_read.py'), paths));
    const compared: string[] = [];
    for (const [i, c] of readable.entries()) {
      const ours = await loadBlockfile(paths[i]);
      const t = theirs[paths[i]];
      if (t.error) continue; // HyperSpy refuses it (a NaN date, a frame region of the wrong size…): we read it anyway
      expect([c.name, t.shape]).toEqual([c.name, ours.shape]);
      expect([c.name, t.data_sha256]).toEqual([c.name, sha256(ours.data)]);
      expect(ours.warnings.map((w) => w.code).sort(), c.name).toEqual([...(c.expect.warnings ?? [])].sort());
      compared.push(c.name);
    }
    // The cases this issue is about are among them.
    expect(compared).toEqual(expect.arrayContaining(['offset1-past-end', 'offset1-huge', 'frames-inside-vbf', 'vbf-runs-into-frames', 'broken-frame-marker', 'wrong-frame-index', 'nx-larger']));
  });
});
