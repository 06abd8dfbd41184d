/**
 * Nothing a file contains crashes, hangs or exhausts the program, and
 * nothing the program does loses data: the malformed corpus through the
 * library and the CLI, property-based round trips and mutations, faults
 * while writing, many readers at once and a reader beside an r+ writer.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockfileError } from '../src/format/errors.js';
import { HEADER_SIZE } from '../src/format/header.js';
import { writeFileAtomically } from '../src/node/atomic-file.js';
import { openBlockfile } from '../src/node/open.js';
import { writeBlockfile } from '../src/node/write.js';
import { Blockfile } from '../src/reader/blockfile.js';
import { MemorySource } from '../src/sources/memory.js';
import { MemorySink } from '../src/writer/sink.js';
import { writeBlockfileTo } from '../src/writer/signal-writer.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

interface Case {
  name: string;
  what: string;
  bytes: Uint8Array;
  /** A typed error, or the warnings once every frame is read and the error strict mode gives instead. */
  expect: { error?: string; warnings?: string[]; strict?: string };
}
let cases: Case[] = [];
beforeAll(async () => {
  // The corpus script runs on the build that `npm test` makes first.
  const corpus = await import(join(REPO_ROOT, 'scripts', 'malformed-corpus.mjs'));
  cases = await corpus.malformedCases();
});

/** Everything a reader does with a file: open, navigator, every frame; the warning codes at the end. */
async function readEverything(bytes: Uint8Array, name: string, strict = false): Promise<string[]> {
  const bf = await Blockfile.open(new MemorySource(bytes, name), { strict });
  if (bf.hasNavigator) expect((await bf.navigator()).data).toHaveLength(bf.layout.nx * bf.layout.ny);
  else await expect(bf.navigator()).rejects.toMatchObject({ code: 'NO_NAVIGATOR' });
  const data = await bf.readAll();
  // Never much beyond the file: the truncation limit bounds what zero-padding may add.
  expect(data.byteLength).toBeLessThanOrEqual(16 * bytes.length + bf.layout.recordSize);
  expect((await bf.verifyFrames()).bad.count > 0).toBe(bf.warnings.some((w) => w.code === 'BAD_FRAME_PREFIX'));
  return bf.warnings.map((w) => w.code);
}

/** The error code reading gives, with the message naming the file; undefined when it succeeds. */
async function errorOf(read: Promise<unknown>, name: string): Promise<string | undefined> {
  return read.then(
    () => undefined,
    (error: unknown) => {
      if (!(error instanceof BlockfileError)) throw new Error(`${name}: not a BlockfileError: ${String(error)}`);
      expect(error.message.startsWith(`${name}.blo: `), error.message).toBe(true);
      return error.code;
    },
  );
}

describe('the malformed corpus', () => {
  it('each case ends in its typed error, or in data with its warnings (strict mode: an error instead)', async () => {
    const checked: string[] = [];
    for (const c of cases) {
      let warnings: string[] = [];
      const error = await errorOf(readEverything(c.bytes, `${c.name}.blo`).then((w) => (warnings = w)), c.name);
      expect(error, c.name).toBe(c.expect.error);
      const strictError = await errorOf(readEverything(c.bytes, `${c.name}.blo`, true), c.name);
      expect(strictError, `${c.name} (strict)`).toBe(c.expect.error ?? c.expect.strict);
      if (!c.expect.error) {
        expect(warnings.sort(), c.name).toEqual([...(c.expect.warnings ?? [])].sort());
        // Strict mode refuses exactly the files that warn.
        expect(c.expect.strict === undefined, c.name).toBe(warnings.length === 0);
      }
      checked.push(`${c.name.padEnd(28)} ${c.expect.error ? `error ${c.expect.error}` : `data${c.expect.warnings?.length ? `, warnings ${c.expect.warnings.join(' ')}; strict: ${c.expect.strict}` : ''}`}  (${c.what})`);
    }
    console.log(`malformed corpus: ${checked.length} cases checked\n  ${checked.join('\n  ')}`);
    expect(checked.length).toBeGreaterThanOrEqual(34);
  });

  it('the CLI: one line and exit 1, or exit 0 with warnings; --strict exits 1 on a warning; never a partial output', () => {
    for (const c of cases) {
      const file = join(dir, `${c.name}.blo`);
      writeFileSync(file, c.bytes);
      const fails = c.expect.error !== undefined;
      const nameInError = new RegExp(`^blo: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `);
      const info = blo('info', file);
      expect(info.status, `info ${c.name}: ${info.stderr}`).toBe(fails ? 1 : 0);
      if (fails) expect(oneLineError(info)).toMatch(nameInError);
      else {
        expect(info.stderr, c.name).toBe('');
        // Text from the file never reaches the terminal raw.
        expect(info.stdout, c.name).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
        for (const code of c.expect.warnings ?? []) expect(info.stdout, `${c.name} ${code}`).toMatch(/^Warning /m);
      }
      const strict = blo('info', file, '--strict');
      expect(strict.status, `info --strict ${c.name}: ${strict.stderr}`).toBe(fails || c.expect.strict ? 1 : 0);
      if (fails || c.expect.strict) expect(oneLineError(strict)).toMatch(nameInError);
      const out = join(dir, `${c.name}.npy`);
      const convert = blo('convert', file, out);
      expect(convert.status, `convert ${c.name}: ${convert.stderr}`).toBe(fails ? 1 : 0);
      expect(existsSync(out), c.name).toBe(!fails);
      if (fails) oneLineError(convert);
      else for (const line of convert.stderr.split('\n').filter(Boolean)) expect(line, c.name).toMatch(/^warning: /);
    }
    expect(readdirSync(dir).filter((f) => f.includes('.blo-partial-'))).toEqual([]);
  }, 240_000);
});

describe('properties', () => {
  const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 200 }).map((s) => s.trim());

  it('random shapes, values, bit depths, notes and metadata round-trip exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ny: fc.integer({ min: 1, max: 4 }),
          nx: fc.integer({ min: 1, max: 5 }),
          dp: fc.integer({ min: 1, max: 9 }),
          bits: fc.constantFrom(8 as const, 16 as const),
          note: latin1,
          seed: fc.integer(),
          step: fc.double({ min: 0.01, max: 1000, noNaN: true }),
          date: fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        }),
        async ({ ny, nx, dp, bits, note, seed, step, date }) => {
          const n = ny * nx * dp * dp;
          const data = bits === 16 ? new Uint16Array(n) : new Uint8Array(n);
          let s = seed >>> 0;
          for (let i = 0; i < n; i++) data[i] = (s = (s * 1664525 + 1013904223) >>> 0) >>> (bits === 16 ? 16 : 24);
          const iso = date.toISOString();
          const signal = {
            data,
            shape: [ny, nx, dp, dp],
            axes: [
              { name: 'y', size: ny, scale: step, offset: 0, units: 'nm', navigate: true },
              { name: 'x', size: nx, scale: step, offset: 0, units: 'nm', navigate: true },
              { name: 'dy', size: dp, scale: 0.01, offset: 0, units: 'cm', navigate: false },
              { name: 'dx', size: dp, scale: 0.01, offset: 0, units: 'cm', navigate: false },
            ],
            metadata: { General: { date: iso.slice(0, 10), time: iso.slice(11, 19), notes: note } },
          };
          const sink = new MemorySink('p.blo');
          const warnings = await writeBlockfileTo(sink, signal, { bitDepth: bits });
          expect(warnings).toEqual([]);
          const bf = await Blockfile.open(new MemorySource(sink.bytes(), 'p.blo'));
          expect(bf.warnings).toEqual([]);
          expect(await bf.readAll()).toEqual(data);
          expect(bf.shape).toEqual([ny, nx, dp, dp]);
          expect(bf.header.SX).toBe(step);
          // A serial date in days holds about a microsecond near 2100: compare instants, not strings.
          const back = Date.parse(`${bf.metadata.General.date}T${bf.metadata.General.time}Z`);
          expect(Math.abs(back - Date.parse(`${iso.slice(0, 19)}Z`))).toBeLessThanOrEqual(1);
          // The 16-bit line comes first; the note itself follows unchanged.
          expect(bits === 16 ? bf.note.split('\r\n').slice(1).join('\r\n') : bf.note).toBe(note);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random header mutations and truncations end in data or a typed error', async () => {
    const sink = new MemorySink('m.blo');
    await writeBlockfileTo(sink, { data: Uint8Array.from({ length: 3 * 4 * 64 }, (_, i) => i & 255), shape: [3, 4, 8, 8] });
    const base = sink.bytes();
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('bytes' as const), at: fc.array(fc.tuple(fc.integer({ min: 0, max: HEADER_SIZE - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }) }),
      fc.record({ kind: fc.constant('anywhere' as const), at: fc.array(fc.tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.array(fc.tuple(fc.integer({ min: 0, max: base.length }), fc.constant(0)), { minLength: 1, maxLength: 1 }) }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async ({ kind, at }) => {
        let bytes = base.slice();
        if (kind === 'truncate') bytes = bytes.subarray(0, at[0][0]);
        else for (const [i, v] of at) bytes[i] = v;
        try {
          await readEverything(bytes, 'm.blo');
        } catch (error) {
          expect(error).toBeInstanceOf(BlockfileError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('faults while writing', () => {
  it('an I/O error (EIO) mid-write leaves no partial target and the old file intact', async () => {
    const target = join(dir, 'eio.blo');
    writeFileSync(target, 'previous');
    const eio = Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    await expect(
      writeFileAtomically(target, { overwrite: true }, async (sink) => {
        await sink.write(new Uint8Array(1000), 0);
        throw eio;
      }),
    ).rejects.toBe(eio);
    expect(readFileSync(target, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((f) => f.startsWith('.eio.blo'))).toEqual([]);
  });
});

describe('concurrency', () => {
  it('many readers of one file at once read the same frames', async () => {
    const path = join(dir, 'many.blo');
    const data = Uint8Array.from({ length: 8 * 8 * 16 * 16 }, (_, i) => (i * 13) & 255);
    await writeBlockfile(path, { data, shape: [8, 8, 16, 16] });
    const readers = await Promise.all(Array.from({ length: 12 }, () => openBlockfile(path)));
    const frames = await Promise.all(readers.flatMap((bf, r) => Array.from({ length: 16 }, (_, k) => bf.frame((r * 7 + k * 5) % 64).then((f) => [(r * 7 + k * 5) % 64, f] as const))));
    for (const [i, f] of frames) expect(f).toEqual(data.subarray(i * 256, (i + 1) * 256));
    await Promise.all(readers.map((bf) => bf.close()));
  });

  it('a reader beside an r+ writer sees each frame whole, old or new', async () => {
    const path = join(dir, 'beside.blo');
    const data = new Uint8Array(4 * 4 * 32 * 32).fill(1);
    await writeBlockfile(path, { data, shape: [4, 4, 32, 32] });
    const writer = await openBlockfile(path, { writable: true });
    const reader = await openBlockfile(path);
    const writes = (async () => {
      for (let round = 2; round < 12; round++) for (let i = 0; i < 16; i++) await writer.writeFrames(i, new Uint8Array(1024).fill(round));
    })();
    const reads = (async () => {
      for (let k = 0; k < 200; k++) {
        const frame = await reader.frame(k % 16);
        // Positional writes of whole frames: a reader may see a frame mid-update only as two
        // values, never anything else, and the prefixes stay valid throughout.
        expect(new Set(frame).size).toBeLessThanOrEqual(2);
      }
    })();
    await Promise.all([writes, reads]);
    expect(new Set(await reader.frame(15))).toEqual(new Set([11]));
    expect(await reader.verifyFrames()).toMatchObject({ checked: 16, missing: 0, bad: { count: 0 } });
    await writer.close();
    await reader.close();
  });
});
