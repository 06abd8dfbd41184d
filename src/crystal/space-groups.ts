/**
 * The 230 space groups in their tabulated settings (gemmi's table, generated
 * into `data/space-groups.ts` by `scripts/space-groups.py`): looked up by
 * number, Hermann–Mauguin or Hall symbol, or by the set of operations.
 */
import { SPACE_GROUP_TABLE } from './data/space-groups.js';
import { closeGroup, DEN, opKey, parseTriplet, type SymOp } from './symmetry.js';

export interface SpaceGroupSetting {
  /** International Tables number, 1–230. */
  number: number;
  /** Hermann–Mauguin symbol of this setting, e.g. `P 1 21/c 1`, `F d -3 m`. */
  hm: string;
  /** Setting extension: `1`/`2` (origin choice), `H`/`R` (rhombohedral axes), or empty. */
  ext: string;
  /** Short symbol, e.g. `P21/c`, `Fd-3m`. */
  short: string;
  hall: string;
  pointGroup: string;
  laueGroup: string;
  /** Every operation of the group modulo lattice translations, centring included. */
  ops: SymOp[];
}

let settings: SpaceGroupSetting[] | undefined;
let bySymbol: Map<string, SpaceGroupSetting> | undefined;
let byOps: Map<string, SpaceGroupSetting> | undefined;

/** A symbol reduced for comparison: no spaces or underscores, lower case. */
export function normalizeSymbol(symbol: string): string {
  return symbol.replace(/[\s_]+/g, '').toLowerCase();
}

function expand(symOps: string, centring: string): SymOp[] {
  const rotations = symOps.split(';').map((t) => parseTriplet(t)!);
  const shifts = centring.split(';').map((t) => t.split(',').map(Number));
  const ops: SymOp[] = [];
  for (const s of shifts) for (const op of rotations) ops.push({ r: op.r, t: op.t.map((v, i) => (((v + s[i]) % DEN) + DEN) % DEN) });
  return ops;
}

function opSetKey(ops: readonly SymOp[]): string {
  return ops
    .map(opKey)
    .sort()
    .join('|');
}

/** Every tabulated setting, first the default one of each number. */
export function spaceGroupSettings(): SpaceGroupSetting[] {
  if (!settings) {
    settings = SPACE_GROUP_TABLE.map(([number, hm, ext, short, hall, pointGroup, laueGroup, symOps, centring]) => ({
      number,
      hm,
      ext,
      short,
      hall,
      pointGroup,
      laueGroup,
      ops: expand(symOps, centring),
    }));
    bySymbol = new Map();
    byOps = new Map();
    for (const s of settings) {
      const names = [s.hm, s.short, s.hall];
      if (s.ext) names.push(`${s.hm}:${s.ext}`, `${s.short}:${s.ext}`);
      for (const name of names) {
        const key = normalizeSymbol(name);
        if (!bySymbol.has(key)) bySymbol.set(key, s);
      }
      const key = opSetKey(s.ops);
      if (!byOps.has(key)) byOps.set(key, s);
    }
  }
  return settings;
}

/** The default setting of space group `number` (gemmi's: origin choice 1, hexagonal axes, b unique). */
export function spaceGroupByNumber(number: number): SpaceGroupSetting | undefined {
  return spaceGroupSettings().find((s) => s.number === number);
}

/**
 * A setting by its Hermann–Mauguin symbol, full or short, with or without
 * spaces, underscores and a setting suffix (`Fd-3m:2`, `R -3 m :H`,
 * `P 63/m m c`, `P6_3/mmc`), or by its Hall symbol. ICSD's origin suffixes
 * `S` and `Z` mean origin choice 2.
 */
export function spaceGroupBySymbol(symbol: string): SpaceGroupSetting | undefined {
  spaceGroupSettings();
  let key = normalizeSymbol(symbol);
  const icsd = /^(.*?)(s|z)$/.exec(key);
  const direct = bySymbol!.get(key);
  if (direct) return direct;
  if (icsd && bySymbol!.has(`${icsd[1]}:2`)) return bySymbol!.get(`${icsd[1]}:2`);
  key = key.replace(/:$/, '');
  return bySymbol!.get(key);
}

/** The tabulated setting whose operations are exactly `ops` (as a set, translations modulo 1), if any. */
export function spaceGroupByOps(ops: readonly SymOp[]): SpaceGroupSetting | undefined {
  spaceGroupSettings();
  const closed = closeGroup(ops);
  return closed ? byOps!.get(opSetKey(closed)) : undefined;
}
