export { type ByteSource, type SourceDescriptor, readIntoTargets } from './source.js';
export { MemorySource } from './memory.js';
export { BlobSource } from './blob.js';
export { HttpSource, type HttpSourceOptions } from './http.js';
export { openDescriptor } from './descriptor.js';
