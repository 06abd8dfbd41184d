/**
 * Nothing a user has is lost by a conversion: --overwrite replaces only
 * what is of the kind being written and never a folder holding an input;
 * a file converted onto itself (directly, through a symlink or a hard link)
 * is read whole before the result is renamed over it; a blockfile keeps
 * its instrument's stored VBF; HDF5 output into a folder that cannot be
 * written ends in one line naming the output.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockfileInput } from '../src/node/import.js';
import { loadBlockfile, openBlockfile } from '../src/node/open.js';
import { writeBlockfileFrames } from '../src/node/write.js';
import { patchHeader, buildBlockfile, testFrames } from './helpers/build.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** A 4 × 5 scan of 8 × 8 patterns whose stored VBF is a ramp, unlike the mean of any pattern. */
const VBF = Uint8Array.from({ length: 20 }, (_, i) => 200 - i * 7);
let scan: Uint8Array;
beforeAll(async () => {
  scan = (await buildBlockfile({ nx: 5, ny: 4, dpSize: 8, navigator: VBF, note: 'Precession angle : 0.5' })).bytes;
});

function scanFile(path: string): string {
  writeFileSync(path, scan);
  return path;
}

describe('--overwrite never deletes an input or a folder that is not a store', () => {
  it('refuses a Zarr target that holds the input (directly or through a symlink), and leaves everything as it was', () => {
    const store = join(dir, 'z', 'scan.zarr');
    mkdirSync(store, { recursive: true });
    writeFileSync(join(store, '.zarray'), '{}');
    const raw = scanFile(join(store, 'raw.blo'));
    for (const kind of ['.zarr', '.zspy']) {
      const target = join(dir, 'z', `scan${kind}`);
      if (kind === '.zspy') {
        mkdirSync(target);
        writeFileSync(join(target, '.zgroup'), '{}');
        writeFileSync(join(target, 'raw.blo'), scan);
      }
      const input = kind === '.zspy' ? join(target, 'raw.blo') : raw;
      const result = blo('convert', input, target, '--overwrite');
      expect(result.status, result.stderr).toBe(1);
      expect(oneLineError(result)).toMatch(new RegExp(`scan\\${kind}: holds the input .*raw\\.blo; replacing it would delete the input, so nothing was replaced`));
      expect(readFileSync(input)).toEqual(Buffer.from(scan));
    }
    // The input reached through a symlink from outside the store.
    const link = join(dir, 'linked.blo');
    symlinkSync(raw, link);
    const viaLink = blo('convert', link, store, '--overwrite');
    expect(viaLink.status, viaLink.stderr).toBe(1);
    expect(oneLineError(viaLink)).toMatch(/holds the input .*linked\.blo/);
    expect(readdirSync(store).sort()).toEqual(['.zarray', 'raw.blo']);
    expect(readdirSync(join(dir, 'z')).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('refuses to replace a folder that is not a Zarr store, or a file, with a store', () => {
    const folder = join(dir, 'results.zarr');
    mkdirSync(folder);
    writeFileSync(join(folder, 'thesis.tex'), 'years of work');
    const input = scanFile(join(dir, 'a.blo'));
    const result = blo('convert', input, folder, '--overwrite');
    expect(result.status).toBe(1);
    expect(oneLineError(result)).toMatch(/results\.zarr: is a folder that is not a Zarr store .*nothing was replaced/);
    expect(readFileSync(join(folder, 'thesis.tex'), 'utf8')).toBe('years of work');
    const file = join(dir, 'notes.zspy');
    writeFileSync(file, 'a file');
    const onFile = blo('convert', input, file, '--overwrite');
    expect(onFile.status).toBe(1);
    expect(oneLineError(onFile)).toMatch(/notes\.zspy: is a file, not a Zarr store/);
    expect(readFileSync(file, 'utf8')).toBe('a file');
    // A store of ours is replaced.
    const store = join(dir, 'ok.zarr');
    expect(blo('convert', input, store).status).toBe(0);
    const again = blo('convert', input, store, '--overwrite');
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(join(store, '.zarray'))).toBe(true);
  });

  it('refuses to put a file in place of a folder', () => {
    const folder = join(dir, 'out.npy');
    mkdirSync(folder);
    writeFileSync(join(folder, 'keep.txt'), 'keep');
    const result = blo('convert', scanFile(join(dir, 'b.blo')), folder, '--overwrite');
    expect(result.status).toBe(1);
    expect(oneLineError(result)).toMatch(/out\.npy: is a folder; a file is written here only in place of a file, so nothing was replaced/);
    expect(readFileSync(join(folder, 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('a file converted onto itself, through a symlink or a hard link, is read whole first: the result is right', async () => {
    const expected = (await loadBlockfile(scanFile(join(dir, 'ref.blo')))).data;
    // Directly: 8-bit to 8-bit with crop scaling (values unchanged), over itself.
    const self = scanFile(join(dir, 'self.blo'));
    const direct = blo('convert', self, self, '--overwrite', '--intensity-scaling', 'crop');
    expect(direct.status, direct.stderr).toBe(0);
    expect((await loadBlockfile(self)).data).toEqual(expected);
    // Through a symlink: the link is replaced by the result, the file it pointed to is untouched.
    const target = scanFile(join(dir, 'target.blo'));
    const link = join(dir, 'link.blo');
    symlinkSync(target, link);
    const viaLink = blo('convert', target, link, '--overwrite', '--bits', '16');
    expect(viaLink.status, viaLink.stderr).toBe(0);
    expect(readFileSync(target)).toEqual(Buffer.from(scan));
    expect(Array.from((await loadBlockfile(link)).data)).toEqual(Array.from(expected));
    // Through a hard link: the other name keeps the original bytes.
    const first = scanFile(join(dir, 'first.blo'));
    const second = join(dir, 'second.blo');
    linkSync(first, second);
    const viaHardLink = blo('convert', first, second, '--overwrite', '--bits', '16');
    expect(viaHardLink.status, viaHardLink.stderr).toBe(0);
    expect(readFileSync(first)).toEqual(Buffer.from(scan));
    expect((await loadBlockfile(second)).dtype).toBe('uint16');
  });
});

describe('a blockfile keeps its stored VBF', () => {
  it('blo convert A.blo B.blo keeps it byte for byte, with any scaling and bit depth; --navigator mean computes it', async () => {
    const input = scanFile(join(dir, 'vbf.blo'));
    for (const args of [[], ['--intensity-scaling', 'minmax'], ['--bits', '16']]) {
      const out = join(dir, `kept${args.join('')}.blo`);
      const result = blo('convert', input, out, ...args);
      expect(result.status, result.stderr).toBe(0);
      expect((await (await openBlockfile(out)).navigator()).data).toEqual(VBF);
    }
    const mean = join(dir, 'mean.blo');
    expect(blo('convert', input, mean, '--navigator', 'mean').status).toBe(0);
    const frames = testFrames(5, 4, 8, 8);
    const means = Uint8Array.from({ length: 20 }, (_, i) => Math.trunc(Array.from(frames.subarray(i * 64, (i + 1) * 64)).reduce((a, b) => a + b, 0) / 64));
    expect((await (await openBlockfile(mean)).navigator()).data).toEqual(means);
    const explicit = join(dir, 'explicit.blo');
    expect(blo('convert', input, explicit, '--navigator', 'keep').status).toBe(0);
    expect((await (await openBlockfile(explicit)).navigator()).data).toEqual(VBF);
  });

  it("in the library: navigatorSignal 'keep' with a blockfile input", async () => {
    const bf = await openBlockfile(scanFile(join(dir, 'lib.blo')));
    const input = blockfileInput(bf);
    const out = join(dir, 'lib-out.blo');
    await writeBlockfileFrames(out, input.description, input.frames, { navigatorSignal: 'keep', intensityScaling: 'minmax' });
    await input.close();
    expect((await (await openBlockfile(out)).navigator()).data).toEqual(VBF);
    const npyLike = { shape: [4, 5, 8, 8], dtype: 'uint8' as const };
    await expect(writeBlockfileFrames(join(dir, 'no.blo'), npyLike, async function* () { yield testFrames(5, 4, 8, 8); }, { navigatorSignal: 'keep' })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringMatching(/navigatorSignal 'keep' needs a blockfile input/),
    });
  });

  it('a blockfile whose stored VBF is outside the file gets the mean, with a warning saying so', async () => {
    const input = join(dir, 'no-vbf.blo');
    writeFileSync(input, patchHeader(scan, { Data_offset_1: scan.length + 100 }));
    const out = join(dir, 'no-vbf-out.blo');
    const result = blo('convert', input, out);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning: .*no-vbf\.blo: the stored navigator image .* is unavailable/);
    expect(result.stderr).toMatch(/warning: .*no-vbf\.blo: the input's stored navigator is unavailable; the output stores the mean of each pattern instead/);
    expect((await (await openBlockfile(out)).navigator()).data).not.toEqual(VBF);
    const keep = blo('convert', input, join(dir, 'no-vbf-keep.blo'), '--navigator', 'keep');
    expect(keep.status).toBe(2);
    expect(oneLineError(keep)).toMatch(/--navigator keep: the stored navigator of .*no-vbf\.blo is unavailable/);
  });
});

describe('HDF5 output that cannot be written', () => {
  it('into a missing folder: one line naming the output and ENOENT, no HDF5 diagnostics', () => {
    const target = join(dir, 'missing', 'x.hspy');
    const result = blo('convert', scanFile(join(dir, 'h.blo')), target);
    expect(result.status).toBe(1);
    expect(oneLineError(result)).toBe(`blo: ${target}: cannot write: the folder ${join(dir, 'missing')} does not exist (ENOENT)`);
  });

  it('into a read-only folder: one line naming the output and EACCES', () => {
    const folder = join(dir, 'read-only');
    mkdirSync(folder, { mode: 0o555 });
    chmodSync(dir, 0o755); // so that another user can read the input
    const input = scanFile(join(dir, 'ro.blo'));
    const target = join(folder, 'x.hspy');
    // Root writes anywhere: run the command as nobody where this test runs as root.
    const asRoot = process.getuid?.() === 0;
    const command = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    const result = spawnSync(command[0], [...command.slice(1), join(REPO_ROOT, 'bin', 'blo.js'), 'convert', input, target], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(1);
    expect(oneLineError(result)).toBe(`blo: ${target}: cannot write: permission denied in the folder ${folder} (EACCES)`);
    expect(readdirSync(folder)).toEqual([]);
  });
});
