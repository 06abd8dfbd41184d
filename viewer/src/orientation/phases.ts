/**
 * Phases for indexing in the viewer: CIF files the user adds (picker or
 * drop) and the examples shipped with the package (examples/*.cif, bundled
 * as text by Vite and fetched only when clicked). Read with the library's
 * CIF reader; summaries say what the indexer will use.
 */
/// <reference types="vite/client" />
import { readCifPhase, type Phase } from '../../../src/crystal/phase.js';
import { reflectionFamilies, type ReflectionFamily } from '../../../src/crystal/structure-factor.js';
import { IPF_LAUE_GROUPS } from '../../../src/indexing/ipf.js';

/** Shipped examples by name (the file's stem, e.g. `Cu`, `Ti-alpha`): loaders of their text. */
const SHIPPED = Object.fromEntries(
  Object.entries(import.meta.glob('../../../examples/*.cif', { query: '?raw', import: 'default' }) as Record<string, () => Promise<string>>).map(([path, load]) => [
    path.replace(/^.*\//, '').replace(/\.cif$/i, ''),
    load,
  ]),
);

export const SHIPPED_PHASES: readonly string[] = Object.keys(SHIPPED).sort();

/** A phase in the viewer's list, with the name links use for it. */
export interface ViewerPhase {
  /** The file's stem: how the URL's hash names it. */
  key: string;
  phase: Phase;
  shipped: boolean;
}

/** The stem of a CIF file name. */
export function phaseKey(fileName: string): string {
  return fileName.replace(/^.*[\\/]/, '').replace(/\.cif$/i, '');
}

/**
 * Reads CIF text as a phase the indexer can use (an IPF key for its Laue
 * group), or throws saying why not. A structure listed in P 1 (as pymatgen
 * and the Materials Project write them) gets the space group of its atoms,
 * as `blo index` gives it: moyo's WebAssembly is fetched only then.
 */
export async function phaseFromText(text: string, fileName: string, shipped = false): Promise<ViewerPhase> {
  let phase = readCifPhase(text, fileName);
  if (phase.ops.length === 1) {
    const { initSymmetryFinder, withSymmetryFromAtoms } = await import('../../../src/crystal/find-symmetry.js');
    await initSymmetryFinder();
    phase = withSymmetryFromAtoms(phase);
  }
  if (!IPF_LAUE_GROUPS.includes(phase.laueGroup)) throw new Error(`${fileName}: Laue group ${phase.laueGroup} is not supported`);
  return { key: phaseKey(fileName), phase, shipped };
}

/** A shipped example by name. */
export async function shippedPhase(name: string): Promise<ViewerPhase> {
  const load = SHIPPED[name];
  if (!load) throw new Error(`no shipped phase "${name}" (there are ${SHIPPED_PHASES.join(', ')})`);
  return phaseFromText(await load(), `${name}.cif`, true);
}

const f = (v: number, digits: number) => Number(v.toFixed(digits)).toString();

/** One line on what the indexer uses: space group, Laue group, cell. */
export function phaseSummary(p: Phase): string {
  const { a, b, c, alpha, beta, gamma } = p.cell;
  const sg = `${p.spaceGroup.symbol}${p.spaceGroup.number ? ` (${p.spaceGroup.number})` : ''}${p.spaceGroup.source === 'atoms' ? ', found from the atoms (listed in P 1)' : ''}`;
  const angles = [alpha, beta, gamma].every((v) => Math.abs(v - 90) < 1e-6) ? '' : `, α β γ ${f(alpha, 2)}° ${f(beta, 2)}° ${f(gamma, 2)}°`;
  const cell = a === b && b === c ? `a ${f(a, 4)} Å` : `a b c ${f(a, 4)} ${f(b, 4)} ${f(c, 4)} Å`;
  return `${p.formula} · ${sg} · Laue ${p.laueGroup} · ${cell}${angles}`;
}

/**
 * A phase's strong reflection families with d ≥ `dMin` Å, largest d first:
 * those whose |F|² × multiplicity (a ring's intensity) is at least 5 % of
 * the strongest's, at most `limit` of them. The rings the panel draws and
 * the reflections the calibration offers to measure on.
 */
export function strongFamilies(p: Phase, dMin: number, limit = 8): ReflectionFamily[] {
  const families = reflectionFamilies(p, dMin);
  const strongest = families.reduce((m, f) => Math.max(m, f.f2 * f.multiplicity), 0);
  return families.filter((f) => f.f2 * f.multiplicity >= 0.05 * strongest).slice(0, limit);
}
