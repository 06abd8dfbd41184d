// Compiled against the shipped declarations (dist/*.d.ts) with the strictest settings a
// consumer may use (tsconfig.consumer.json: strict, exactOptionalPropertyTypes, no skipLibCheck).
import * as browser from '../../dist/index.js';
import * as node from '../../dist/node/index.js';

export async function consumer(file: string): Promise<number> {
  const bf = await node.openBlockfile(file, { strict: true });
  const fromBytes = await browser.openBlockfile(new browser.MemorySource(new Uint8Array(0), 'x.blo'));
  const signal = await node.loadBlockfile(file, { mode: 'r' });
  const sources: browser.ByteSource[] = [bf.source, fromBytes.source, await node.FileSource.open(file), await browser.HttpSource.open('https://example.org/x.blo')];
  return bf.frameCount + signal.shape.length + sources.length;
}
