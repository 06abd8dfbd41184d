/** The `blo` program, run as a separate process. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { decodeNpy, encodeNpyHeader, parseNpyHeader } from '../src/npy/npy.js';
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
    expect(blo('convert', file, join(dir, 'x.jpg')).status).toBe(2);
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

describe('blo convert with a broken frame record', () => {
  it('reads it as HyperSpy does (prefix ignored) and says which frame it was', async () => {
    const { bytes, data: frames } = await buildBlockfile({ nx: 4, ny: 4, dpSize: 8 });
    const o2 = parseHeader(bytes).Data_offset_2;
    bytes[o2 + 9 * (6 + 64)] = 0; // frame 9 loses its AA marker
    const input = join(dir, 'broken.blo');
    writeFileSync(input, bytes);
    const out = join(dir, 'broken.npy');
    const result = blo('convert', input, out);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^warning: .*broken\.blo: 1 frame record .*wrong AA 55 marker or frame index \(frame 9\)/)]);
    expect(readNpyData(out)).toEqual(frames);
  });
});

describe('blo info on damaged files', () => {
  it('reports broken frame records clearly and exits 0; --strict exits 1; --check-all reads whole records', async () => {
    const { bytes } = await buildBlockfile({ nx: 4, ny: 3, dpSize: 8, note: 'Camera \x1b]0;owned\x07 \x1b[2J gamma \x9b31m on' });
    const o2 = parseHeader(bytes).Data_offset_2;
    bytes[o2 + 5 * (6 + 64)] = 0;
    const input = join(dir, 'damaged.blo');
    writeFileSync(input, bytes);
    const info = blo('info', input);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/^Frames +1 of 12 frame records have a broken prefix \(frame 5 does not start with AA 55 \(found 00 55\)\); their pixels are read as HyperSpy reads them$/m);
    expect(info.stdout).toMatch(/^Warning +.*damaged\.blo: 1 frame record read so far has a wrong AA 55 marker or frame index \(frame 5\)/m);
    // The note's terminal controls are shown escaped, never raw.
    expect(info.stdout).toMatch(/^Note +Camera \\x1b\]0;owned\\x07 \\x1b\[2J gamma \\x9b31m on$/m);
    expect(info.stdout).not.toMatch(/[\u001b\u0007\u009b]/);
    const json = blo('info', input, '--json');
    expect(json.stdout).not.toMatch(/[\u001b\u0007\u009b]/);
    expect(JSON.parse(json.stdout).original_metadata.blockfile_header.Note).toBe('Camera \x1b]0;owned\x07 \x1b[2J gamma \x9b31m on');
    const all = blo('info', input, '--check-all');
    expect(all.stdout).toMatch(/^Frames +1 of 12 frame records have a broken prefix/m);
    const strict = blo('info', input, '--strict');
    expect(strict.status).toBe(1);
    expect(oneLineError(strict)).toMatch(/damaged\.blo: bad frame record: frame 5 does not start with AA 55 \(found 00 55\) \(at byte \d+\)$/);
    expect(strict.stdout).toMatch(/^Frames +FAILED: /m);
    const good = join(dir, 'good.blo');
    writeFileSync(good, (await buildBlockfile({ nx: 4, ny: 3, dpSize: 8 })).bytes);
    expect(blo('info', good).stdout).toMatch(/^Frames +all 12 frame records check \(AA 55 \+ index; prefixes read\)$/m);
    expect(blo('info', good, '--check-all').stdout).toMatch(/^Frames +all 12 frame records check \(AA 55 \+ index; whole records read\)$/m);
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

/** The CLI name of a writer fixture's scaling: "u16-range-5-200" → ['--intensity-scaling', '5,200']. */
function scalingArgs(name: string): string[] {
  const option = name.split('-').slice(1).join('-').replace('-navnone', '');
  const range = /^range-(\d+)-(\d+)$/.exec(option);
  if (range) return ['--intensity-scaling', `${range[1]},${range[2]}`];
  if (['dtype', 'minmax', 'crop'].includes(option)) return ['--intensity-scaling', option];
  return [];
}

describe.skipIf(!HAVE_FIXTURES)('blo convert IN.npy OUT.blo on the writer fixtures', () => {
  const cases = HAVE_FIXTURES ? readdirSync(fixturePath('writer')).filter((f) => f.endsWith('.blo')).map((f) => f.replace(/\.blo$/, '')) : [];

  it.each(cases)('%s equals HyperSpy 1.7.3 output', (name) => {
    const [kind, ...rest] = name.split('-');
    const input = fixturePath(`writer/${kind === 'u8' ? `input-u8-${rest.join('-')}` : `input-${kind}`}.npy`);
    const out = join(dir, `cli-${name}.blo`);
    const navigator = name.endsWith('navnone') ? ['--navigator', 'none'] : [];
    const result = blo('convert', input, out, ...scalingArgs(name), ...navigator);
    expect(result.status, result.stderr).toBe(0);
    // Unit warnings as HyperSpy gives them, one line each.
    expect(result.stderr).toMatch(/^warning: .*BLO file expects cm units in signal dimensions/m);
    const expected = fixtureJson(`writer/${name}.json`);
    const info = JSON.parse(blo('info', out, '--json').stdout);
    expect(info.shape).toEqual(expected.shape);
    expect(sha256Of(out)).toBe(expected.data_sha256);
  });
});

/** The data of a blockfile through `blo convert FILE.blo OUT.npy`, hashed. */
function sha256Of(blockfile: string): string {
  const npy = `${blockfile}.npy`;
  const result = blo('convert', blockfile, npy, '--overwrite');
  if (result.status !== 0) throw new Error(result.stderr);
  const bytes = readFileSync(npy);
  return sha256(bytes.subarray(parseNpyHeader(bytes).dataOffset));
}

describe('blo convert to .blo', () => {
  it('re-writes a 16-bit blockfile as 8-bit, keeping header and note, and back to 16-bit', () => {
    const wide = join(dir, 'wide.blo');
    expect(blo('demo', wide, '--scan', '4x3', '--size', '16', '--bits', '16').status).toBe(0);
    const narrow = join(dir, 'narrow.blo');
    const result = blo('convert', wide, narrow, '--intensity-scaling', 'dtype');
    expect(result.status, result.stderr).toBe(0);
    const before = JSON.parse(blo('info', wide, '--json').stdout);
    const after = JSON.parse(blo('info', narrow, '--json').stdout);
    expect(after.dtype).toBe('uint8');
    expect(after.shape).toEqual(before.shape);
    expect(after.axes).toEqual(before.axes);
    expect(after.original_metadata.blockfile_header.MAGIC).toBe(0x0102);
    expect(after.original_metadata.blockfile_header.Note).not.toMatch(/bit depth/i);
    for (const field of ['Acquisition_time', 'Beam_energy', 'Camera_length', 'Scan_rotation', 'Distortion_N01']) {
      expect(after.original_metadata.blockfile_header[field]).toEqual(before.original_metadata.blockfile_header[field]);
    }
    // dtype scaling maps 0–65535 onto 0–255: v → floor(v × 255 / 65535) for these integers.
    const wideData = readNpyData(sha256Input(wide));
    const narrowData = readNpyData(sha256Input(narrow));
    for (let i = 0; i < wideData.length; i += 97) expect(narrowData[i]).toBe(Math.floor((wideData[i] / 65535) * 255));

    const again = join(dir, 'again16.blo');
    expect(blo('convert', narrow, again, '--bits', '16').status).toBe(0);
    const info16 = JSON.parse(blo('info', again, '--json').stdout);
    expect(info16.dtype).toBe('uint16');
    expect(info16.original_metadata.blockfile_header.MAGIC).toBe(0x0103);
  });

  it('applies --scan-step, --calibration and a --navigator image', () => {
    const input = join(dir, 'cal.npy');
    writeFileSync(input, Buffer.concat([encodeNpyHeader('uint8', [2, 3, 8, 8]), Buffer.alloc(2 * 3 * 64, 7)]));
    const nav = join(dir, 'cal-nav.npy');
    writeFileSync(nav, Buffer.concat([encodeNpyHeader('uint8', [2, 3]), Buffer.from([1, 2, 3, 4, 5, 6])]));
    const out = join(dir, 'cal.blo');
    const result = blo('convert', input, out, '--scan-step', '2.5,4', '--calibration', '0.0125', '--navigator', nav);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const info = JSON.parse(blo('info', out, '--json').stdout);
    expect(info.axes.map((a: { scale: number; units: string }) => [a.scale, a.units])).toEqual([
      [2.5, 'nm'],
      [4, 'nm'],
      [0.0125, 'cm'],
      [0.0125, 'cm'],
    ]);
    const vbf = join(dir, 'cal-vbf.npy');
    expect(blo('navigator', out, vbf).status).toBe(0);
    expect([...readNpyData(vbf)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses bad options with exit code 2 and one line', () => {
    const input = join(dir, 'opts.npy');
    writeFileSync(input, Buffer.concat([encodeNpyHeader('uint8', [2, 2, 4, 4]), Buffer.alloc(64)]));
    const out = join(dir, 'opts.blo');
    const cases: [string[], RegExp][] = [
      [['--intensity-scaling', 'loud'], /--intensity-scaling must be dtype, minmax, crop or LO,HI/],
      [['--intensity-scaling', '9,3'], /LO ≤ HI/],
      [['--bits', '12'], /--bits must be 8 or 16/],
      [['--navigator', 'mean-ish'], /--navigator must be keep, mean, none or a \.npy file/],
      [['--navigator', 'keep'], /--navigator keep needs a \.blo input/],
      [['--navigator', join(dir, 'absent.npy')], /absent\.npy: no such file/],
      [['--scan-step', '-1'], /--scan-step must be NM or NMY,NMX: 1 or 2 positive numbers separated by commas/],
      [['--calibration', '1,2'], /--calibration must be a positive number, got "1,2"/],
    ];
    for (const [args, message] of cases) {
      const result = blo('convert', input, out, ...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(oneLineError(result)).toMatch(message);
    }
    const toNpy = blo('convert', join(dir, 'wide.blo'), join(dir, 'x.npy'), '--bits', '16');
    expect(toNpy.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses float data with dtype scaling and non-square patterns, one line, exit 1, no output', () => {
    const float = join(dir, 'float.npy');
    writeFileSync(float, Buffer.concat([encodeNpyHeader('float32', [1, 2, 4, 4]), Buffer.alloc(128)]));
    const out = join(dir, 'float.blo');
    const result = blo('convert', float, out, '--intensity-scaling', 'dtype');
    expect(result.status).toBe(1);
    expect(oneLineError(result)).toMatch(/float\.blo: .*float/i);
    const oblong = join(dir, 'oblong.npy');
    writeFileSync(oblong, Buffer.concat([encodeNpyHeader('uint8', [2, 4, 6]), Buffer.alloc(96)]));
    const result2 = blo('convert', oblong, out);
    expect(result2.status).toBe(1);
    expect(oneLineError(result2)).toMatch(/square/);
    expect(existsSync(out)).toBe(false);
  });
});

/** Path of a .npy holding the data of `blockfile` (converted next to it). */
function sha256Input(blockfile: string): string {
  const npy = `${blockfile}.data.npy`;
  const result = blo('convert', blockfile, npy, '--overwrite');
  if (result.status !== 0) throw new Error(result.stderr);
  return npy;
}

function readNpyData(path: string): Uint8Array | Uint16Array {
  const { header, data } = decodeNpy(readFileSync(path), path);
  if (header.dtype !== 'uint8' && header.dtype !== 'uint16') throw new Error(`${path}: unexpected dtype ${header.dtype}`);
  return data as Uint8Array | Uint16Array;
}
