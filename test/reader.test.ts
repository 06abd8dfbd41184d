/** Reading files the writer made: formats, dimensions, overrides, truncation and malformed headers. */
import { describe, expect, it } from 'vitest';
import { Blockfile } from '../src/reader/blockfile.js';
import { signalOf } from '../src/reader/load.js';
import { MemorySource } from '../src/sources/memory.js';
import { BlockfileError, FRAME_PREFIX_SIZE, parseHeader } from '../src/format/index.js';
import { buildBlockfile, patchHeader } from './helpers/build.js';

function open(bytes: Uint8Array, options = {}) {
  return Blockfile.open(new MemorySource(bytes, 'test.blo'), options);
}

async function expectError(promise: Promise<unknown>, code: string, pattern: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BlockfileError);
  expect((error as BlockfileError).code).toBe(code);
  expect((error as Error).message).toMatch(/^test\.blo: /);
  expect((error as Error).message).toMatch(pattern);
}

describe('round trips through writer and reader', () => {
  it.each([
    { name: '1.2, 8-bit, 2-D scan', nx: 4, ny: 3, dp: 8, bits: 8 as const, shape: [3, 4, 8, 8], magic: 0x0102 },
    { name: '1.3, 16-bit, 2-D scan', nx: 4, ny: 3, dp: 8, bits: 16 as const, shape: [3, 4, 8, 8], magic: 0x0103 },
    { name: '1-D scan (NY = 1)', nx: 5, ny: 1, dp: 6, bits: 8 as const, shape: [5, 6, 6], magic: 0x0102 },
    { name: '0-D scan (one pattern)', nx: 1, ny: 1, dp: 6, bits: 16 as const, shape: [6, 6], magic: 0x0103 },
  ])('$name', async ({ nx, ny, dp, bits, shape, magic }) => {
    const { bytes, data } = await buildBlockfile({ nx, ny, dpSize: dp, bits, note: 'Precession angle : 1' });
    const blockfile = await open(bytes);
    expect(blockfile.header.MAGIC).toBe(magic);
    expect(blockfile.dtype).toBe(bits === 16 ? 'uint16' : 'uint8');
    expect(blockfile.warnings).toEqual([]);
    expect(blockfile.header.Data_offset_2 % 16).toBe(0);
    const signal = await signalOf(blockfile);
    expect(signal.shape).toEqual(shape);
    expect(signal.data).toEqual(data);
    expect(signal.axes.map((a) => a.size)).toEqual(shape);
    expect(signal.axes.filter((a) => !a.navigate).length).toBe(2);
    // Frames one by one, by position, and by iteration.
    const again = await open(bytes);
    const pixels = dp * dp;
    expect(await again.frame(nx * ny - 1)).toEqual(data.subarray((nx * ny - 1) * pixels));
    expect(await again.frameAt(ny - 1, 0)).toEqual(data.subarray((ny - 1) * nx * pixels, ((ny - 1) * nx + 1) * pixels));
    const frames = [];
    for await (const f of again) frames.push(f);
    expect(frames).toHaveLength(nx * ny);
    const last = nx * ny - 1;
    expect(frames[last]).toEqual(data.subarray(last * pixels, (last + 1) * pixels));
    const blocks = [];
    for await (const b of again.blocks({ blockFrames: 5, reuse: false })) blocks.push(b);
    expect(blocks.map((b) => b.start)).toEqual(Array.from({ length: Math.ceil((nx * ny) / 5) }, (_, i) => i * 5));
    if (nx * ny >= 3) expect(await again.readFrames(1, 2)).toEqual(data.subarray(pixels, 3 * pixels));
    // The stored VBF is the mean of each pattern.
    const nav = await again.navigator();
    let mean0 = 0;
    for (const v of data.subarray(0, pixels)) mean0 += v;
    mean0 /= pixels;
    expect(nav.data[0]).toBe(Math.trunc(bits === 16 ? (mean0 * 255) / 65535 : mean0));
  });

  it('keeps the note, and the header fields it is given', async () => {
    const note = 'Precession angle : 0.5\r\nCamera gamma : on';
    const { bytes } = await buildBlockfile({ nx: 2, ny: 2, dpSize: 4, note, header: { SX: 12.5, SY: 7, SDP: 6226, Beam_energy: 200000 } });
    const blockfile = await open(bytes);
    expect(blockfile.note).toBe(note);
    expect(blockfile.metadata.General.notes).toBe(note);
    expect(blockfile.axes.map((a) => a.scale)).toEqual([7, 12.5, 100 / 6226, 100 / 6226]);
    expect(blockfile.metadata.Acquisition_instrument.TEM.beam_energy).toBe(200);
  });
});

describe('checking frame records', () => {
  /** A source that counts the bytes read through it. */
  function counting(bytes: Uint8Array): { source: MemorySource; read: () => number } {
    const source = new MemorySource(bytes, 'test.blo');
    let total = 0;
    const read = source.read.bind(source) as (offset: number, length: number, signal?: AbortSignal) => Promise<Uint8Array>;
    source.read = async (offset: number, length: number, signal?: AbortSignal) => {
      const got = await read(offset, length, signal);
      total += got.length;
      return got;
    };
    return { source, read: () => total };
  }

  it('reads only the 6-byte prefixes by default, every byte with all: true; both find the same broken records', async () => {
    const { bytes } = await buildBlockfile({ nx: 40, ny: 30, dpSize: 16 });
    const o2 = parseHeader(bytes).Data_offset_2;
    const record = FRAME_PREFIX_SIZE + 256;
    const broken = [3, 700, 701, 702, 703, 704, 1199];
    for (const f of broken) bytes[o2 + f * record + 1] = 0;
    bytes[o2 + 10 * record + 2] = 77; // frame 10 labelled 77
    const { source, read } = counting(bytes);
    const bf = await Blockfile.open(source);
    const before = read();
    const quick = await bf.verifyFrames();
    expect(read() - before).toBe(1200 * FRAME_PREFIX_SIZE);
    expect(quick.bytesRead).toBe(1200 * FRAME_PREFIX_SIZE);
    expect(quick.checked).toBe(1200);
    expect(quick.bad.count).toBe(8);
    expect(quick.bad.first.map((b) => b.index)).toEqual([3, 10, 700, 701, 702]);
    expect(quick.bad.first[1].problem).toBe('frame 10 is labelled as frame 77');
    expect(bf.warnings.map((w) => w.message)).toEqual([
      'test.blo: 8 frame records read so far have a wrong AA 55 marker or frame index (frames 3, 10, 700, 701, 702, …); the pixels are read as HyperSpy reads them, the prefix ignored',
    ]);
    const whole = await (await Blockfile.open(new MemorySource(bytes, 'test.blo'))).verifyFrames({ all: true });
    expect(whole.bytesRead).toBe(1200 * record);
    expect(whole.bad).toEqual(quick.bad);
    await expectError((await open(bytes, { strict: true })).verifyFrames(), 'BAD_FRAME', /frame 3 does not start with AA 55 \(found AA 00\)/);
  });
});

describe('LiberTEM options', () => {
  it('overrides the navigation shape and shifts frames', async () => {
    const { bytes, data } = await buildBlockfile({ nx: 3, ny: 2, dpSize: 4 });
    const px = 16;
    const line = await signalOf(await open(bytes, { navShape: [6] }));
    expect(line.shape).toEqual([6, 4, 4]);
    expect(line.data).toEqual(data);

    const skipped = await signalOf(await open(bytes, { syncOffset: 2 }));
    expect(skipped.data.subarray(0, 4 * px)).toEqual(data.subarray(2 * px));
    expect(skipped.data.subarray(4 * px).every((v) => v === 0)).toBe(true);

    const padded = await signalOf(await open(bytes, { syncOffset: -1 }));
    expect(padded.data.subarray(0, px).every((v) => v === 0)).toBe(true);
    expect(padded.data.subarray(px)).toEqual(data.subarray(0, 5 * px));

    const longer = await open(bytes, { navShape: [3, 3] });
    expect((await longer.readAll()).subarray(6 * px).every((v) => v === 0)).toBe(true);
    // Asking for more frames than the file holds is said, not silent; blank frames asked for with a negative offset are not.
    expect(longer.warnings.map((w) => w.message)).toEqual(['test.blo: navShape [3, 3] reaches 3 frames past the 6 the file holds; they read as zeros']);
    expect(skipped.warnings.map((w) => w.message)).toEqual(['test.blo: the 2×3 scan with syncOffset 2 reaches 2 frames past the 6 the file holds; they read as zeros']);
    expect(padded.warnings).toEqual([]);
    expect(line.warnings).toEqual([]);
    await expectError(open(bytes, { navShape: [7], strict: true }), 'BAD_OPTION', /navShape \[7\] reaches 1 frame past the 6 the file holds; it reads as zeros \(refused in strict mode\)/);

    const sig = await open(bytes, { sigShape: [2, 8] });
    expect(sig.shape).toEqual([2, 3, 2, 8]);
    await expectError(open(bytes, { sigShape: [3, 3] }), 'BAD_OPTION', /sigShape \[3, 3\] holds 9 pixels/);
    await expectError(open(bytes, { navShape: [0] }), 'BAD_OPTION', /navShape/);
  });
});

describe('truncated files', () => {
  it('warn and read the missing frames as zeros, keeping a partial frame', async () => {
    const { bytes, data } = await buildBlockfile({ nx: 3, ny: 2, dpSize: 4 });
    const header = parseHeader(bytes);
    const record = FRAME_PREFIX_SIZE + 16;
    const cut = bytes.subarray(0, header.Data_offset_2 + 4 * record + FRAME_PREFIX_SIZE + 5);
    const blockfile = await open(cut);
    expect(blockfile.warnings.map((w) => w.code)).toEqual(['TRUNCATED']);
    expect(blockfile.warnings[0].message).toMatch(/^test\.blo: Blockfile header dimensions larger than file size! The file holds 4 of 6 frames/);
    const all = await blockfile.readAll();
    expect(all.subarray(0, 4 * 16 + 5)).toEqual(data.subarray(0, 4 * 16 + 5));
    expect(all.subarray(4 * 16 + 5).every((v) => v === 0)).toBe(true);
    expect(await blockfile.verifyFrames()).toMatchObject({ checked: 4, missing: 2, bad: { count: 0 } });
  });

  it('refuse a header that promises far more than the file holds', async () => {
    const { bytes } = await buildBlockfile({ nx: 3, ny: 2, dpSize: 4 });
    await expectError(open(patchHeader(bytes, { DP_SZ: 4000 })), 'TOO_LARGE', /promises 6 frames of 4000×4000/);
  });
});

describe('malformed files', () => {
  it('each gets a typed error naming the file and the problem', async () => {
    const { bytes } = await buildBlockfile({ nx: 3, ny: 2, dpSize: 4 });
    await expectError(open(new Uint8Array(0)), 'TOO_SHORT', /file is 0 bytes, shorter than the 240-byte/);
    await expectError(open(bytes.subarray(0, 100)), 'TOO_SHORT', /100 bytes/);
    await expectError(open(patchHeader(bytes, { ID: 'IMGBLX' })), 'BAD_ID', /not a blockfile: ID is "IMGBLX"/);
    await expectError(open(patchHeader(bytes, { Data_offset_2: 1e7 })), 'BAD_OFFSET', /Data_offset_2 \(10000000\) is past the end of the file/);
    await expectError(open(patchHeader(bytes, { DP_SZ: 0 })), 'BAD_DIMENSIONS', /DP_SZ is 0/);
    await expectError(open(patchHeader(bytes, { NX: 0 })), 'BAD_DIMENSIONS', /NX is 0/);
    await expectError(open(patchHeader(bytes, { NX: 60000, NY: 60000 })), 'TOO_LARGE', /header promises 3600000000 frames/);
  });

  it('an unknown MAGIC warns and reading goes on', async () => {
    const { bytes, data } = await buildBlockfile({ nx: 3, ny: 2, dpSize: 4 });
    const blockfile = await open(patchHeader(bytes, { MAGIC: 0x0200 }));
    expect(blockfile.warnings.map((w) => w.code)).toEqual(['UNKNOWN_MAGIC']);
    expect(blockfile.warnings[0].message).toMatch(/^test\.blo: unrecognized format version \(MAGIC 0x0200\)/);
    expect(await blockfile.readAll()).toEqual(data);
  });

  it('a 1.3 note with an unreadable bit depth warns and reads 8-bit', async () => {
    const { bytes } = await buildBlockfile({ nx: 1, ny: 1, dpSize: 4, note: 'Blo Bit Depth: many bits' });
    const blockfile = await open(patchHeader(bytes, { MAGIC: 0x0103 }));
    expect(blockfile.dtype).toBe('uint8');
    expect(blockfile.warnings.map((w) => w.code)).toEqual(['NOTE_BIT_DEPTH']);
  });

  it('a broken frame prefix or index is read as HyperSpy reads it, with a warning naming the frame; strict mode refuses it', async () => {
    const { bytes, data } = await buildBlockfile({ nx: 3, ny: 2, dpSize: 4 });
    const o2 = parseHeader(bytes).Data_offset_2;
    const badMarker = bytes.slice();
    badMarker[o2 + 2 * 22] = 0x12;
    const lenient = await open(badMarker);
    expect(lenient.warnings).toEqual([]);
    expect(await lenient.readAll()).toEqual(data);
    expect(lenient.warnings.map((w) => w.code)).toEqual(['BAD_FRAME_PREFIX']);
    expect(lenient.warnings[0].message).toMatch(/^test\.blo: 1 frame record read so far has a wrong AA 55 marker or frame index \(frame 2\)/);
    await expectError((await open(badMarker, { strict: true })).readAll(), 'BAD_FRAME', /frame 2 does not start with AA 55 \(found 12 55\)/);
    const badIndex = bytes.slice();
    badIndex[o2 + 3 * 22 + 2] = 9;
    await expectError((await open(badIndex, { strict: true })).frame(3), 'BAD_FRAME', /frame 3 is labelled as frame 9/);
    // The other frames still read, in strict mode too.
    expect(await (await open(badIndex, { strict: true })).frame(2)).toHaveLength(16);
    expect(await (await open(badIndex)).frame(3)).toEqual(data.subarray(48, 64));
  });

  it('out-of-range frame requests are errors', async () => {
    const { bytes } = await buildBlockfile({ nx: 3, ny: 2, dpSize: 4 });
    const blockfile = await open(bytes);
    await expectError(blockfile.frame(6), 'OUT_OF_RANGE', /frames 6…6 are outside the 6 frames/);
    expect(() => blockfile.indexOf(2, 0)).toThrow(/scan position \(y=2, x=0\) is outside the 2×3 scan/);
  });
});

describe('memory modes', () => {
  it('copy-on-write: changing the data never touches the source', async () => {
    const { bytes } = await buildBlockfile({ nx: 2, ny: 2, dpSize: 4 });
    const before = bytes.slice();
    const signal = await signalOf(await open(bytes));
    signal.data.fill(1);
    expect(bytes).toEqual(before);
    await expect(signal.flush()).rejects.toThrow(/flush\(\) writes back only in mode "r\+"/);
  });

  it('lazy with r+ is refused', async () => {
    const { bytes } = await buildBlockfile({ nx: 2, ny: 2, dpSize: 4 });
    await expect(signalOf(await open(bytes), { lazy: true, mode: 'r+' })).rejects.toThrow(/lazy loading does not support in-place writing/);
  });

  it('lazy gives the open file as data', async () => {
    const { bytes, data } = await buildBlockfile({ nx: 2, ny: 2, dpSize: 4 });
    const signal = await signalOf(await open(bytes), { lazy: true });
    expect(signal.lazy).toBe(true);
    if (!signal.lazy) throw new Error('not lazy');
    expect(await signal.data.frame(3)).toEqual(data.subarray(48));
  });
});
