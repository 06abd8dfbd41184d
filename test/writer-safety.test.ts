/**
 * Writing never loses a user's data: faults mid-write (an exception, a full
 * disk, a killed process) leave no partial target and the previous file
 * intact; memory stays bounded whatever the file size; frames can be
 * rewritten in place through r+.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpyHeader } from '../src/npy/npy.js';
import { openBlockfile, loadBlockfile } from '../src/node/open.js';
import { writeBlockfile } from '../src/node/write.js';
import { blo, bloPeakMemory, oneLineError, tempDir } from './helpers/cli.js';
import { REPO_ROOT, sha256 } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** Names in `folder` other than `keep`: leftovers such as temporaries. */
function others(folder: string, ...keep: string[]): string[] {
  return readdirSync(folder).filter((name) => !keep.includes(name));
}

/** A small uint8 scan whose frames differ, as a signal dictionary. */
function smallSignal(ny: number, nx: number, dp: number): { data: Uint8Array; shape: number[] } {
  const data = new Uint8Array(ny * nx * dp * dp);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
  return { data, shape: [ny, nx, dp, dp] };
}

/** A .npy file of `frames` uint8 patterns of dp × dp written in chunks, without holding it in memory. */
function writeLargeNpy(path: string, ny: number, nx: number, dp: number): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, encodeNpyHeader('uint8', [ny, nx, dp, dp]));
    const rowBytes = nx * dp * dp;
    const row = new Uint8Array(rowBytes);
    for (let y = 0; y < ny; y++) {
      for (let i = 0; i < rowBytes; i++) row[i] = (i + y * 7) & 0xff;
      writeSync(fd, row);
    }
  } finally {
    closeSync(fd);
  }
}

describe('faults while writing', () => {
  it('an exception mid-write leaves no target and no temporary', async () => {
    const folder = join(dir, 'throw-new');
    mkdirSync(folder);
    const target = join(folder, 'out.blo');
    const abort = new AbortController();
    const error = await writeBlockfile(target, smallSignal(8, 8, 64), {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.frames > 0) abort.abort(new Error('stopped by the test'));
      },
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/stopped by the test/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('an exception mid-overwrite leaves the previous file intact', async () => {
    const folder = join(dir, 'throw-old');
    mkdirSync(folder);
    const target = join(folder, 'out.blo');
    await writeBlockfile(target, smallSignal(2, 2, 16));
    const before = sha256(readFileSync(target));
    const abort = new AbortController();
    await expect(
      writeBlockfile(target, smallSignal(8, 8, 64), {
        overwrite: true,
        signal: abort.signal,
        onProgress: (p) => {
          if (p.frames > 0) abort.abort(new Error('stopped by the test'));
        },
      }),
    ).rejects.toThrow(/stopped by the test/);
    expect(sha256(readFileSync(target))).toBe(before);
    expect(others(folder, 'out.blo')).toEqual([]);
  });

  it('refuses an existing target without overwrite, naming it', async () => {
    const target = join(dir, 'exists.blo');
    writeFileSync(target, 'precious');
    await expect(writeBlockfile(target, smallSignal(1, 1, 4))).rejects.toThrow(`${target}: file exists`);
    expect(readFileSync(target, 'utf8')).toBe('precious');
  });

  // A real full disk: a 1 MB tmpfs, which needs root (mount) on Linux.
  const tmpfs = join(dir, 'tmpfs');
  mkdirSync(tmpfs);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tmpfs]).status === 0;
  if (!mounted) console.warn('skipping the ENOSPC tests: cannot mount a small tmpfs here (needs root)');
  afterAll(() => {
    if (mounted) spawnSync('umount', [tmpfs]);
  });

  describe.skipIf(!mounted)('on a full disk (1 MB tmpfs)', () => {
    it('the library reports ENOSPC naming the target and keeps the old file', async () => {
      const target = join(tmpfs, 'lib.blo');
      await writeBlockfile(target, smallSignal(2, 2, 16));
      const before = sha256(readFileSync(target));
      // 32 × 32 patterns of 64² bytes: 4 MB, four times the disk.
      await expect(writeBlockfile(target, smallSignal(32, 32, 64), { overwrite: true })).rejects.toThrow(
        `${target}: no space left on device`,
      );
      expect(sha256(readFileSync(target))).toBe(before);
      expect(others(tmpfs, 'lib.blo')).toEqual([]);
    });

    it('the CLI prints one line, exits 1 and keeps the old file', () => {
      const input = join(dir, 'big-for-tmpfs.npy');
      writeLargeNpy(input, 32, 32, 64);
      const target = join(tmpfs, 'cli.blo');
      writeFileSync(target, 'old contents');
      const result = blo('convert', input, target, '--overwrite');
      expect(result.status).toBe(1);
      expect(oneLineError(result)).toMatch(`blo: ${target}: no space left on device`);
      expect(readFileSync(target, 'utf8')).toBe('old contents');
      expect(others(tmpfs, 'cli.blo', 'lib.blo')).toEqual([]);
    });
  });

  it('the CLI killed mid-conversion leaves the old target intact; the next run removes its temporary', async () => {
    const folder = join(dir, 'killed');
    mkdirSync(folder);
    const input = join(folder, 'big.npy');
    writeLargeNpy(input, 128, 128, 128); // 256 MB: long enough to be caught mid-write
    const target = join(folder, 'out.blo');
    writeFileSync(target, 'old contents');

    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'blo.js'), 'convert', input, target, '--overwrite'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Wait until the temporary holds some frames, then kill without warning.
    let temporary: string | undefined;
    for (let tries = 0; tries < 2000 && temporary === undefined; tries++) {
      const name = others(folder, 'big.npy', 'out.blo')[0];
      if (name && statSync(join(folder, name)).size > 1 << 20) temporary = join(folder, name);
      else await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(temporary, 'the conversion never started writing').toBeDefined();
    expect(readFileSync(target, 'utf8')).toBe('old contents');
    expect(existsSync(temporary!)).toBe(true);
    expect(temporary!).toMatch(/\.out\.blo\.blo-partial-\d+-[0-9a-f]+$/);

    // The next write to that target finds the dead process's temporary and removes it.
    const next = blo('convert', input, target, '--overwrite', '--intensity-scaling', 'dtype');
    expect(next.status, next.stderr).toBe(0);
    expect(existsSync(temporary!)).toBe(false);
    expect(others(folder, 'big.npy', 'out.blo')).toEqual([]);
    const bf = await openBlockfile(target);
    expect(bf.shape).toEqual([128, 128, 128, 128]);
    await bf.close();
  }, 60_000);
});

describe('memory while writing', () => {
  it('converting a 256 MB .npy to .blo with a min-max first pass stays within a few blocks of memory', () => {
    const input = join(dir, 'memory.npy');
    writeLargeNpy(input, 128, 128, 128);
    const output = join(dir, 'memory.blo');
    const maxRssMb = bloPeakMemory('convert', input, output, '--intensity-scaling', 'minmax').peakMb;
    // Node alone takes ~45 MB; the data is 256 MB; blocks are 8 MB. Measured here: about 90 MB.
    expect(maxRssMb).toBeLessThan(140);
    expect(statSync(output).size).toBeGreaterThan(128 * 128 * 128 * 128);
  }, 60_000);
});

describe('in-place frame writing (r+)', () => {
  it('writeFrames replaces whole frames in the file, prefixes and other frames untouched', async () => {
    const path = join(dir, 'inplace.blo');
    const { data } = smallSignal(3, 4, 16);
    await writeBlockfile(path, { data, shape: [3, 4, 16, 16] });
    const bf = await openBlockfile(path, { writable: true });
    const replacement = new Uint8Array(2 * 256).fill(200);
    await bf.writeFrames(5, replacement);
    await expect(bf.writeFrames(11, replacement)).rejects.toThrow(/frames 11…12 are outside the 12 frames/);
    await expect(bf.writeFrames(0, new Uint16Array(256))).rejects.toThrow(/whole uint8 frames of 256 values/);
    await bf.close();

    const expected = data.slice();
    expected.fill(200, 5 * 256, 7 * 256);
    expect((await loadBlockfile(path)).data).toEqual(expected);
    const check = await openBlockfile(path);
    expect(await check.verifyFrames()).toMatchObject({ checked: 12, missing: 0, bad: { count: 0 } });
    await check.close();
  });

  it('refuses to write through a read-only open', async () => {
    const path = join(dir, 'readonly.blo');
    await writeBlockfile(path, smallSignal(1, 2, 8));
    const bf = await openBlockfile(path);
    await expect(bf.writeFrames(0, new Uint8Array(64))).rejects.toThrow(/not opened for writing/);
    await bf.close();
  });
});
