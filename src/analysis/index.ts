export * from './detectors.js';
export * from './request.js';
export { analysisShape, regionMask, compileRequest, type AnalysisShape, type CompiledRequest } from './accumulate.js';
export { analyze, analyzeRange, type AnalysisPool, type AnalysisTask, type AnalyzeOptions, type AnalysisProgress } from './engine.js';
export { WorkerPool, serveAnalysis, type WorkerPort, type WorkerEndpoint, type ToWorker, type FromWorker } from './worker-pool.js';
export { radialProfile, type RadialProfile } from './profile.js';
export {
  comFields,
  comReference,
  toScanAxes,
  divergenceAndCurl,
  curlFreeRotation,
  colourWheel,
  colourWheelKey,
  type ComFields,
  type ComFieldOptions,
  type CurlFreeRotation,
} from './com-fields.js';
