/**
 * A crystal phase read from a CIF data block: cell, atom sites, symmetry.
 * Reads the dialects people have (COD, ICSD, AMCSD, Materials
 * Project/pymatgen, VESTA): old (`_symmetry_*`) and new (`_space_group_*`)
 * symmetry tags, B or U displacement parameters, isotropic or anisotropic.
 */
import { CifError, cifNumber, findLoop, findValue, isMissing, parseCif, type CifBlock, type CifValue } from './cif.js';
import { Lattice, type Cell } from './lattice.js';
import { parseTypeSymbol } from './scattering.js';
import { spaceGroupByNumber, spaceGroupByOps, spaceGroupBySymbol, type SpaceGroupSetting } from './space-groups.js';
import {
  applyOp,
  classifyPointGroup,
  closeGroup,
  isCentrosymmetric,
  laueProperRotations,
  parseTriplet,
  rotationParts,
  type SymOp,
} from './symmetry.js';
import { multiply3, inverse3, type Mat3 } from './lattice.js';
import { cos } from './exact-math.js';

/** An atom site as listed (the asymmetric unit). */
export interface AtomSite {
  label: string;
  element: string;
  /** Formal charge from the type symbol (`Fe2+` → 2); scattering uses the neutral atom. */
  charge: number;
  /** Fractional coordinates. */
  x: number;
  y: number;
  z: number;
  occupancy: number;
  /** Isotropic displacement U (Å²); the trace average of U_ij when anisotropic; 0 when not given. */
  uIso: number;
}

/** One atom of the unit cell, after applying the symmetry operations. */
export interface CellAtom {
  site: number;
  element: string;
  position: [number, number, number];
  occupancy: number;
  uIso: number;
}

export interface SpaceGroupInfo {
  /** 1–230, when known. */
  number: number | undefined;
  /** Hermann–Mauguin symbol. */
  symbol: string;
  /** Hall symbol, when the setting is tabulated. */
  hall: string | undefined;
  /** Where the symmetry came from. `atoms`: found from the atom positions (listed in a lower symmetry). */
  source: 'operators' | 'symbol' | 'number' | 'atoms';
}

export interface Phase {
  name: string;
  /** Empirical formula, e.g. `Cu`, `Fe2 O3`. */
  formula: string;
  /** The file (or name) the phase was read from, for messages. */
  file: string;
  cell: Cell;
  lattice: Lattice;
  sites: AtomSite[];
  /** Every atom in the cell. */
  atoms: CellAtom[];
  /** All symmetry operations modulo lattice translations, on fractional coordinates. */
  ops: SymOp[];
  spaceGroup: SpaceGroupInfo;
  /** Point group (geometric crystal class), e.g. `m-3m`. */
  pointGroup: string;
  /** Laue class, e.g. `m-3m`. */
  laueGroup: string;
  centrosymmetric: boolean;
  /**
   * The proper rotations of the Laue group in the Cartesian crystal frame
   * (row-major 3×3): orientations G and S·G are the same (ORIENTATION.md).
   */
  laueRotations: Mat3[];
  /** Remarks on how the file was read (e.g. the space group found from the atoms). */
  notes: string[];
}

const U_FROM_B = 1 / (8 * Math.PI * Math.PI);

function text(v: CifValue | undefined): string | undefined {
  return isMissing(v) ? undefined : v!.text.trim();
}

function requiredNumber(block: CifBlock, file: string, tag: string): number {
  const v = block.items.get(tag) ?? findValue(block, tag);
  const n = cifNumber(v);
  if (n === undefined) {
    throw new CifError(file, v?.line ?? block.line, v ? `${tag} is "${v.text}", not a number` : `data_${block.name} has no ${tag}`);
  }
  return n;
}

function readCell(block: CifBlock, file: string): Cell {
  const cell = {
    a: requiredNumber(block, file, '_cell_length_a'),
    b: requiredNumber(block, file, '_cell_length_b'),
    c: requiredNumber(block, file, '_cell_length_c'),
    alpha: requiredNumber(block, file, '_cell_angle_alpha'),
    beta: requiredNumber(block, file, '_cell_angle_beta'),
    gamma: requiredNumber(block, file, '_cell_angle_gamma'),
  };
  if (![cell.a, cell.b, cell.c].every((v) => v > 0) || ![cell.alpha, cell.beta, cell.gamma].every((v) => v > 0 && v < 180)) {
    throw new CifError(file, block.items.get('_cell_length_a')?.line ?? block.line, `not a unit cell: ${JSON.stringify(cell)}`);
  }
  return cell;
}

const OP_TAGS = ['_space_group_symop_operation_xyz', '_symmetry_equiv_pos_as_xyz', '_space_group_symop.operation_xyz', '_symmetry_equiv.pos_as_xyz'];

function readOperators(block: CifBlock, file: string): SymOp[] | undefined {
  const loop = findLoop(block, ...OP_TAGS);
  const values: CifValue[] = [];
  if (loop) {
    const column = loop.column(...OP_TAGS);
    for (const row of loop.rows) values.push(row[column]);
  } else {
    for (const tag of OP_TAGS) {
      const v = block.items.get(tag);
      if (v) values.push(v);
    }
  }
  if (values.length === 0) return undefined;
  return values.map((v) => {
    const op = parseTriplet(v.text);
    if (!op) throw new CifError(file, v.line, `symmetry operator "${v.text}" is not a coordinate triplet such as "-y,x+1/2,z"`);
    return op;
  });
}

function readSites(block: CifBlock, file: string, lattice: Lattice): AtomSite[] {
  const loop = findLoop(block, '_atom_site_fract_x', '_atom_site.fract_x');
  if (!loop) throw new CifError(file, block.line, `data_${block.name} has no atom sites (_atom_site_fract_x)`);
  const col = (...tags: string[]) => loop.column(...tags.flatMap((t) => [t, t.replace(/^_atom_site_/, '_atom_site.')]));
  const cx = col('_atom_site_fract_x');
  const cy = col('_atom_site_fract_y');
  const cz = col('_atom_site_fract_z');
  const cLabel = col('_atom_site_label');
  const cType = col('_atom_site_type_symbol');
  const cOcc = col('_atom_site_occupancy');
  const cU = col('_atom_site_u_iso_or_equiv', '_atom_site_u_equiv_geom_mean');
  const cB = col('_atom_site_b_iso_or_equiv', '_atom_site_b_equiv_geom_mean');
  if (cy < 0 || cz < 0) throw new CifError(file, loop.line, 'the atom site loop has _atom_site_fract_x but not _y and _z');
  if (cLabel < 0 && cType < 0) throw new CifError(file, loop.line, 'the atom site loop has neither _atom_site_label nor _atom_site_type_symbol');
  const aniso = anisotropicU(block, file, lattice);
  return loop.rows.map((row) => {
    const label = cLabel >= 0 ? row[cLabel].text : row[cType].text;
    const typeValue = cType >= 0 && !isMissing(row[cType]) ? row[cType] : row[cLabel];
    const type = parseTypeSymbol(typeValue.text);
    if (!type) throw new CifError(file, typeValue.line, `atom site "${label}": "${typeValue.text}" names no element`);
    const coordinate = (c: number, axis: string) => {
      const n = cifNumber(row[c]);
      if (n === undefined) throw new CifError(file, row[c].line, `atom site "${label}": fract_${axis} is "${row[c].text}", not a number`);
      return n;
    };
    const occupancy = cOcc >= 0 ? cifNumber(row[cOcc]) ?? 1 : 1;
    let uIso = cU >= 0 ? cifNumber(row[cU]) : undefined;
    if (uIso === undefined && cB >= 0) {
      const b = cifNumber(row[cB]);
      if (b !== undefined) uIso = b * U_FROM_B;
    }
    if (aniso.has(label)) uIso = aniso.get(label);
    return {
      label,
      element: type.element,
      charge: type.charge,
      x: coordinate(cx, 'x'),
      y: coordinate(cy, 'y'),
      z: coordinate(cz, 'z'),
      occupancy,
      uIso: uIso ?? 0,
    };
  });
}

/**
 * U_eq of anisotropic displacements, by label: (1/3) Σ U^ij a*_i a*_j (a_i·a_j)
 * (Fischer & Tillmanns 1988), from U_ij or B_ij (B = 8π²U).
 */
function anisotropicU(block: CifBlock, file: string, lattice: Lattice): Map<string, number> {
  const out = new Map<string, number>();
  const loop = findLoop(block, '_atom_site_aniso_label', '_atom_site_aniso.label');
  if (!loop) return out;
  const label = loop.column('_atom_site_aniso_label', '_atom_site_aniso.label');
  const pairs = ['11', '22', '33', '12', '13', '23'];
  const uCols = pairs.map((p) => loop.column(`_atom_site_aniso_u_${p}`, `_atom_site_aniso.u_${p}`));
  const bCols = pairs.map((p) => loop.column(`_atom_site_aniso_b_${p}`, `_atom_site_aniso.b_${p}`));
  const useB = uCols[0] < 0 && bCols[0] >= 0;
  const cols = useB ? bCols : uCols;
  if (cols.slice(0, 3).some((c) => c < 0)) return out;
  const { a, b, c, alpha, beta, gamma } = lattice.cell;
  const len = [a, b, c];
  const rec = [0, 1, 2].map((i) => Math.hypot(lattice.reciprocal[i], lattice.reciprocal[3 + i], lattice.reciprocal[6 + i]));
  const cosines = [cos((alpha * Math.PI) / 180), cos((beta * Math.PI) / 180), cos((gamma * Math.PI) / 180)];
  // a_i·a_j / (|a_i||a_j|): (b,c) → α, (a,c) → β, (a,b) → γ.
  const dot = (i: number, j: number) => (i === j ? 1 : cosines[3 - i - j]) * len[i] * len[j];
  for (const row of loop.rows) {
    const u = cols.map((ci) => (ci >= 0 ? cifNumber(row[ci]) ?? 0 : 0));
    const m = [
      [u[0], u[3], u[4]],
      [u[3], u[1], u[5]],
      [u[4], u[5], u[2]],
    ];
    let sum = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sum += m[i][j] * rec[i] * rec[j] * dot(i, j);
    if (row[label] === undefined) throw new CifError(file, loop.line, 'anisotropic displacement row without a label');
    out.set(row[label].text, (sum / 3) * (useB ? U_FROM_B : 1));
  }
  return out;
}

const SYMBOL_TAGS = ['_space_group_name_h-m_alt', '_symmetry_space_group_name_h-m', '_space_group.name_h-m_alt', '_space_group_name_h-m'];
const HALL_TAGS = ['_space_group_name_hall', '_symmetry_space_group_name_hall', '_space_group.name_hall'];
const NUMBER_TAGS = ['_space_group_it_number', '_symmetry_int_tables_number', '_space_group.it_number'];

function readSymmetry(block: CifBlock, file: string): { ops: SymOp[]; info: SpaceGroupInfo; setting?: SpaceGroupSetting } {
  const symbolValue = findValue(block, ...SYMBOL_TAGS);
  const hallValue = findValue(block, ...HALL_TAGS);
  const numberValue = findValue(block, ...NUMBER_TAGS);
  const symbol = text(symbolValue);
  const hall = text(hallValue);
  const number = cifNumber(numberValue);
  const listed = readOperators(block, file);
  if (listed) {
    const ops = closeGroup(listed);
    if (!ops) throw new CifError(file, block.line, 'the symmetry operators do not form a space group (more than 192 operations modulo translations)');
    const setting = spaceGroupByOps(ops);
    return {
      ops,
      setting,
      info: {
        number: setting?.number ?? number,
        symbol: setting?.hm ?? symbol ?? (ops.length === 1 ? 'P 1' : '?'),
        hall: setting?.hall,
        source: 'operators',
      },
    };
  }
  for (const [value, name] of [
    [hall, 'Hall symbol'],
    [symbol, 'symbol'],
  ] as const) {
    if (value === undefined) continue;
    const setting = spaceGroupBySymbol(value);
    if (setting) return { ops: setting.ops, setting, info: { number: setting.number, symbol: setting.hm, hall: setting.hall, source: 'symbol' } };
    if (number === undefined) {
      const v = name === 'symbol' ? symbolValue! : hallValue!;
      throw new CifError(file, v.line, `space-group ${name} "${value}" is not in the table and no symmetry operators or number are given`);
    }
  }
  if (number !== undefined) {
    const setting = Number.isInteger(number) ? spaceGroupByNumber(number) : undefined;
    if (!setting) throw new CifError(file, numberValue!.line, `space-group number ${numberValue!.text} is not 1–230`);
    return { ops: setting.ops, setting, info: { number, symbol: setting.hm, hall: setting.hall, source: 'number' } };
  }
  throw new CifError(file, block.line, `data_${block.name} has no symmetry: no operators (_symmetry_equiv_pos_as_xyz or _space_group_symop_operation_xyz), space-group symbol or number`);
}

/** Same position modulo lattice translations, within `tol` (fractional). */
export function samePosition(a: readonly number[], b: readonly number[], tol: number): boolean {
  for (let i = 0; i < 3; i++) {
    let d = Math.abs(a[i] - b[i]);
    d = Math.min(d, 1 - d);
    if (d > tol) return false;
  }
  return true;
}

/** Every atom of the cell: each site's orbit under the operations, distinct positions once. */
export function expandSites(sites: readonly AtomSite[], ops: readonly SymOp[]): CellAtom[] {
  const atoms: CellAtom[] = [];
  sites.forEach((site, index) => {
    const orbit: [number, number, number][] = [];
    for (const op of ops) {
      const p = applyOp(op, [site.x, site.y, site.z]);
      if (!orbit.some((q) => samePosition(p, q, 1e-3))) orbit.push(p);
    }
    for (const position of orbit) atoms.push({ site: index, element: site.element, position, occupancy: site.occupancy, uIso: site.uIso });
  });
  return atoms;
}

function formulaOf(atoms: readonly CellAtom[]): string {
  const counts = new Map<string, number>();
  for (const a of atoms) counts.set(a.element, (counts.get(a.element) ?? 0) + a.occupancy);
  const values = [...counts.values()];
  const roundish = (v: number) => Math.abs(v - Math.round(v)) < 0.02;
  // The smallest multiple of the counts that are whole numbers.
  let divisor = 1;
  for (let d = Math.max(...values.map(Math.round), 1); d >= 1; d--) {
    if (values.every((v) => roundish(v / d))) {
      divisor = d;
      break;
    }
  }
  const order = [...counts.keys()].sort((a, b) => (a === 'C' ? -1 : b === 'C' ? 1 : a === 'H' ? -1 : b === 'H' ? 1 : a.localeCompare(b)));
  return order
    .map((e) => {
      const n = counts.get(e)! / divisor;
      const s = roundish(n) ? String(Math.round(n)) : n.toFixed(3).replace(/0+$/, '');
      return s === '1' ? e : `${e}${s}`;
    })
    .join(' ');
}

/** Derived symmetry: point group, Laue class and its rotations in the Cartesian frame. */
export function symmetryOf(ops: readonly SymOp[], lattice: Lattice): Pick<Phase, 'pointGroup' | 'laueGroup' | 'centrosymmetric' | 'laueRotations'> {
  const rotations = rotationParts(ops);
  const { pointGroup, laueGroup } = classifyPointGroup(rotations);
  const a = lattice.direct;
  const aInv = inverse3(a);
  // A rotation W on fractional coordinates is A·W·A⁻¹ on Cartesian ones.
  const laueRotations = laueProperRotations(rotations).map((w) => multiply3(multiply3(a, w), aInv).map((v) => (Math.abs(v) < 1e-12 ? 0 : v)));
  return { pointGroup, laueGroup, centrosymmetric: isCentrosymmetric(ops), laueRotations };
}

/** Builds a phase from its parts (a cell, the listed sites and the full set of operations). */
export function makePhase(parts: { name: string; file: string; cell: Cell; sites: AtomSite[]; ops: SymOp[]; spaceGroup: SpaceGroupInfo; notes?: string[]; formula?: string }): Phase {
  const lattice = new Lattice(parts.cell);
  const atoms = expandSites(parts.sites, parts.ops);
  return {
    name: parts.name,
    formula: parts.formula ?? formulaOf(atoms),
    file: parts.file,
    cell: lattice.cell,
    lattice,
    sites: parts.sites,
    atoms,
    ops: parts.ops,
    spaceGroup: parts.spaceGroup,
    ...symmetryOf(parts.ops, lattice),
    notes: parts.notes ?? [],
  };
}

function phaseOfBlock(block: CifBlock, file: string): Phase {
  const cell = readCell(block, file);
  const lattice = new Lattice(cell);
  const sites = readSites(block, file, lattice);
  const { ops, info } = readSymmetry(block, file);
  const name =
    text(findValue(block, '_chemical_name_mineral')) ??
    text(findValue(block, '_pd_phase_name')) ??
    text(findValue(block, '_chemical_name_common')) ??
    text(findValue(block, '_chemical_name_systematic')) ??
    block.name;
  const formulaSum = text(findValue(block, '_chemical_formula_sum'));
  const phase = makePhase({ name: name.replace(/\s+/g, ' '), file, cell, sites, ops, spaceGroup: info });
  if (formulaSum) phase.formula = formulaSum.replace(/\s+/g, ' ');
  return phase;
}

/**
 * Reads the phases of a CIF file: one per data block that has a cell and
 * atom sites. `file` names the file in errors ({@link CifError}: file, line
 * and what is missing).
 */
export function readCifPhases(source: string, file = 'CIF'): Phase[] {
  const blocks = parseCif(source, file);
  if (blocks.length === 0) throw new CifError(file, undefined, 'no data_ block: not a CIF file');
  const withStructure = blocks.filter((b) => b.items.has('_cell_length_a') || findLoop(b, '_atom_site_fract_x'));
  if (withStructure.length === 0) throw new CifError(file, blocks[0].line, 'no data block has a cell (_cell_length_a) and atom sites');
  return withStructure.map((b) => phaseOfBlock(b, file));
}

/** The first phase of a CIF file (see {@link readCifPhases}). */
export function readCifPhase(source: string, file = 'CIF'): Phase {
  return readCifPhases(source, file)[0];
}
