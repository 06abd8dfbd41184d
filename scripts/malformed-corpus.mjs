#!/usr/bin/env node
// A corpus of malformed blockfiles, each with what reading it must give: a
// typed error (its code), or data with warnings (their codes, once every
// frame has been read: frame-level damage shows when frames are read) and
// the error strict mode gives instead. `node scripts/malformed-corpus.mjs DIR`
// writes them to DIR with an index.json; the tests use `malformedCases()`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BlockfileStreamWriter, MemorySink, encodeHeader, parseHeader } from '../dist/index.js';

const NX = 4;
const NY = 3;
const DP = 8;
const RECORD = 6 + DP * DP;

async function valid({ note = 'Precession angle : 0.5', bits = 8 } = {}) {
  const sink = new MemorySink('valid.blo');
  const writer = new BlockfileStreamWriter(sink, { nx: NX, ny: NY, dpSize: DP, bits, note, header: { SX: 5, SY: 5, SDP: 5000, Beam_energy: 200000 } });
  const pixels = NX * NY * DP * DP;
  const data = bits === 16 ? new Uint16Array(pixels) : new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) data[i] = (i * 7) % (bits === 16 ? 65536 : 256);
  await writer.writeFrames(data);
  await writer.finish();
  return sink.bytes();
}

function patch(bytes, fields) {
  const out = bytes.slice();
  out.set(encodeHeader({ ...parseHeader(out), ...fields }));
  return out;
}

/** Every case: name, what is wrong, the bytes, and the expected outcome. */
export async function malformedCases() {
  const base = await valid();
  const h = parseHeader(base);
  const o1 = h.Data_offset_1;
  const o2 = h.Data_offset_2;
  const vbfEnd = o1 + NX * NY;
  const cases = [];
  const add = (name, what, bytes, expect) => cases.push({ name, what, bytes, expect });

  add('valid', 'a well-formed 3 × 4 scan of 8 × 8 patterns', base, { warnings: [] });
  add('empty', 'no bytes at all', new Uint8Array(0), { error: 'TOO_SHORT' });
  add('shorter-than-header', '100 bytes of a header', base.subarray(0, 100), { error: 'TOO_SHORT' });
  add('wrong-id', 'ID is not IMGBLO', patch(base, { ID: 'PNGBLO' }), { error: 'BAD_ID' });
  add('unknown-magic', 'MAGIC 0x0999', patch(base, { MAGIC: 0x0999 }), { warnings: ['UNKNOWN_MAGIC'], strict: 'BAD_HEADER' });
  // HyperSpy never reads the navigator: a wrong Data_offset_1 leaves the frames readable.
  add('offset1-inside-header', 'Data_offset_1 before the header ends', patch(base, { Data_offset_1: 100 }), { warnings: ['NAVIGATOR_UNAVAILABLE'], strict: 'BAD_OFFSET' });
  add('offset1-past-end', 'Data_offset_1 past the end of the file', patch(base, { Data_offset_1: base.length + 10 }), { warnings: ['NAVIGATOR_UNAVAILABLE'], strict: 'BAD_OFFSET' });
  add('offset1-huge', 'Data_offset_1 = 2³² − 1', patch(base, { Data_offset_1: 0xffffffff }), { warnings: ['NAVIGATOR_UNAVAILABLE'], strict: 'BAD_OFFSET' });
  add('vbf-runs-into-frames', 'Data_offset_1 so that the navigator image runs into the first frame record', patch(base, { Data_offset_1: o2 - 4 }), { warnings: ['NAVIGATOR_OVERLAP'], strict: 'BAD_OFFSET' });
  // The frames start inside the navigator image (a writer that put them there): HyperSpy reads them.
  const early = new Uint8Array(o1 + 2 + (base.length - o2));
  early.set(patch(base, { Data_offset_2: o1 + 2 }).subarray(0, o1 + 2));
  early.set(base.subarray(o2), o1 + 2);
  add('frames-inside-vbf', 'Data_offset_2 inside the navigator image, the frames there', early, { warnings: ['NAVIGATOR_OVERLAP'], strict: 'BAD_OFFSET' });
  // Data_offset_2 wrong: read from there (HyperSpy refuses the size), every record misaligned and listed.
  add('offset2-before-vbf-end', 'Data_offset_2 inside the navigator image, the frames elsewhere', patch(base, { Data_offset_2: o1 + 2 }), { warnings: ['NAVIGATOR_OVERLAP', 'BAD_FRAME_PREFIX'], strict: 'BAD_OFFSET' });
  add('offset2-past-end', 'Data_offset_2 past the end of the file', patch(base, { Data_offset_2: base.length + 1 }), { error: 'BAD_OFFSET' });
  add('offset2-huge', 'Data_offset_2 = 2³² − 1', patch(base, { Data_offset_2: 0xffffffff }), { error: 'BAD_OFFSET' });
  add('dp-zero', 'DP_SZ 0', patch(base, { DP_SZ: 0 }), { error: 'BAD_DIMENSIONS' });
  add('nx-zero', 'NX 0', patch(base, { NX: 0 }), { error: 'BAD_DIMENSIONS' });
  add('ny-zero', 'NY 0', patch(base, { NY: 0 }), { error: 'BAD_DIMENSIONS' });
  add('dp-huge', 'DP_SZ 65535: 4 GiB per pattern', patch(base, { DP_SZ: 65535 }), { error: 'TOO_LARGE' });
  add('nx-ny-huge', 'NX = NY = 65535: a 4-billion-frame scan', patch(base, { NX: 65535, NY: 65535 }), { error: 'TOO_LARGE' });
  add('nx-larger', 'NX 9 in a file written for 4: more frames than bytes, the navigator image runs into the frames', patch(base, { NX: 9 }), { warnings: ['TRUNCATED', 'NAVIGATOR_OVERLAP'], strict: 'TOO_SHORT' });
  add('nan-floats', 'SX NaN, SY +∞, Distortion_N00 −∞, Acquisition_time NaN', patch(base, { SX: NaN, SY: Infinity, Distortion_N00: -Infinity, Acquisition_time: NaN }), { warnings: ['NON_FINITE_HEADER'], strict: 'BAD_HEADER' });
  const binary = base.slice();
  for (let i = 240; i < 240 + 300; i++) binary[i] = (i * 37) & 0xff;
  add('binary-note', 'a note of binary bytes (read as latin-1)', binary, { warnings: [] });
  add('note-terminal-controls', 'a note that retitles the terminal (ESC ] 0 ; … BEL), clears it (ESC [ 2 J) and holds a C1 CSI (0x9B)',
    await valid({ note: 'Precession angle : 0.5\x1b]0;pwned\x07\x1b[2J\x9b31mred' }), { warnings: [] });
  add('bit-depth-unreadable', 'format 1.3 whose note has an unreadable bit-depth line', await (async () => {
    const b = await valid({ note: 'BLO bit depth: sixteen' });
    return patch(b, { MAGIC: 0x0103 });
  })(), { warnings: ['NOTE_BIT_DEPTH'], strict: 'BAD_NOTE' });
  // HyperSpy ignores the record prefixes: the pixels are read, the broken records listed.
  const badMarker = base.slice();
  badMarker[o2 + 5 * RECORD] = 0x00;
  add('broken-frame-marker', 'frame 5 does not start with AA 55', badMarker, { warnings: ['BAD_FRAME_PREFIX'], strict: 'BAD_FRAME' });
  const badIndex = base.slice();
  new DataView(badIndex.buffer).setUint32(o2 + 7 * RECORD + 2, 99, true);
  add('wrong-frame-index', 'frame 7 says it is frame 99', badIndex, { warnings: ['BAD_FRAME_PREFIX'], strict: 'BAD_FRAME' });

  // Truncation at every region boundary, and inside each region.
  const cuts = [
    ['header-end', 240, { error: 'BAD_OFFSET' }],
    ['inside-note', 1000, { error: 'BAD_OFFSET' }],
    ['at-vbf', o1, { error: 'BAD_OFFSET' }],
    ['inside-vbf', o1 + 5, { error: 'BAD_OFFSET' }],
    ['at-vbf-end', vbfEnd, { error: 'BAD_OFFSET' }],
    ['at-frames', o2, { warnings: ['TRUNCATED'], strict: 'TOO_SHORT' }],
    ['inside-first-prefix', o2 + 3, { warnings: ['TRUNCATED'], strict: 'TOO_SHORT' }],
    ['after-first-prefix', o2 + 6, { warnings: ['TRUNCATED'], strict: 'TOO_SHORT' }],
    ['after-first-frame', o2 + RECORD, { warnings: ['TRUNCATED'], strict: 'TOO_SHORT' }],
    ['mid-frames', o2 + 6 * RECORD + 20, { warnings: ['TRUNCATED'], strict: 'TOO_SHORT' }],
    ['last-byte-missing', base.length - 1, { warnings: ['TRUNCATED'], strict: 'TOO_SHORT' }],
  ];
  for (const [where, at, expect] of cuts) add(`truncated-${where}`, `cut at byte ${at} of ${base.length}`, base.subarray(0, at), expect);
  return cases;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node scripts/malformed-corpus.mjs DIR');
    process.exit(2);
  }
  mkdirSync(dir, { recursive: true });
  const cases = await malformedCases();
  for (const c of cases) writeFileSync(join(dir, `${c.name}.blo`), c.bytes);
  writeFileSync(join(dir, 'index.json'), `${JSON.stringify(cases.map(({ name, what, expect }) => ({ file: `${name}.blo`, what, expect })), null, 2)}\n`);
  console.log(`${cases.length} files in ${dir}`);
}
