/**
 * Symmetry operations, exact: rotation parts are integer matrices (on
 * fractional coordinates) and translations integers over 24, as gemmi keeps
 * them, so closure, equality and orbits are exact.
 */

/** Denominator of translations: every crystallographic translation is a multiple of 1/24. */
export const DEN = 24;

/** x' = R·x + t/24 on fractional coordinates. `r` is row-major 3×3. */
export interface SymOp {
  r: readonly number[];
  t: readonly number[];
}

const mod = (v: number, m: number) => ((v % m) + m) % m;

export const IDENTITY: SymOp = { r: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0] };

/**
 * Parses a coordinate triplet such as `-y+1/2, x-y, z+1/3` or `x+1/2,y,z`
 * (as in `_space_group_symop_operation_xyz`), or undefined when it is not one.
 */
export function parseTriplet(text: string): SymOp | undefined {
  const parts = text.toLowerCase().replace(/\s+/g, '').split(',');
  if (parts.length !== 3) return undefined;
  const r = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const t = [0, 0, 0];
  for (let row = 0; row < 3; row++) {
    const expr = parts[row];
    if (expr === '') return undefined;
    const re = /([+-]?)(\d*\.?\d*(?:\/\d+)?)\*?([xyz]?)/gy;
    let at = 0;
    while (at < expr.length) {
      re.lastIndex = at;
      const m = re.exec(expr);
      if (!m || m[0] === '' || (m[2] === '' && m[3] === '')) return undefined;
      at = re.lastIndex;
      const sign = m[1] === '-' ? -1 : 1;
      if (m[3]) {
        const k = m[2] === '' ? 1 : Number(m[2]);
        if (!Number.isInteger(k)) return undefined;
        r[row * 3 + 'xyz'.indexOf(m[3])] += sign * k;
      } else {
        const [num, den] = m[2].split('/');
        const value = Number(num) / (den === undefined ? 1 : Number(den));
        const twentyFourths = Math.round(value * DEN);
        if (!Number.isFinite(value) || Math.abs(twentyFourths - value * DEN) > 1e-3) return undefined;
        t[row] += sign * twentyFourths;
      }
    }
  }
  return { r, t: t.map((v) => mod(v, DEN)) };
}

function fraction(n: number): string {
  const g = gcd(Math.abs(n), DEN);
  return `${n / g}/${DEN / g}`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The triplet form, e.g. `-y+1/2,x,z`. */
export function tripletOf(op: SymOp): string {
  const rows: string[] = [];
  for (let row = 0; row < 3; row++) {
    let s = '';
    for (let c = 0; c < 3; c++) {
      const k = op.r[row * 3 + c];
      if (k === 0) continue;
      s += (k < 0 ? '-' : s ? '+' : '') + (Math.abs(k) === 1 ? '' : `${Math.abs(k)}*`) + 'xyz'[c];
    }
    const t = mod(op.t[row], DEN);
    if (t) s += `+${fraction(t)}`;
    rows.push(s || '0');
  }
  return rows.join(',');
}

/** a·b: first b, then a. */
export function compose(a: SymOp, b: SymOp): SymOp {
  const r = new Array<number>(9);
  const t = new Array<number>(3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) r[i * 3 + j] = a.r[i * 3] * b.r[j] + a.r[i * 3 + 1] * b.r[3 + j] + a.r[i * 3 + 2] * b.r[6 + j];
    t[i] = mod(a.r[i * 3] * b.t[0] + a.r[i * 3 + 1] * b.t[1] + a.r[i * 3 + 2] * b.t[2] + a.t[i], DEN);
  }
  return { r, t };
}

export function opKey(op: SymOp): string {
  return `${op.r.join(',')};${op.t.map((v) => mod(v, DEN)).join(',')}`;
}

export function rotationKey(r: readonly number[]): string {
  return r.join(',');
}

/** Closes a set of operations into a group (translations modulo 1); undefined if it does not close within 192 elements. */
export function closeGroup(generators: readonly SymOp[]): SymOp[] | undefined {
  const ops = new Map<string, SymOp>([[opKey(IDENTITY), IDENTITY]]);
  for (const g of generators) ops.set(opKey(g), { r: [...g.r], t: g.t.map((v) => mod(v, DEN)) });
  for (let grew = true; grew; ) {
    grew = false;
    const list = [...ops.values()];
    for (const a of list) {
      for (const b of list) {
        const c = compose(a, b);
        const k = opKey(c);
        if (!ops.has(k)) {
          ops.set(k, c);
          grew = true;
          if (ops.size > 192) return undefined;
        }
      }
    }
  }
  return [...ops.values()];
}

export function determinant(r: readonly number[]): number {
  return r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) + r[2] * (r[3] * r[7] - r[4] * r[6]);
}

function trace(r: readonly number[]): number {
  return r[0] + r[4] + r[8];
}

/** The distinct rotation parts of a set of operations (the point group, on fractional coordinates). */
export function rotationParts(ops: readonly SymOp[]): number[][] {
  const seen = new Map<string, number[]>();
  for (const op of ops) seen.set(rotationKey(op.r), [...op.r]);
  return [...seen.values()];
}

/**
 * The type of a rotation matrix, by its trace and determinant: 1, 2, 3, 4,
 * 6 for proper rotations, −1, −2 (a mirror), −3, −4, −6 for improper ones.
 */
export function rotationType(r: readonly number[]): number {
  const d = determinant(r);
  const tr = trace(r) * d;
  const order = { 3: 1, [-1]: 2, 0: 3, 1: 4, 2: 6 }[tr];
  if (order === undefined) throw new Error(`not a crystallographic rotation: ${r.join(',')}`);
  return order * d;
}

/**
 * The 32 crystallographic point groups, told apart by how many operations of
 * each type they have (spglib's method): counts of −6, −4, −3, −2, −1, 1, 2, 3, 4, 6.
 */
const POINT_GROUPS: [string, string, number[]][] = [
  // symbol, Laue class, counts
  ['1', '-1', [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]],
  ['-1', '-1', [0, 0, 0, 0, 1, 1, 0, 0, 0, 0]],
  ['2', '2/m', [0, 0, 0, 0, 0, 1, 1, 0, 0, 0]],
  ['m', '2/m', [0, 0, 0, 1, 0, 1, 0, 0, 0, 0]],
  ['2/m', '2/m', [0, 0, 0, 1, 1, 1, 1, 0, 0, 0]],
  ['222', 'mmm', [0, 0, 0, 0, 0, 1, 3, 0, 0, 0]],
  ['mm2', 'mmm', [0, 0, 0, 2, 0, 1, 1, 0, 0, 0]],
  ['mmm', 'mmm', [0, 0, 0, 3, 1, 1, 3, 0, 0, 0]],
  ['4', '4/m', [0, 0, 0, 0, 0, 1, 1, 0, 2, 0]],
  ['-4', '4/m', [0, 2, 0, 0, 0, 1, 1, 0, 0, 0]],
  ['4/m', '4/m', [0, 2, 0, 1, 1, 1, 1, 0, 2, 0]],
  ['422', '4/mmm', [0, 0, 0, 0, 0, 1, 5, 0, 2, 0]],
  ['4mm', '4/mmm', [0, 0, 0, 4, 0, 1, 1, 0, 2, 0]],
  ['-42m', '4/mmm', [0, 2, 0, 2, 0, 1, 3, 0, 0, 0]],
  ['4/mmm', '4/mmm', [0, 2, 0, 5, 1, 1, 5, 0, 2, 0]],
  ['3', '-3', [0, 0, 0, 0, 0, 1, 0, 2, 0, 0]],
  ['-3', '-3', [0, 0, 2, 0, 1, 1, 0, 2, 0, 0]],
  ['32', '-3m', [0, 0, 0, 0, 0, 1, 3, 2, 0, 0]],
  ['3m', '-3m', [0, 0, 0, 3, 0, 1, 0, 2, 0, 0]],
  ['-3m', '-3m', [0, 0, 2, 3, 1, 1, 3, 2, 0, 0]],
  ['6', '6/m', [0, 0, 0, 0, 0, 1, 1, 2, 0, 2]],
  ['-6', '6/m', [2, 0, 0, 1, 0, 1, 0, 2, 0, 0]],
  ['6/m', '6/m', [2, 0, 2, 1, 1, 1, 1, 2, 0, 2]],
  ['622', '6/mmm', [0, 0, 0, 0, 0, 1, 7, 2, 0, 2]],
  ['6mm', '6/mmm', [0, 0, 0, 6, 0, 1, 1, 2, 0, 2]],
  ['-6m2', '6/mmm', [2, 0, 0, 4, 0, 1, 3, 2, 0, 0]],
  ['6/mmm', '6/mmm', [2, 0, 2, 7, 1, 1, 7, 2, 0, 2]],
  ['23', 'm-3', [0, 0, 0, 0, 0, 1, 3, 8, 0, 0]],
  ['m-3', 'm-3', [0, 0, 8, 3, 1, 1, 3, 8, 0, 0]],
  ['432', 'm-3m', [0, 0, 0, 0, 0, 1, 9, 8, 6, 0]],
  ['-43m', 'm-3m', [0, 6, 0, 6, 0, 1, 3, 8, 0, 0]],
  ['m-3m', 'm-3m', [0, 6, 8, 9, 1, 1, 9, 8, 6, 0]],
];

const TYPES = [-6, -4, -3, -2, -1, 1, 2, 3, 4, 6];

/** The geometric crystal class (point group, short Hermann–Mauguin symbol) and Laue class of a set of rotations. */
export function classifyPointGroup(rotations: readonly (readonly number[])[]): { pointGroup: string; laueGroup: string } {
  const counts = TYPES.map(() => 0);
  for (const r of rotations) counts[TYPES.indexOf(rotationType(r))]++;
  const found = POINT_GROUPS.find(([, , c]) => c.every((v, i) => v === counts[i]));
  if (!found) throw new Error(`rotations do not form a crystallographic point group (type counts ${counts.join(',')})`);
  return { pointGroup: found[0], laueGroup: found[1] };
}

/**
 * The proper rotations of the Laue group of a point group given by its
 * rotation parts: R for each proper R, −R for each improper one, distinct.
 */
export function laueProperRotations(rotations: readonly (readonly number[])[]): number[][] {
  const seen = new Map<string, number[]>();
  for (const r of rotations) {
    const p = determinant(r) > 0 ? [...r] : r.map((v) => -v);
    seen.set(rotationKey(p), p);
  }
  return [...seen.values()];
}

/** Centrosymmetric: contains the inversion (with any translation). */
export function isCentrosymmetric(ops: readonly SymOp[]): boolean {
  return ops.some((op) => op.r.every((v, i) => v === (i % 4 === 0 ? -1 : 0)));
}

/** Applies an operation to a fractional position, wrapped into [0, 1). */
export function applyOp(op: SymOp, x: readonly number[]): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const v = op.r[i * 3] * x[0] + op.r[i * 3 + 1] * x[1] + op.r[i * 3 + 2] * x[2] + op.t[i] / DEN;
    out[i] = v - Math.floor(v);
    if (out[i] >= 1 - 1e-12) out[i] = 0;
  }
  return out;
}
