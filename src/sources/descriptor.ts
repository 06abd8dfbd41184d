/** Opening a source again from its descriptor, in a worker. */
import { BlobSource, type BlobSourceOptions } from './blob.js';
import { HttpSource } from './http.js';
import { MemorySource } from './memory.js';
import type { ByteSource, SourceDescriptor } from './source.js';

/** Opens what `descriptor` names; files need the Node opener passed as `openFile`; `blob` applies to Blobs. */
export async function openDescriptor(
  descriptor: SourceDescriptor,
  openFile?: (path: string) => Promise<ByteSource>,
  signal?: AbortSignal,
  blob: BlobSourceOptions = {},
): Promise<ByteSource> {
  switch (descriptor.kind) {
    case 'blob':
      return new BlobSource(descriptor.blob, descriptor.name, blob);
    case 'memory':
      return new MemorySource(descriptor.bytes, descriptor.name);
    case 'http': {
      const { url, headers, retries, retryDelayMs } = descriptor;
      return HttpSource.open(url, { headers, retries, retryDelayMs }, signal);
    }
    case 'file':
      if (!openFile) throw new Error(`${descriptor.path}: files can be opened in Node only`);
      return openFile(descriptor.path);
  }
}
