/** The reader against what HyperSpy 1.7.3 reads from real files (../shared/fixtures). */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBlockfile, openBlockfile } from '../src/node/index.js';
import { FIXTURES, fixtureJson, fixturePath, HAVE_FIXTURES, sha256 } from './helpers/fixtures.js';

const files = HAVE_FIXTURES
  ? [
      'astar-test1.blo',
      'hyperspy-test2.blo',
      ...readdirSync(`${FIXTURES}/writer`)
        .filter((f) => f.endsWith('.blo'))
        .map((f) => `writer/${f}`),
    ]
  : [];

describe.skipIf(!HAVE_FIXTURES)('fixtures read as HyperSpy 1.7.3 reads them', () => {
  it.each(files)('%s', async (name) => {
    const expected = fixtureJson(name.replace(/\.blo$/, '.json'));
    const signal = await loadBlockfile(fixturePath(name));
    expect(signal.shape).toEqual(expected.shape);
    expect(signal.dtype).toBe(expected.dtype);
    expect(sha256(signal.data)).toBe(expected.data_sha256);
    let sum = 0;
    for (const v of signal.data) sum += v;
    expect(sum).toBe(expected.data_sum);
    expect(Array.from(signal.data.subarray(0, expected.first_frame_first_row.length))).toEqual(expected.first_frame_first_row);
    expect(signal.axes).toEqual(expected.axes);
    expect(signal.metadata).toEqual(expected.metadata);
    expect(signal.original_metadata).toEqual(expected.original_metadata);
    expect(signal.warnings.map((w) => w.message)).toEqual(expected.warnings);

    const blockfile = await openBlockfile(fixturePath(name));
    const nav = await blockfile.navigator();
    expect(sha256(nav.data)).toBe(expected.stored_navigator_sha256);
    expect(nav.shape).toEqual([expected.stored_navigator.length, expected.stored_navigator[0].length]);
    await blockfile.close();
  });

  it('reads the fixture from a Blob and from memory the same as from the path', async () => {
    const bytes = readFileSync(fixturePath('astar-test1.blo'));
    const expected = fixtureJson('astar-test1.json');
    const fromMemory = await loadBlockfile(new Uint8Array(bytes), { name: 'astar-test1.blo' });
    expect(sha256(fromMemory.data)).toBe(expected.data_sha256);
    expect(fromMemory.metadata).toEqual(expected.metadata);
    const fromBlob = await loadBlockfile(new File([bytes], 'astar-test1.blo'));
    expect(sha256(fromBlob.data)).toBe(expected.data_sha256);
    expect(fromBlob.metadata).toEqual(expected.metadata);
  });
});
