/** The pure format core: header, note, frame prefixes, dates, npy headers. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bitDepthFromNote,
  checkFramePrefix,
  decodeNote,
  defaultHeader,
  encodeFramePrefix,
  encodeHeader,
  encodeNote,
  HEADER_FIELDS,
  HEADER_SIZE,
  isoToSerialDate,
  parseHeader,
  serialDateToIso,
} from '../src/format/index.js';
import { encodeNpyHeader, parseNpyHeader } from '../src/npy/npy.js';

describe('header', () => {
  it('packs 45 fields into 240 bytes with a float64 at offset 30', () => {
    expect(HEADER_FIELDS).toHaveLength(16 + 8 + 14);
    expect(HEADER_FIELDS.find((f) => f.name === 'SX')?.offset).toBe(30);
    expect(HEADER_FIELDS.find((f) => f.name === 'Acquisition_time')?.offset).toBe(56);
    expect(HEADER_FIELDS.find((f) => f.name === 'Centering_N0')?.offset).toBe(64);
    expect(HEADER_FIELDS.find((f) => f.name === 'Distortion_N13')?.offset).toBe(232);
  });

  it('round-trips any header', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const f64 = fc.double({ noNaN: true });
    fc.assert(
      fc.property(u16, u32, u32, u16, f64, f64, (magic, o1, o2, dp, sx, t) => {
        const header = { ...defaultHeader(), MAGIC: magic, Data_offset_1: o1, Data_offset_2: o2, DP_SZ: dp, SX: sx, Acquisition_time: t };
        const bytes = encodeHeader(header);
        expect(bytes).toHaveLength(HEADER_SIZE);
        expect(parseHeader(bytes)).toEqual(header);
      }),
    );
  });

  it('refuses integer values that do not fit their field', () => {
    expect(() => encodeHeader({ ...defaultHeader(), NX: 70000 })).toThrow(/NX = 70000 does not fit in u16/);
    expect(() => encodeHeader({ ...defaultHeader(), Data_offset_2: -1 })).toThrow(/Data_offset_2/);
  });
});

describe('note', () => {
  it('decodes latin-1 and strips leading and trailing NULs only, as Python strip("\\x00")', () => {
    expect(decodeNote(new Uint8Array([0, 0x41, 0, 0xe9, 0x0d, 0x0a, 0x42, 0, 0]))).toBe('A\0é\r\nB');
  });

  it('encodes latin-1 and cuts to capacity', () => {
    const { bytes, truncated } = encodeNote('Aé€BC', 4);
    expect(Array.from(bytes)).toEqual([0x41, 0xe9, 0x3f, 0x42]);
    expect(truncated).toBe(true);
  });

  it('reads the bit depth of format 1.3 notes as LiberTEM does', () => {
    expect(bitDepthFromNote('Precession angle : 1\r\nBlo Bit Depth: 16 bits\r\n')).toEqual({ bits: 16 });
    expect(bitDepthFromNote('blo bit depth: 8 bits')).toEqual({ bits: 8 });
    expect(bitDepthFromNote('no such line')).toEqual({ bits: 8 });
    expect(bitDepthFromNote('Blo Bit Depth: lots')).toEqual({ bits: 8, unreadable: 'Blo Bit Depth: lots' });
  });
});

describe('frame prefix', () => {
  it('writes AA 55 and the index, and checks them', () => {
    const bytes = new Uint8Array(6);
    encodeFramePrefix(bytes, 0, 0x01020304);
    expect(Array.from(bytes)).toEqual([0xaa, 0x55, 4, 3, 2, 1]);
    expect(checkFramePrefix(bytes, 0, 0x01020304)).toBeUndefined();
    expect(checkFramePrefix(bytes, 0, 7)).toBe('frame 7 is labelled as frame 16909060');
    bytes[0] = 0;
    expect(checkFramePrefix(bytes, 0, 0x01020304)).toMatch(/does not start with AA 55 \(found 00 55\)/);
  });
});

describe('serial dates', () => {
  it('converts as HyperSpy does', () => {
    expect(serialDateToIso(42339.653470046294)).toEqual({ date: '2015-12-01', time: '15:40:59.812000', time_zone: 'UTC' });
    expect(serialDateToIso(42339.654974861114)).toEqual({ date: '2015-12-01', time: '15:43:09.828000', time_zone: 'UTC' });
    expect(serialDateToIso(25570)).toEqual({ date: '1970-01-02', time: '00:00:00', time_zone: 'UTC' });
    expect(serialDateToIso(Number.NaN)).toBeUndefined();
    expect(serialDateToIso(1e12)).toBeUndefined();
  });

  it('inverts', () => {
    expect(isoToSerialDate('1970-01-02')).toBe(25570);
    const serial = isoToSerialDate('2015-12-01', '15:40:59.812')!;
    expect(serialDateToIso(serial)?.time).toBe('15:40:59.812000');
  });
});

describe('npy header', () => {
  it('is 64-byte aligned and parses back', () => {
    const bytes = encodeNpyHeader('uint16', [3, 2, 144, 144]);
    expect(bytes.length % 64).toBe(0);
    expect(parseNpyHeader(bytes)).toEqual({ dtype: 'uint16', shape: [3, 2, 144, 144], fortranOrder: false, dataOffset: bytes.length });
    expect(parseNpyHeader(encodeNpyHeader('uint8', [5])).shape).toEqual([5]);
    expect(parseNpyHeader(encodeNpyHeader('uint8', [])).shape).toEqual([]);
  });
});
