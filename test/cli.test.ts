/** The `blo` program, run as a separate process. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { parseNpyHeader } from '../src/npy/npy.js';
import { parseHeader } from '../src/format/header.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';
import { fixtureJson, fixturePath, HAVE_FIXTURES, sha256 } from './helpers/fixtures.js';
import { buildBlockfile, patchHeader } from './helpers/build.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

describe('blo', () => {
  it('shows help and refuses unknown commands with exit code 2', () => {
    const help = blo('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/info/);
    expect(help.stdout).toMatch(/convert/);
    expect(blo('frobnicate').status).toBe(2);
  });

  it('fails on a missing file with one line and exit code 1', () => {
    const result = blo('info', join(dir, 'nope.blo'));
    expect(result.status).toBe(1);
    expect(oneLineError(result)).toMatch(/nope\.blo: no such file/);
  });

  it('fails on a malformed file with one line naming file and problem', async () => {
    const { bytes } = await buildBlockfile({ nx: 2, ny: 2, dpSize: 4 });
    const path = join(dir, 'bad-id.blo');
    writeFileSync(path, patchHeader(bytes, { ID: 'NOTBLO' }));
    const result = blo('info', path);
    expect(result.status).toBe(1);
    expect(oneLineError(result)).toBe(`blo: ${path}: not a blockfile: ID is "NOTBLO", expected "IMGBLO"`);
  });
});

describe.skipIf(!HAVE_FIXTURES)('blo on the ASTAR fixture', () => {
  const file = HAVE_FIXTURES ? fixturePath('astar-test1.blo') : '';

  it('info prints the essentials', () => {
    const result = blo('info', file);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/ASTAR blockfile 1\.2/);
    expect(result.stdout).toMatch(/3 × 2 positions, step 12\.8 nm \(y\) × 12\.8 nm \(x\)/);
    expect(result.stdout).toMatch(/144 × 144 pixels, uint8/);
    expect(result.stdout).toMatch(/200 kV/);
    expect(result.stdout).toMatch(/2015-12-01 15:40:59\.812000 UTC/);
    expect(result.stdout).toMatch(/all 6 frame records check/);
    expect(result.stdout).toMatch(/Precession angle/);
  });

  it('info --json equals HyperSpy reading', () => {
    const expected = fixtureJson('astar-test1.json');
    const result = blo('info', file, '--json');
    expect(result.status).toBe(0);
    const info = JSON.parse(result.stdout);
    expect(info.shape).toEqual(expected.shape);
    expect(info.dtype).toBe(expected.dtype);
    expect(info.axes).toEqual(expected.axes);
    expect(info.metadata).toEqual(expected.metadata);
    expect(info.original_metadata).toEqual(expected.original_metadata);
    expect(info.warnings).toEqual([]);
  });

  it('convert writes the data as .npy and will not replace a file without --overwrite', () => {
    const out = join(dir, 'astar.npy');
    expect(blo('convert', file, out).status).toBe(0);
    const bytes = readFileSync(out);
    const header = parseNpyHeader(bytes);
    expect(header).toMatchObject({ dtype: 'uint8', shape: [3, 2, 144, 144], fortranOrder: false });
    expect(sha256(bytes.subarray(header.dataOffset))).toBe(fixtureJson('astar-test1.json').data_sha256);
    const again = blo('convert', file, out);
    expect(again.status).toBe(1);
    expect(oneLineError(again)).toMatch(/astar\.npy: file exists; use --overwrite/);
    expect(blo('convert', file, out, '--overwrite').status).toBe(0);
    expect(blo('convert', file, join(dir, 'x.tiff')).status).toBe(2);
  });

  it('navigator writes the stored VBF as .npy and .png', () => {
    const expected = fixtureJson('astar-test1.json');
    const npy = join(dir, 'vbf.npy');
    const png = join(dir, 'vbf.png');
    expect(blo('navigator', file, npy).status).toBe(0);
    expect(blo('navigator', file, png).status).toBe(0);
    const bytes = readFileSync(npy);
    expect(sha256(bytes.subarray(parseNpyHeader(bytes).dataOffset))).toBe(expected.stored_navigator_sha256);
    const image = decode(readFileSync(png));
    expect([image.height, image.width]).toEqual([3, 2]);
    expect(sha256(image.data as Uint8Array)).toBe(expected.stored_navigator_sha256);
  });
});

describe('blo convert on failure', () => {
  it('leaves no partial output when a frame is broken', async () => {
    const { bytes } = await buildBlockfile({ nx: 4, ny: 4, dpSize: 8 });
    const o2 = parseHeader(bytes).Data_offset_2;
    bytes[o2 + 9 * (6 + 64)] = 0; // frame 9 loses its AA marker
    const input = join(dir, 'broken.blo');
    writeFileSync(input, bytes);
    const out = join(dir, 'broken.npy');
    const result = blo('convert', input, out);
    expect(result.status).toBe(1);
    expect(oneLineError(result)).toMatch(/broken\.blo: bad frame record: frame 9 does not start with AA 55/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('broken.npy'))).toEqual([]);
  });
});

describe('blo demo', () => {
  it('is deterministic from the seed and writes 8- and 16-bit files', () => {
    const a = join(dir, 'a.blo');
    const b = join(dir, 'b.blo');
    const c = join(dir, 'c.blo');
    expect(blo('demo', a, '--scan', '6x5', '--size', '16', '--seed', '3').status).toBe(0);
    expect(blo('demo', b, '--scan', '6x5', '--size', '16', '--seed', '3').status).toBe(0);
    expect(readFileSync(a)).toEqual(readFileSync(b));
    expect(blo('demo', c, '--scan', '6x5', '--size', '16', '--bits', '16').status).toBe(0);
    const info = JSON.parse(blo('info', c, '--json').stdout);
    expect(info.shape).toEqual([6, 5, 16, 16]);
    expect(info.dtype).toBe('uint16');
    expect(info.original_metadata.blockfile_header.MAGIC).toBe(0x0103);
  });

  it('refuses bad options with exit code 2', () => {
    const result = blo('demo', join(dir, 'x.blo'), '--scan', '6by5');
    expect(result.status).toBe(2);
    expect(oneLineError(result)).toMatch(/--scan must look like NYxNX/);
  });
});
