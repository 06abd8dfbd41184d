/** blockfile for Node: everything of the browser-safe core, plus paths and files. */
export * from '../index.js';
export { openBlockfile, loadBlockfile } from './open.js';
export { FileSource } from './file-source.js';
export { writeFileAtomically, removeStaleTemporaries, checkTarget } from './atomic-file.js';
export { writeDemoFile } from './demo-file.js';
export { writeBlockfile, writeBlockfileFrames } from './write.js';
export { NpyFile } from './npy-file.js';
export { createNodeAnalysisPool } from './analysis-pool.js';
export { exportHspy, exportZarr, exportTiffStack, type ExportOptions } from './export.js';
export { blockfileInput, hspyInput, npyInput, tiffInput, zarrInput, type FrameInput } from './import.js';
export { startViewServer, type ViewServer, type ViewServerOptions } from './view-server.js';
export { loadPhase, initNodeSymmetryFinder } from './crystal.js';
export { writeSpedDemoFile, type SpedDemoFileOptions } from './sped-demo-file.js';
