/**
 * Orientation and phase mapping by template matching: template libraries
 * over each Laue group's fundamental sector, polar-transform matching with
 * the turn about the beam searched, near-ties decided by a spot-profile
 * fit, results as typed arrays, .ctf/.ang
 * writing and IPF colours. Pure: runs in browsers. Conventions:
 * ../../shared/ORIENTATION.md.
 */
export { buildLibrary, buildPhaseLibrary, fundamentalDirections, librarySize, libraryOptions, polarSteps, spreadPattern, templateSimulator, type LibraryOptions, type PhaseLibrary, type ScreenTemplates, type TemplateLibrary } from './library.js';
export { PatternMatcher, createIndexMaps, indexMapBuffers, orientationOf, type IndexMaps, type MatchOptions } from './match.js';
export { ProfileFitter, type ProfileFit, type ProfileFitOptions } from './profile-fit.js';
export { indexOrientations, indexRange, placeIndexMaps, serveIndexJob, libraryOptionsFor, precessionFromNote, scanShapeOf, type IndexOptions, type IndexProgress, type IndexRunOptions, type IndexTask, type JobPool, type OrientationMap, type ScanRect } from './engine.js';
export { matrixToQuaternion, quaternionToMatrix, multiplyQuaternions, misorientation, symmetryQuaternions, type Quaternion } from './quaternion.js';
export { parseCtf, compareOrientationMaps, patternSimilarity, type CtfData, type MapComparison } from './compare.js';
export { formatAng, TSL_SYMMETRY, type AngMap } from './ang.js';
export { ipfColours, ipfKey, reduceToSector, IPF_LAUE_GROUPS } from './ipf.js';
export { orientationCtf, orientationAng, orientationNpy, phaseColour, NPY_COLUMNS, PHASE_COLOURS, type IndexedMap, type MapSource } from './outputs.js';
