/**
 * The space group of a structure from its atoms, with moyo (spglib's
 * algorithm, Rust compiled to WebAssembly: `@spglib/moyo-wasm`). For
 * structures listed in a lower symmetry than they have, as pymatgen and the
 * Materials Project write them (Cu as four atoms in P 1).
 *
 * The WebAssembly module is loaded once by {@link initSymmetryFinder}: in a
 * browser with its URL (or nothing: the module's own URL), in Node with its
 * bytes (`blockfile/node`'s `loadPhase` does this).
 */
import type { MoyoDataset } from '@spglib/moyo-wasm';
import { expandSites, makePhase, samePosition, type AtomSite, type CellAtom, type Phase } from './phase.js';
import { scatteringFactorOf } from './scattering.js';
import { spaceGroupByNumber, spaceGroupByOps } from './space-groups.js';
import { closeGroup, DEN, type SymOp } from './symmetry.js';

let ready: Promise<void> | undefined;
let analyzeCell: ((cellJson: string, symprec: number, setting: string) => MoyoDataset) | undefined;

/**
 * Loads moyo's WebAssembly: from bytes, a compiled module, a URL or a fetch
 * response. The module is imported only here, so that pages that never look
 * for symmetry in atoms need neither it nor a bundler that resolves it.
 */
export function initSymmetryFinder(wasm?: BufferSource | WebAssembly.Module | URL | string | Response | Promise<Response>): Promise<void> {
  ready ??= (async () => {
    const moyo = await import('@spglib/moyo-wasm');
    await moyo.default(wasm === undefined ? undefined : { module_or_path: wasm });
    analyzeCell = moyo.analyze_cell;
  })();
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

/** Distance tolerance (Å) for atoms to count as symmetry-equivalent. */
export const SYMPREC = 1e-3;

/** What moyo finds: the space-group number, the operations in the given cell (fractional). */
export interface FoundSymmetry {
  number: number;
  /** Hermann–Mauguin symbol of the standard setting. */
  symbol: string;
  /** The operations found, on the fractional coordinates of the cell as given. */
  ops: SymOp[];
}

/** The space group of the atoms of `phase` (every atom of the cell), within `symprec` Å. Needs {@link initSymmetryFinder} first. */
export function findSymmetry(phase: Phase, symprec = SYMPREC): FoundSymmetry {
  if (!analyzeCell) throw new Error('call (and await) initSymmetryFinder() before findSymmetry()');
  const a = phase.lattice.direct;
  const cell = {
    // a, b, c one after the other (Å): moyo's basis matrix, column by column.
    lattice: { basis: [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]] },
    positions: phase.atoms.map((atom) => atom.position),
    // Partly occupied sites of different occupancy must not be merged: one species per (element, occupancy).
    numbers: phase.atoms.map((atom) => scatteringFactorOf(atom.element)!.z * 1000 + Math.round(atom.occupancy * 999)),
  };
  const dataset: MoyoDataset = analyzeCell(JSON.stringify(cell), symprec, 'Standard');
  const ops: SymOp[] = dataset.operations.map((op) => ({
    // moyo passes matrices as nalgebra stores them, column by column.
    r: [0, 3, 6, 1, 4, 7, 2, 5, 8].map((i) => op.rotation[i]),
    t: op.translation.map((v) => ((Math.round(v * DEN) % DEN) + DEN) % DEN),
  }));
  return { number: dataset.number, symbol: spaceGroupByNumber(dataset.number)?.hm ?? dataset.hm_symbol, ops };
}

/**
 * The phase with the symmetry its atoms have, when it was listed in P 1 and
 * has more: the same cell and atoms, the operations found, the space group
 * marked `source: 'atoms'` and a note saying so. Other phases come back as they are.
 */
export function withSymmetryFromAtoms(phase: Phase, symprec = SYMPREC): Phase {
  if (phase.ops.length > 1) return phase;
  const found = findSymmetry(phase, symprec);
  if (found.number === 1) return phase;
  const ops = closeGroup(found.ops);
  if (!ops) return phase;
  const setting = spaceGroupByOps(ops);
  // The listed atoms already fill the cell: keep one site per orbit.
  const sites: AtomSite[] = [];
  const covered: CellAtom[] = [];
  for (const site of phase.sites) {
    const p = [site.x, site.y, site.z];
    const seen = covered.some((atom) => atom.element === site.element && atom.occupancy === site.occupancy && samePosition(atom.position, p, 1e-3));
    if (seen) continue;
    sites.push(site);
    covered.push(...expandSites([site], ops));
  }
  const phaseWithOps = makePhase({
    name: phase.name,
    file: phase.file,
    cell: phase.cell,
    sites,
    ops,
    formula: phase.formula,
    spaceGroup: { number: found.number, symbol: setting?.hm ?? found.symbol, hall: setting?.hall, source: 'atoms' },
    notes: [
      ...phase.notes,
      `listed in ${phase.spaceGroup.symbol}; its atoms have the symmetry of ${found.symbol} (No. ${found.number}), found by moyo within ${symprec} Å${setting ? '' : ' (in the cell as given, not the standard one)'}`,
    ],
  });
  return phaseWithOps;
}
