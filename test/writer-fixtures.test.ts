/** The writer against HyperSpy 1.7.3's own output for every input in ../shared/fixtures/writer. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Blockfile } from '../src/reader/blockfile.js';
import { MemorySource } from '../src/sources/memory.js';
import { MemorySink } from '../src/writer/sink.js';
import { writeBlockfileTo } from '../src/writer/signal-writer.js';
import type { IntensityScaling } from '../src/writer/pixels.js';
import { decodeNpy } from '../src/npy/npy.js';
import { FIXTURES, fixtureJson, HAVE_FIXTURES, sha256 } from './helpers/fixtures.js';

/** "u16-range-5-200" → input-u16.npy with [5, 200]; "f32-minmax-navnone" → minmax and navigator null. */
function caseOf(name: string): { input: string; scaling?: IntensityScaling; navNone: boolean } {
  const [kind, ...rest] = name.split('-');
  const option = rest.join('-');
  const input = kind === 'u8' ? `input-u8-${option}.npy` : `input-${kind}.npy`;
  const range = /^range-(\d+)-(\d+)$/.exec(option);
  const scaling = kind === 'u8' || option === 'noscaling' ? undefined : range ? ([Number(range[1]), Number(range[2])] as const) : (option.replace('-navnone', '') as IntensityScaling);
  return { input, scaling, navNone: option.endsWith('navnone') };
}

const cases = HAVE_FIXTURES ? readdirSync(`${FIXTURES}/writer`).filter((f) => f.endsWith('.blo')).map((f) => f.replace(/\.blo$/, '')) : [];

describe.skipIf(!HAVE_FIXTURES)('writer output equals HyperSpy 1.7.3 writer output', () => {
  it.each(cases)('%s', async (name) => {
    const { input, scaling, navNone } = caseOf(name);
    const { header, data } = decodeNpy(readFileSync(`${FIXTURES}/writer/${input}`), input);
    const sink = new MemorySink(`${name}.blo`);
    const warnings = await writeBlockfileTo(sink, { data, shape: header.shape }, { intensityScaling: scaling, navigatorSignal: navNone ? null : 'navigator' });
    // As HyperSpy, uncalibrated axes draw unit warnings; non-uint8 data without scaling an overflow warning.
    expect(warnings.some((w) => w.code === 'UNITS')).toBe(true);
    expect(warnings.some((w) => w.code === 'OVERFLOW')).toBe(scaling === undefined && header.dtype !== 'uint8');

    const expected = fixtureJson(`writer/${name}.json`);
    const ours = await Blockfile.open(new MemorySource(sink.bytes(), `${name}.blo`));
    const theirs = await Blockfile.open(new MemorySource(readFileSync(`${FIXTURES}/writer/${name}.blo`), `${name}.blo`));
    expect(ours.squeezedShape).toEqual(expected.shape);
    expect(sha256(await ours.readAll())).toBe(expected.data_sha256);
    const nav = await ours.navigator();
    if (navNone) expect(nav.data.every((v) => v === 0)).toBe(true); // documented zeros, not HyperSpy's scaled ones
    else expect(sha256(nav.data)).toBe(expected.stored_navigator_sha256);
    // Every header field equal, but where the frames start: ours at the next 16-byte boundary, as ASTAR does.
    expect({ ...ours.header, Data_offset_2: 0 }).toEqual({ ...theirs.header, Data_offset_2: 0 });
    expect(ours.header.Data_offset_2 % 16).toBe(0);
    expect(ours.note).toBe(theirs.note);
  });
});
