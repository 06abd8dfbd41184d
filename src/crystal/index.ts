/**
 * Crystallography: CIF phases, symmetry, reciprocal lattice, electron
 * structure factors and kinematic SPED patterns. Pure: runs in browsers.
 * Frames, Euler angles and the simulation model: ../../shared/ORIENTATION.md.
 */
export { CifError, parseCif, cifNumber, type CifBlock, type CifLoop, type CifValue } from './cif.js';
export { Lattice, electronWavelength, directMatrix, type Cell, type Mat3, type Vec3 } from './lattice.js';
export { readCifPhase, readCifPhases, makePhase, expandSites, type Phase, type AtomSite, type CellAtom, type SpaceGroupInfo } from './phase.js';
export { spaceGroupByNumber, spaceGroupBySymbol, spaceGroupByOps, spaceGroupSettings, type SpaceGroupSetting } from './space-groups.js';
export { parseTriplet, tripletOf, closeGroup, classifyPointGroup, type SymOp } from './symmetry.js';
export { electronScatteringFactor, scatteringFactorOf, parseTypeSymbol, type ScatteringFactor } from './scattering.js';
export { structureFactor, reflectionsWithin, reflectionFamilies, type Reflection, type ReflectionFamily } from './structure-factor.js';
export { eulerToMatrix, eulerDegreesToMatrix, matrixToEuler, zoneAxisOrientation, rotationAngle } from './orientation.js';
export { PatternSimulator, renderPattern, seededRandom, poisson, MIN_SHAPE, type DetectorGeometry, type SimulationSetup, type SimulatedPattern, type RenderOptions } from './simulate.js';
export { initSymmetryFinder, findSymmetry, withSymmetryFromAtoms, SYMPREC, type FoundSymmetry } from './find-symmetry.js';
export { formatCtf, ctfLaueCode, CTF_LAUE_CLASSES, type CtfMap } from './ctf.js';
export { createSpedDemo, type SpedDemo, type SpedDemoOptions } from './sped-demo.js';
export { isHexagonalCell, fourIndexDirection, fourIndexPlane, directionLabel, planeLabel } from './miller-bravais.js';
export { headerCalibration, calibrationFromRing, reciprocalToMrad, mradToReciprocal, refineRingRadius, type ReciprocalCalibration, type CalibrationSource } from './calibration.js';
