/** Crystal phases from CIF files on disk, with the space group found from the atoms when listed in P 1. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { initSymmetryFinder, withSymmetryFromAtoms } from '../crystal/find-symmetry.js';
import { readCifPhase, type Phase } from '../crystal/phase.js';

const require = createRequire(import.meta.url);

/** Loads moyo's WebAssembly from its package (once). */
export async function initNodeSymmetryFinder(): Promise<void> {
  await initSymmetryFinder(await readFile(require.resolve('@spglib/moyo-wasm/moyo_wasm_bg.wasm')));
}

/**
 * Reads the first phase of a CIF file. A structure listed in P 1 whose atoms
 * have more symmetry gets that symmetry (`spaceGroup.source === 'atoms'`,
 * with a note) unless `findSymmetry` is false. Errors name the file and line.
 */
export async function loadPhase(path: string, options: { findSymmetry?: boolean } = {}): Promise<Phase> {
  return phaseFromCif(await readFile(path, 'utf8'), path, options);
}

/** `loadPhase` of CIF text already read (e.g. kept in a results store), `path` naming it in errors. */
export async function phaseFromCif(text: string, path: string, options: { findSymmetry?: boolean } = {}): Promise<Phase> {
  const phase = readCifPhase(text, path);
  if (options.findSymmetry === false || phase.ops.length > 1) return phase;
  await initNodeSymmetryFinder();
  return withSymmetryFromAtoms(phase);
}
