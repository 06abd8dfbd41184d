/**
 * The CLI as a newcomer meets it: usage errors in one line with a pointer to
 * the command's help, the CLI's own flag names in messages, every numeric
 * option parsed one way (0-based scan positions, no empty parts read as 0),
 * units and rounding in `blo info`, examples at the end of each help.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBlockfile } from './helpers/build.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';
import { encodeNpyHeader } from '../src/npy/npy.js';
import { fixturePath, HAVE_FIXTURES } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
let file: string;
beforeAll(async () => {
  file = join(dir, 'scan.blo');
  writeFileSync(file, (await buildBlockfile({ nx: 4, ny: 3, dpSize: 8 })).bytes);
});

describe('usage errors', () => {
  it('are one line, blo: …, with a pointer to the help of the command (exit 2)', () => {
    const cases: [string[], RegExp][] = [
      [['bogus'], /^blo: unknown command 'bogus'.* \(see blo --help\)$/],
      [['convert', 'a.blo'], /^blo: missing required argument 'output' \(see blo convert --help\)$/],
      [['info', 'a.blo', '--bogus'], /^blo: unknown option '--bogus'.* \(see blo info --help\)$/],
      [['virtual', 'a.blo', '--disk', '1,2'], /^blo: --disk must be CX,CY,R: 3 numbers separated by commas, got "1,2" \(see blo virtual --help\)$/],
    ];
    for (const [args, message] of cases) {
      const result = blo(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(oneLineError(result)).toMatch(message);
    }
  });

  it("use the CLI's flag names, not the library's", () => {
    const out = join(dir, 'out.npy');
    expect(blo('convert', file, out).status).toBe(0);
    const again = blo('convert', file, out);
    expect(again.status).toBe(1);
    expect(oneLineError(again)).toBe(`blo: ${out}: file exists; use --overwrite to replace it`);
    const wide = blo('convert', file, join(dir, 'w.blo'), '--bits', '16', '--intensity-scaling', 'crop');
    expect(wide.status).toBe(1);
    expect(oneLineError(wide)).toMatch(/16-bit blockfiles store pixels unscaled: --intensity-scaling applies to 8-bit output only$/);
  });
});

describe('numeric options', () => {
  it('scan positions count from 0: --frame 0,0 is the first pattern; outside the scan is an error naming it', () => {
    const first = blo('convert', file, join(dir, 'first.png'), '--png', 'pattern', '--frame', '0,0');
    expect(first.status, first.stderr).toBe(0);
    const outside = blo('convert', file, join(dir, 'outside.png'), '--png', 'pattern', '--frame', '3,0');
    expect(outside.status).toBe(1);
    expect(oneLineError(outside)).toMatch(/scan position \(y=3, x=0\) is outside the 3×4 scan/);
  });

  it('refuse empty parts, wrong counts, signs and orders, each naming the option and what it takes', () => {
    const out = join(dir, 'x.npy');
    const png = join(dir, 'x.png');
    const cases: [string[], RegExp][] = [
      [['convert', file, png, '--png', 'pattern', '--frame', '0,'], /--frame must be Y,X: 2 whole numbers ≥ 0 separated by commas, got "0,"/],
      [['convert', file, png, '--png', 'pattern', '--frame', '-1,0'], /--frame must be Y,X/],
      [['convert', file, png, '--png', 'pattern', '--frame', '0.5,0'], /--frame must be Y,X/],
      [['convert', file, png, '--png', 'montage', '--every', '0'], /--every must be a whole number ≥ 1, got "0"/],
      [['convert', file, png, '--percentiles', '5,'], /--percentiles must be LO,HI with 0 ≤ LO < HI ≤ 100/],
      [['convert', file, join(dir, 'x.blo'), '--scan-step', '5,'], /--scan-step must be NM or NMY,NMX: 1 or 2 positive numbers/],
      [['convert', file, join(dir, 'x.blo'), '--calibration', ''], /--calibration must be a positive number, got ""/],
      [['convert', file, join(dir, 'x.blo'), '--intensity-scaling', '5,'], /--intensity-scaling must be LO,HI: 2 numbers/],
      [['virtual', file, '--disk', '1,,3', '-o', out], /--disk must be CX,CY,R: 3 numbers/],
      [['virtual', file, '--annulus', '4,4,6,2', '-o', out], /--annulus must have 0 ≤ R1 ≤ R2, got "4,4,6,2"/],
      [['virtual', file, '--rect', '4,4,2,8', '-o', out], /--rect must have X0 < X1 and Y0 < Y1, got "4,4,2,8"/],
      [['virtual', file, '--disk', '1,2,3', '-o', out, '--workers', '-1'], /--workers must be a whole number ≥ 0, got "-1"/],
      [['sum', file, '-o', out, '--region', '1,2,'], /--region must be CX,CY,R: 3 numbers/],
      [['com', file, '-o', out, '--threshold', 'x'], /--threshold must be a number, got "x"/],
      [['view', file, '--port', ''], /--port must be a whole number ≥ 0 ≤ 65535, got ""/],
      [['view', file, '--port', '70000'], /--port must be a whole number ≥ 0 ≤ 65535, got "70000"/],
    ];
    for (const [args, message] of cases) {
      const result = blo(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(oneLineError(result), args.join(' ')).toMatch(message);
    }
  });

  it('a warning repeated word for word (one per axis, one per pass) is printed once', () => {
    const npy = join(dir, 'f.npy');
    // A float32 .npy to .blo with minmax: two passes over the frames, a units warning for each axis.
    writeFileSync(npy, Buffer.concat([encodeNpyHeader('float32', [2, 2, 4, 4]), Buffer.from(new Float32Array(64).map((_, i) => i).buffer)]));
    const result = blo('convert', npy, join(dir, 'f.blo'), '--intensity-scaling', 'minmax');
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(new Set(lines).size).toBe(lines.length);
  });
});

describe('blo info', () => {
  it.skipIf(!HAVE_FIXTURES)('gives numbers with units and sensible rounding', () => {
    const info = blo('info', fixturePath('astar-test1.blo'));
    expect(info.stdout).toMatch(/^Scan +3 × 2 positions, step 12\.8 nm \(y\) × 12\.8 nm \(x\)$/m);
    expect(info.stdout).toMatch(/^Patterns +144 × 144 pixels, uint8, 0\.016062 cm\/pixel \(SDP 6226: 62\.26 pixels\/cm\)$/m);
    expect(info.stdout).toMatch(/^Camera length +200 mm \(header 2000, tenths of a mm\)$/m);
    expect(info.stdout).toMatch(/^Beam energy +200 kV$/m);
  });
});

describe('help', () => {
  it('ends with examples for every command', () => {
    const commands = blo('--help').stdout.match(/^ {2}([a-z]+)\b/gm)!.map((c) => c.trim()).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['info', 'convert', 'navigator', 'virtual', 'sum', 'com', 'view', 'demo']));
    for (const command of commands) {
      const help = blo(command, '--help');
      expect(help.status, command).toBe(0);
      // Two or more examples close the help; at least one runs the command itself (others may prepare its input).
      const examples = /\nExamples:\n((?: {2}\$ blo .*\n){2,})$/.exec(help.stdout);
      expect(examples, command).not.toBeNull();
      expect(examples![1], command).toMatch(new RegExp(`^ {2}\\$ blo ${command} `, 'm'));
    }
  });
});
