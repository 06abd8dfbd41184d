/** The writer's contract beyond HyperSpy's fixtures: header from signal, units, shapes, options, layout, streaming. */
import { describe, expect, it } from 'vitest';
import type { Axis, NumericArray } from '../src/format/types.js';
import { FRAME_PREFIX_SIZE } from '../src/format/frame.js';
import { Blockfile } from '../src/reader/blockfile.js';
import { signalOf } from '../src/reader/load.js';
import { MemorySource } from '../src/sources/memory.js';
import { MemorySink } from '../src/writer/sink.js';
import { writeBlockfileTo, writeFrameStreamTo, type WritableSignal, type WriteOptions } from '../src/writer/signal-writer.js';
import type { WriteProgress } from '../src/writer/stream-writer.js';

async function write(signal: WritableSignal, options: WriteOptions = {}) {
  const sink = new MemorySink('out.blo');
  const warnings = await writeBlockfileTo(sink, signal, options);
  const bf = await Blockfile.open(new MemorySource(sink.bytes(), 'out.blo'));
  return { bf, warnings, bytes: sink.bytes() };
}

function axis(name: string, size: number, scale: number, units: string, navigate: boolean): Axis {
  return { name, size, scale, offset: 0, units, navigate };
}

function ramp(n: number, mod = 256): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 6)) % mod);
}

describe('header from the signal', () => {
  it.each([
    ['nm', 'cm', 2.5, 0.01, 2.5, 0.01],
    ['µm', 'mm', 0.0025, 0.1, 2.5, 0.01],
    ['um', 'm', 0.0025, 0.0001, 2.5, 0.01],
    ['m', 'Å', 2.5e-9, 1e6, 2.5, 0.01],
  ])('navigation in %s and signal in %s become nm and cm', async (navUnits, sigUnits, navScale, sigScale, nm, cm) => {
    const data = ramp(2 * 3 * 16 * 16);
    const axes = [axis('y', 2, navScale, navUnits, true), axis('x', 3, navScale, navUnits, true), axis('dy', 16, sigScale, sigUnits, false), axis('dx', 16, sigScale, sigUnits, false)];
    const { bf, warnings } = await write({ data, shape: [2, 3, 16, 16], axes });
    expect(warnings).toEqual([]);
    expect(bf.header.SX).toBeCloseTo(nm, 9);
    expect(bf.header.SY).toBeCloseTo(nm, 9);
    expect(bf.header.SDP).toBe(Math.trunc(100 / cm));
    expect(bf.axes[0]).toMatchObject({ units: 'nm' });
    expect(bf.axes[2]).toMatchObject({ units: 'cm' });
  });

  it('warns, as HyperSpy, for missing and unconvertible units and writes scales as they are', async () => {
    const axes = [axis('x', 3, 7, 'px', true), axis('dy', 8, 1, '', false), axis('dx', 8, 1, '', false)];
    const { bf, warnings } = await write({ data: ramp(3 * 64), shape: [3, 8, 8], axes });
    expect(warnings.map((w) => w.code)).toEqual(['UNITS', 'UNITS', 'UNITS']);
    expect(warnings[2].message).toBe(
      'out.blo: BLO file expects nm units in navigation dimensions. Existing units, px could not be converted; saving axes scales as is. Beware that scales will likely be incorrect in the file.',
    );
    expect(bf.header.SX).toBe(7);
  });

  it.each([
    [[16, 16], 1, 1],
    [[5, 16, 16], 5, 1],
    [[4, 5, 16, 16], 5, 4],
  ])('navigation of %j gives NX %i, NY %i', async (shape, nx, ny) => {
    const data = ramp(shape.reduce((a, b) => a * b, 1));
    const { bf } = await write({ data, shape });
    expect([bf.header.NX, bf.header.NY, bf.header.DP_SZ]).toEqual([nx, ny, 16]);
    expect(await bf.readAll()).toEqual(data);
  });

  it('refuses non-square patterns, a 3-D scan, and data that does not fill its shape', async () => {
    await expect(write({ data: ramp(2 * 4 * 6), shape: [2, 4, 6] })).rejects.toThrow(/out\.blo: Blockfiles require signal shape to be square! Got 4×6/);
    await expect(write({ data: ramp(2 * 2 * 2 * 16), shape: [2, 2, 2, 4, 4] })).rejects.toThrow(/at most 2 dimensions/);
    await expect(write({ data: ramp(10), shape: [4, 4] })).rejects.toThrow(/data has 10 values, its shape \[4, 4\] says 16/);
  });

  it('keeps the fields of original_metadata.blockfile_header, computes dimensions, and cuts a long note with a warning', async () => {
    const { bf: original } = await write({ data: ramp(2 * 2 * 64), shape: [2, 2, 8, 8] });
    const header = { ...original.header, Beam_energy: 300000, Camera_length: 125, NX: 999, Data_offset_2: 1 };
    const note = 'x'.repeat(5000);
    const { bf, warnings } = await write({ data: ramp(3 * 64), shape: [3, 8, 8], original_metadata: { blockfile_header: { ...header, Note: note } } });
    expect(bf.header.Beam_energy).toBe(300000);
    expect(bf.header.Camera_length).toBe(125);
    expect(bf.header.NX).toBe(3);
    expect(bf.header.Data_offset_2 % 16).toBe(0);
    expect(warnings.map((w) => w.code)).toContain('NOTE_TRUNCATED');
    expect(bf.note.length).toBeLessThan(note.length);
    expect(note.startsWith(bf.note)).toBe(true);
  });

  it('round-trips a signal read from a blockfile: data, axes, metadata and header', async () => {
    const axes = [axis('y', 2, 3, 'nm', true), axis('x', 2, 3, 'nm', true), axis('dy', 8, 0.02, 'cm', false), axis('dx', 8, 0.02, 'cm', false)];
    const { bf: first } = await write({ data: ramp(256), shape: [2, 2, 8, 8], axes, metadata: { General: { date: '2024-03-05', time: '10:11:12', notes: 'grain boundary' } } });
    const signal = await signalOf(first);
    const { bf: second, warnings } = await write(signal);
    expect(warnings).toEqual([]);
    const again = await signalOf(second);
    expect(again.data).toEqual(signal.data);
    expect(again.axes).toEqual(signal.axes);
    expect(again.metadata).toEqual(signal.metadata);
    expect(again.original_metadata).toEqual(signal.original_metadata);
    expect(signal.metadata.General).toMatchObject({ date: '2024-03-05', time: '10:11:12', notes: 'grain boundary' });
  });
});

describe('layout', () => {
  it('puts frames at the next 16-byte boundary after the VBF, each with AA 55 and its index', async () => {
    const { bf, bytes } = await write({ data: ramp(3 * 5 * 36), shape: [3, 5, 6, 6] });
    const { Data_offset_1, Data_offset_2 } = bf.header;
    expect(Data_offset_2).toBe(Math.ceil((Data_offset_1 + 15) / 16) * 16);
    const record = FRAME_PREFIX_SIZE + 36;
    expect(bytes.length).toBe(Data_offset_2 + 15 * record);
    for (let i = 0; i < 15; i++) {
      const at = Data_offset_2 + i * record;
      expect([bytes[at], bytes[at + 1]]).toEqual([0xaa, 0x55]);
      expect(new DataView(bytes.buffer, bytes.byteOffset + at + 2, 4).getUint32(0, true)).toBe(i);
    }
  });
});

describe('options', () => {
  it('scaling: none wraps non-uint8 values with a warning, as numpy casts', async () => {
    const data = Int16Array.from([-1, 256, 257, 300]);
    const { bf, warnings } = await write({ data, shape: [2, 2] });
    expect(warnings.map((w) => w.code)).toContain('OVERFLOW');
    expect([...(await bf.readAll())]).toEqual([255, 0, 1, 44]);
  });

  it("scaling: 'dtype' refuses float data, [lo, hi] must be ordered", async () => {
    await expect(write({ data: new Float32Array(4), shape: [2, 2] }, { intensityScaling: 'dtype' })).rejects.toThrow(/float dtype can not use 'dtype'/);
    await expect(write({ data: new Uint8Array(4), shape: [2, 2] }, { intensityScaling: [5, 1] })).rejects.toThrow(/lo ≤ hi/);
  });

  it('navigator: the mean of each pattern by default, zeros for null, an image scaled like the data, a wrong shape refused', async () => {
    const data = Uint16Array.from({ length: 2 * 2 * 4 }, (_, i) => i * 100);
    const base = { data, shape: [2, 2, 2, 2] };
    const scaling: WriteOptions = { intensityScaling: [0, 1500] };
    const mean = await (await write(base, scaling)).bf.navigator();
    // Frame means 150, 550, 950, 1350 scaled from 0–1500 onto 0–255.
    expect([...mean.data]).toEqual([25, 93, 161, 229]);
    expect([...(await (await write(base, { ...scaling, navigatorSignal: null })).bf.navigator()).data]).toEqual([0, 0, 0, 0]);
    const image = Uint16Array.from([0, 300, 750, 1500]);
    const given = await (await write(base, { ...scaling, navigatorSignal: { data: image, shape: [2, 2] } })).bf.navigator();
    expect([...given.data]).toEqual([0, 51, 127, 255]);
    await expect(write(base, { navigatorSignal: { data: new Uint8Array(3), shape: [3] } })).rejects.toThrow(/does not match the navigation dimensions/);
  });

  it('bitDepth 16 writes format 1.3 with the note line LiberTEM reads, pixels unscaled', async () => {
    const data = Uint16Array.from({ length: 2 * 16 }, (_, i) => i * 2000);
    const { bf, bytes } = await write({ data, shape: [2, 4, 4] }, { bitDepth: 16 });
    expect(bf.header.MAGIC).toBe(0x0103);
    expect(bf.dtype).toBe('uint16');
    expect(bf.note).toMatch(/^BLO bit depth: 16/i);
    expect(await bf.readAll()).toEqual(data);
    expect(bytes.length).toBe(bf.header.Data_offset_2 + 2 * (FRAME_PREFIX_SIZE + 32));
    await expect(write({ data, shape: [2, 4, 4] }, { bitDepth: 16, intensityScaling: 'dtype' })).rejects.toThrow(/8-bit output only/);
  });

  it('reports progress after each block up to the whole file', async () => {
    const events: WriteProgress[] = [];
    const { bytes } = await write({ data: ramp(96 * 96 * 32 * 32), shape: [96, 96, 32, 32] }, { onProgress: (p) => events.push(p) });
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e, i) => i === 0 || e.frames > events[i - 1].frames)).toBe(true);
    expect(events.at(-1)).toEqual({ frames: 9216, totalFrames: 9216, bytes: bytes.length, totalBytes: bytes.length });
  });
});

describe('streaming writer', () => {
  const data = Float32Array.from({ length: 6 * 9 * 100 }, (_, i) => Math.sin(i) * 1000);
  const shape = [6, 9, 10, 10];
  async function* blocksOf(values: Float32Array, per: number): AsyncGenerator<NumericArray> {
    for (let at = 0; at < values.length; at += per) yield values.subarray(at, at + per);
  }

  it("equals the in-memory writer, 'minmax' by a first pass over the stream", async () => {
    const { bytes: expected } = await write({ data, shape }, { intensityScaling: 'minmax' });
    const sink = new MemorySink('stream.blo');
    await writeFrameStreamTo(sink, { shape, dtype: 'float32' }, () => blocksOf(data, 700), { intensityScaling: 'minmax' });
    expect(sink.bytes()).toEqual(expected);
  });

  it('refuses a one-shot stream for minmax, a short stream and frames of the wrong type', async () => {
    await expect(writeFrameStreamTo(new MemorySink('a.blo'), { shape, dtype: 'float32' }, blocksOf(data, 700), { intensityScaling: 'minmax' })).rejects.toThrow(/reads it twice/);
    await expect(writeFrameStreamTo(new MemorySink('b.blo'), { shape, dtype: 'float32' }, blocksOf(data.subarray(0, 500), 100))).rejects.toThrow(/ended after 5 of 54 frames/);
    await expect(writeFrameStreamTo(new MemorySink('c.blo'), { shape, dtype: 'uint8' }, blocksOf(data, 100))).rejects.toThrow(/whole uint8 frames/);
  });
});
