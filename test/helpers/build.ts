/** Building blockfiles in memory for tests, through the library's own writer. */
import { encodeHeader, parseHeader, type BlockfileHeader } from '../../src/format/header.js';
import type { PixelArray } from '../../src/format/types.js';
import { MemorySink } from '../../src/writer/sink.js';
import { BlockfileStreamWriter, type StreamWriterInit } from '../../src/writer/stream-writer.js';

/** Frame i's pixel p is a simple function of both, so any mix-up shows. */
export function testFrames(nx: number, ny: number, dp: number, bits: 8 | 16): PixelArray {
  const n = nx * ny * dp * dp;
  const data = bits === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const mod = bits === 16 ? 65536 : 256;
  for (let i = 0; i < n; i++) data[i] = (i * 7 + Math.floor(i / (dp * dp)) * 13 + (i >> 9)) % mod;
  return data;
}

export async function buildBlockfile(
  init: Omit<StreamWriterInit, 'bits'> & { bits?: 8 | 16 },
  data = testFrames(init.nx, init.ny, init.dpSize, init.bits ?? 8),
): Promise<{ bytes: Uint8Array; data: PixelArray }> {
  const sink = new MemorySink('test.blo');
  const writer = new BlockfileStreamWriter(sink, init);
  await writer.writeFrames(data);
  await writer.finish();
  return { bytes: sink.bytes(), data };
}

/** A copy of `bytes` with header fields changed. */
export function patchHeader(bytes: Uint8Array, fields: Partial<BlockfileHeader>): Uint8Array {
  const out = bytes.slice();
  out.set(encodeHeader({ ...parseHeader(out), ...fields }));
  return out;
}
