/**
 * blockfile: read and write NanoMegas ASTAR blockfiles (.blo) in browsers
 * and Node. This entry point is browser-safe; `blockfile/node` adds paths.
 */
export * from './format/index.js';
export * from './sources/index.js';
export { Blockfile, type OpenOptions, type FrameBlock } from './reader/blockfile.js';
export { gridOf, type GeometryOptions, type Grid } from './reader/geometry.js';
export { signalOf, type MemoryMode, type LoadOptions, type LoadedSignal, type LazySignal } from './reader/load.js';
export { openBlockfile, loadBlockfile, toSource, type BlockfileInput, type SourceOptions } from './reader/open.js';
export { BlockfileStreamWriter, planBlockfile, type StreamWriterInit, type WriteProgress } from './writer/stream-writer.js';
export { MemorySink, type ByteSink } from './writer/sink.js';
export { createSyntheticDataset, type SyntheticDataset, type SyntheticOptions } from './demo/synthetic.js';
export * from './npy/npy.js';
export { BlockfileWriter, writeBlockfileTo, writeFrameStreamTo, streamMinMax, type FrameStream, type WriteOptions, type WritableSignal, type NavigatorImage } from './writer/signal-writer.js';
export { headerFromSignal, defaultAxes, convertLength, type SignalDescription, type HeaderPlan } from './writer/header-from-signal.js';
export { dtypeOf, type IntensityScaling, type NumericDtype } from './writer/pixels.js';
export * from './analysis/index.js';
export * from './display/index.js';
export { encodeTiff, type TiffPage, type TiffPixels } from './tiff/tiff.js';
export { createWebWorkerPool } from './browser/web-worker-pool.js';
export * from './crystal/index.js';
export * from './indexing/index.js';
