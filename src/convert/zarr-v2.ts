/**
 * Writing Zarr version 2 (what zarr-python 2.x and Dask read): JSON
 * metadata and one compressed file per chunk, through any key-value store.
 * Reading goes through zarrita, which also decodes Blosc.
 */
import { npyItemSize, numpyTypestr, type NpyDtype } from '../npy/npy.js';
import type { AttrValue, TreeGroup } from './hyperspy-tree.js';

export interface ZarrStore {
  set(key: string, bytes: Uint8Array): Promise<void>;
}

export interface ZarrCompressor {
  /** numcodecs' configuration, as stored in .zarray. */
  config: { id: string; level?: number };
  encode(bytes: Uint8Array): Promise<Uint8Array>;
}

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

export function attrValues(attrs: Record<string, AttrValue>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, typeof v === 'object' ? v.value : v]));
}

/** Writes a tree of groups (.zgroup and .zattrs) under `prefix`. */
export async function writeGroupTree(store: ZarrStore, tree: TreeGroup, prefix = ''): Promise<void> {
  const at = (name: string) => (prefix ? `${prefix}/${name}` : name);
  await store.set(at('.zgroup'), json({ zarr_format: 2 }));
  if (Object.keys(tree.attrs).length > 0) await store.set(at('.zattrs'), json(attrValues(tree.attrs)));
  for (const [name, child] of Object.entries(tree.groups)) await writeGroupTree(store, child, at(name));
}

/**
 * An array chunked along its first axis only (whole patterns, several scan
 * rows per chunk), written chunk by chunk in order.
 */
export class ZarrArrayWriter {
  readonly chunkRows: number;
  readonly #store: ZarrStore;
  readonly #path: string;
  readonly #shape: readonly number[];
  readonly #compressor: ZarrCompressor;
  readonly #rowValues: number;
  readonly #bytesPerValue: number;

  constructor(store: ZarrStore, path: string, shape: readonly number[], dtype: NpyDtype, compressor: ZarrCompressor, chunkRows: number) {
    this.#store = store;
    this.#path = path;
    this.#shape = shape;
    this.#compressor = compressor;
    this.chunkRows = Math.max(1, Math.min(shape[0], chunkRows));
    this.#rowValues = shape.slice(1).reduce((a, b) => a * b, 1);
    this.#bytesPerValue = npyItemSize(dtype);
    this.metadata = {
      zarr_format: 2,
      shape: [...shape],
      chunks: [this.chunkRows, ...shape.slice(1)],
      dtype: numpyTypestr(dtype),
      compressor: compressor.config,
      fill_value: 0,
      order: 'C',
      filters: null,
      dimension_separator: '/',
    };
  }

  readonly metadata: Record<string, unknown>;

  /** Values per chunk: chunkRows × the rest of the shape. */
  get chunkValues(): number {
    return this.chunkRows * this.#rowValues;
  }

  async writeMetadata(attrs?: Record<string, unknown>): Promise<void> {
    const at = (name: string) => (this.#path ? `${this.#path}/${name}` : name);
    await this.#store.set(at('.zarray'), json(this.metadata));
    if (attrs) await this.#store.set(at('.zattrs'), json(attrs));
  }

  /**
   * Writes chunk `index` from `values` (its values in C order; the last
   * chunk may be short and is padded with zeros, as Zarr 2 stores edge
   * chunks whole).
   */
  async writeChunk(index: number, values: ArrayBufferView): Promise<void> {
    const full = this.chunkValues * this.#bytesPerValue;
    let bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    if (bytes.length < full) {
      const padded = new Uint8Array(full);
      padded.set(bytes);
      bytes = padded;
    }
    const key = [index, ...this.#shape.slice(1).map(() => 0)].join('/');
    await this.#store.set(this.#path ? `${this.#path}/${key}` : key, await this.#compressor.encode(bytes));
  }
}
