/**
 * CIF 1.1 syntax: data blocks, tags and values, loops, quoted and
 * semicolon-delimited text. Pure; the crystallographic meaning of the items
 * is read in `phase.ts`.
 */

/** A CIF file that cannot be read: names the file and the line. */
export class CifError extends Error {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, problem: string) {
    super(line === undefined ? `${file}: ${problem}` : `${file}, line ${line}: ${problem}`);
    this.name = 'CifError';
    this.file = file;
    this.line = line;
  }
}

/** A value as written, with the line it is on. `?` (unknown) and `.` (inapplicable) are kept as written. */
export interface CifValue {
  text: string;
  line: number;
  /** Quoted or text-field values are never `?`/`.` markers nor numbers. */
  quoted: boolean;
}

export interface CifLoop {
  tags: string[];
  /** One row per loop packet, values in the order of `tags`. */
  rows: CifValue[][];
  line: number;
}

export interface CifBlock {
  name: string;
  line: number;
  /** Single items, keyed by lower-case tag (with its leading underscore). */
  items: Map<string, CifValue>;
  loops: CifLoop[];
}

interface Token {
  kind: 'word' | 'quoted' | 'text';
  text: string;
  line: number;
}

function* tokens(source: string, file: string): Generator<Token> {
  const n = source.length;
  let i = 0;
  let line = 1;
  let lineStart = true;
  while (i < n) {
    const c = source[i];
    if (c === '\n') {
      line++;
      i++;
      lineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      lineStart = lineStart && c === '\r';
      continue;
    }
    if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === ';' && lineStart) {
      const startLine = line;
      let end = source.indexOf('\n;', i);
      if (end < 0) throw new CifError(file, startLine, 'text field opened with ";" is never closed');
      const text = source.slice(i + 1, end).replace(/\r/g, '');
      for (let j = i; j < end + 1; j++) if (source[j] === '\n') line++;
      i = end + 2;
      lineStart = false;
      yield { kind: 'text', text: text.startsWith('\n') ? text.slice(1) : text, line: startLine };
      continue;
    }
    lineStart = false;
    if (c === "'" || c === '"') {
      // A quote closes only when followed by white space or the end (CIF 1.1).
      let j = i + 1;
      for (;;) {
        if (j >= n || source[j] === '\n') throw new CifError(file, line, `quoted value ${source.slice(i, j).trim()} is never closed`);
        if (source[j] === c && (j + 1 >= n || /\s/.test(source[j + 1]))) break;
        j++;
      }
      yield { kind: 'quoted', text: source.slice(i + 1, j), line };
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < n && !/\s/.test(source[j])) j++;
    yield { kind: 'word', text: source.slice(i, j), line };
    i = j;
  }
}

const RESERVED = /^(data_|loop_|save_|global_|stop_)/i;

/** Parses CIF text into its data blocks. `file` names it in errors. */
export function parseCif(source: string, file = 'CIF'): CifBlock[] {
  const blocks: CifBlock[] = [];
  let block: CifBlock | undefined;
  const iterator = tokens(source.replace(/^\uFEFF/, ''), file);
  let pending: Token | undefined;
  const next = (): Token | undefined => {
    if (pending) {
      const t = pending;
      pending = undefined;
      return t;
    }
    const r = iterator.next();
    return r.done ? undefined : r.value;
  };
  const valueOf = (t: Token): CifValue => ({ text: t.text, line: t.line, quoted: t.kind !== 'word' });
  const isValue = (t: Token) => t.kind !== 'word' || (!t.text.startsWith('_') && !RESERVED.test(t.text));
  const needBlock = (t: Token): CifBlock => {
    if (!block) throw new CifError(file, t.line, `"${t.text}" before any data_ block`);
    return block;
  };

  for (let t = next(); t; t = next()) {
    if (t.kind === 'word' && /^data_/i.test(t.text)) {
      block = { name: t.text.slice(5), line: t.line, items: new Map(), loops: [] };
      blocks.push(block);
    } else if (t.kind === 'word' && /^save_/i.test(t.text)) {
      // Save frames (dictionaries) carry no structure: skip to their end.
      if (t.text.length > 5) {
        for (let u = next(); u && !(u.kind === 'word' && /^save_$/i.test(u.text)); u = next());
      }
    } else if (t.kind === 'word' && /^global_$/i.test(t.text)) {
      block = { name: 'global_', line: t.line, items: new Map(), loops: [] };
    } else if (t.kind === 'word' && /^loop_$/i.test(t.text)) {
      const owner = needBlock(t);
      const loop: CifLoop = { tags: [], rows: [], line: t.line };
      let u = next();
      while (u && u.kind === 'word' && u.text.startsWith('_')) {
        loop.tags.push(u.text.toLowerCase());
        u = next();
      }
      if (loop.tags.length === 0) throw new CifError(file, t.line, 'loop_ without tags');
      const values: CifValue[] = [];
      while (u && isValue(u)) {
        values.push(valueOf(u));
        u = next();
      }
      pending = u;
      if (values.length % loop.tags.length !== 0) {
        throw new CifError(
          file,
          values.at(-1)?.line ?? t.line,
          `loop of ${loop.tags.join(', ')} has ${values.length} values, not a multiple of its ${loop.tags.length} tags`,
        );
      }
      for (let r = 0; r < values.length; r += loop.tags.length) loop.rows.push(values.slice(r, r + loop.tags.length));
      owner.loops.push(loop);
    } else if (t.kind === 'word' && t.text.startsWith('_')) {
      const owner = needBlock(t);
      const v = next();
      if (!v || !isValue(v)) throw new CifError(file, t.line, `${t.text} has no value`);
      owner.items.set(t.text.toLowerCase(), valueOf(v));
    } else {
      throw new CifError(file, t.line, `unexpected value "${t.text.slice(0, 40)}" without a tag`);
    }
  }
  return blocks;
}

/** Whether a value is CIF's unknown (`?`) or inapplicable (`.`) marker. */
export function isMissing(value: CifValue | undefined): boolean {
  return value === undefined || (!value.quoted && (value.text === '?' || value.text === '.'));
}

/**
 * A CIF number: `3.6150(2)` is 3.615 (the standard uncertainty in brackets
 * is dropped); undefined for `?`, `.` or text that is not a number.
 */
export function cifNumber(value: CifValue | undefined): number | undefined {
  if (isMissing(value)) return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\(\d+\))?$/.exec(value!.text.trim());
  return m ? Number(m[1]) : undefined;
}

/** A block's item or, failing that, the first value of a loop column, under any of `tags`. */
export function findValue(block: CifBlock, ...tags: string[]): CifValue | undefined {
  for (const tag of tags) {
    const item = block.items.get(tag);
    if (item) return item;
    for (const loop of block.loops) {
      const column = loop.tags.indexOf(tag);
      if (column >= 0 && loop.rows.length > 0) return loop.rows[0][column];
    }
  }
  return undefined;
}

/** The loop holding any of `tags`, with a column lookup by tag. */
export function findLoop(block: CifBlock, ...tags: string[]): (CifLoop & { column(...tags: string[]): number }) | undefined {
  for (const loop of block.loops) {
    if (tags.some((t) => loop.tags.includes(t))) {
      return {
        ...loop,
        column: (...names: string[]) => {
          for (const name of names) {
            const c = loop.tags.indexOf(name);
            if (c >= 0) return c;
          }
          return -1;
        },
      };
    }
  }
  return undefined;
}
