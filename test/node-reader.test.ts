/** Reading by path in Node: memory modes against a real file. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBlockfile, openBlockfile } from '../src/node/index.js';
import { buildBlockfile, patchHeader } from './helpers/build.js';
import { tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

async function fileWithFrames() {
  const { bytes, data } = await buildBlockfile({ nx: 3, ny: 2, dpSize: 4 });
  const path = join(dir, `scan-${Math.random().toString(36).slice(2)}.blo`);
  writeFileSync(path, bytes);
  return { path, bytes, data };
}

describe('memory modes on a file', () => {
  it('"c" (default) and "r" never change the file', async () => {
    const { path, bytes } = await fileWithFrames();
    for (const mode of [undefined, 'c', 'r'] as const) {
      const signal = await loadBlockfile(path, { mode });
      signal.data.fill(9);
      await expect(signal.flush()).rejects.toThrow(/writes back only in mode "r\+"/);
      await signal.close();
      expect(readFileSync(path)).toEqual(Buffer.from(bytes));
    }
  });

  it('"r+" writes changes back in place, frame prefixes untouched', async () => {
    const { path, data } = await fileWithFrames();
    const signal = await loadBlockfile(path, { mode: 'r+' });
    signal.data[0] = 250;
    signal.data[5 * 16 + 15] = 251;
    await signal.flush();
    await signal.close();
    const reread = await loadBlockfile(path);
    const expected = data.slice();
    expected[0] = 250;
    expected[5 * 16 + 15] = 251;
    expect(reread.data).toEqual(expected);
    const blockfile = await openBlockfile(path);
    expect(await blockfile.verifyFrames()).toMatchObject({ checked: 6, missing: 0, bad: { count: 0 } });
    await blockfile.close();
  });

  it('lazy "r+" is refused before the file is opened', async () => {
    const { path } = await fileWithFrames();
    await expect(loadBlockfile(path, { lazy: true, mode: 'r+' } as never)).rejects.toThrow(
      /lazy loading does not support in-place writing/,
    );
  });

  it('lazy reads frames on demand from the file', async () => {
    const { path, data } = await fileWithFrames();
    const signal = await loadBlockfile(path, { lazy: true });
    expect(signal.shape).toEqual([2, 3, 4, 4]);
    expect(await signal.data.frameAt(1, 2)).toEqual(data.subarray(80, 96));
    await signal.close();
  });
});

describe('format 1.3', () => {
  it('without a bit-depth line reads 8-bit pixels', async () => {
    const { bytes, data } = await buildBlockfile({ nx: 2, ny: 2, dpSize: 4, note: 'Precession angle : 1' });
    const path = join(dir, 'v13-8bit.blo');
    writeFileSync(path, patchHeader(bytes, { MAGIC: 0x0103 }));
    const signal = await loadBlockfile(path);
    expect(signal.dtype).toBe('uint8');
    expect(signal.warnings).toEqual([]);
    expect(signal.data).toEqual(data);
  });
});
