/** Saving files from the page: a download of a Blob under a name. */
import { encodeNpyHeader } from '../../src/npy/npy.js';

export function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function saveNpy(values: ArrayLike<number>, rows: number, cols: number, name: string): void {
  const data = Float64Array.from(values);
  save(new Blob([encodeNpyHeader('float64', [rows, cols]) as Uint8Array<ArrayBuffer>, data]), name);
}
