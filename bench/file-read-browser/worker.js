// Reads its part of a File by one method, for bench/file-read-browser.mjs.
import { BlobSource } from '/dist/sources/blob.js';

// A sum over every 4096th byte: the bytes are used, at next to no cost.
function touch(bytes) {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 4096) sum += bytes[i];
  return sum;
}

// Stands for a pass's reduction of a block.
function busy(ms) {
  const t = performance.now();
  while (performance.now() - t < ms);
}

// `inflight` loops taking the next range in turn.
async function lanes(inflight, ranges, read) {
  let next = 0;
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (next < ranges.length) await read(...ranges[next++]);
  }));
}

const methods = {
  async arrayBuffer(blob, ranges, { inflight }, got) {
    await lanes(inflight, ranges, async (a, b) => got(new Uint8Array(await blob.slice(a, b).arrayBuffer())));
  },
  async frs(blob, ranges, _, got) {
    const reader = new FileReaderSync();
    for (const [a, b] of ranges) got(new Uint8Array(reader.readAsArrayBuffer(blob.slice(a, b))));
  },
  async stream(blob, ranges, { inflight }, got) {
    await lanes(inflight, ranges, async (a, b) => {
      const reader = blob.slice(a, b).stream().getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) got(r.value);
    });
  },
  async byob(blob, ranges, { inflight }, got) {
    await lanes(inflight, ranges, async (a, b) => {
      const reader = blob.slice(a, b).stream().getReader({ mode: 'byob' });
      let buffer = new Uint8Array(4 * 2 ** 20);
      for (;;) {
        const { done, value } = await reader.read(buffer);
        if (done || !value) break;
        got(value);
        // The read took the buffer over; the next one reuses it.
        buffer = new Uint8Array(value.buffer);
      }
    });
  },
  // The library's reads, as the viewer's workers make them (ranges follow one another).
  async source(blob, ranges, { slice, ahead, work, small }, got) {
    const source = new BlobSource(blob, 'bench', { streamAhead: ahead });
    const block = new Uint8Array(slice);
    for (const [a, b] of ranges) {
      // A task that opens the file reads its header and note first.
      if (small) {
        await source.read(0, 240);
        await source.read(1000, 512);
      }
      await source.readInto(a, [block.subarray(0, b - a)]);
      got(block.subarray(0, b - a));
      if (work) busy(work);
    }
    await source.close();
  },
};

onmessage = async ({ data }) => {
  // A chunk the page read and transferred.
  if (data.chunk) {
    const bytes = new Uint8Array(data.chunk);
    postMessage({ bytes: bytes.length, sum: touch(bytes) });
    return;
  }
  let bytes = 0;
  let sum = 0;
  await methods[data.method](data.blob, data.ranges, data, (chunk) => {
    bytes += chunk.length;
    sum += touch(chunk);
  });
  postMessage({ bytes, sum });
};

postMessage('ready');
