/**
 * Analysis messages over a byte stream (`blo view`'s server to the viewer):
 * each record is a little-endian u32 length, a JSON header, padding to 8
 * bytes, then the Float64 arrays the header refers to, raw.
 */
import type { AnalysisResult, PartialResult } from './request.js';

export type WireMessage =
  | { type: 'progress'; frames: number; totalFrames: number }
  | { type: 'partial'; partial: PartialResult }
  | { type: 'result'; result: AnalysisResult }
  | { type: 'error'; error: { message: string; code?: string; file?: string } };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One record: the message with its Float64Arrays moved out of the JSON. */
export function encodeWireMessage(message: WireMessage): Uint8Array {
  const arrays: Float64Array[] = [];
  const json = JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof Float64Array) {
      arrays.push(value);
      return { $f64: arrays.length - 1, length: value.length };
    }
    return value;
  });
  const head = encoder.encode(json);
  const headEnd = 4 + head.length;
  const dataStart = Math.ceil(headEnd / 8) * 8;
  const total = dataStart + arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  let at = dataStart;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

/** Reads records from chunks as they arrive. */
export class WireDecoder {
  #chunks: Uint8Array[] = [];
  #buffered = 0;

  /** Adds a chunk; returns the messages it completes. */
  push(chunk: Uint8Array): WireMessage[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: WireMessage[] = [];
    for (;;) {
      if (this.#buffered < 4) break;
      const bytes = this.#joined();
      const headLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
      if (bytes.length < 4 + headLength) break;
      const header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + headLength))) as unknown;
      const sizes: number[] = [];
      collectArrays(header, sizes);
      const dataStart = Math.ceil((4 + headLength) / 8) * 8;
      const total = dataStart + sizes.reduce((n, s) => n + s * 8, 0);
      if (bytes.length < total) break;
      // One aligned copy of the data; the arrays are views into it.
      const data = bytes.slice(dataStart, total);
      const arrays: Float64Array[] = [];
      let at = 0;
      for (const s of sizes) {
        arrays.push(new Float64Array(data.buffer, at, s));
        at += s * 8;
      }
      out.push(revive(header, arrays) as WireMessage);
      const rest = bytes.subarray(total);
      this.#chunks = rest.length ? [rest] : [];
      this.#buffered = rest.length;
    }
    return out;
  }

  /** Bytes received that do not make a whole record yet. */
  get pending(): number {
    return this.#buffered;
  }

  #joined(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0];
    const all = new Uint8Array(this.#buffered);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.#chunks = [all];
    return all;
  }
}

function isArrayRef(v: unknown): v is { $f64: number; length: number } {
  return typeof v === 'object' && v !== null && typeof (v as { $f64?: unknown }).$f64 === 'number';
}

/** Array lengths in the order the encoder met them (JSON.stringify's order: depth first, keys in order). */
function collectArrays(v: unknown, sizes: number[]): void {
  if (isArrayRef(v)) {
    sizes[v.$f64] = v.length;
  } else if (Array.isArray(v)) {
    for (const x of v) collectArrays(x, sizes);
  } else if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) collectArrays(x, sizes);
  }
}

function revive(v: unknown, arrays: Float64Array[]): unknown {
  if (isArrayRef(v)) return arrays[v.$f64];
  if (Array.isArray(v)) return v.map((x) => revive(x, arrays));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x, arrays)]));
  return v;
}
