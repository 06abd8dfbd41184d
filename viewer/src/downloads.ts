/** Saving what is on screen: PNGs of the views, images and patterns as .npy and .tiff. */
import { encodeNpyHeader } from '../../src/npy/npy.js';
import { encodeTiff } from '../../src/tiff/tiff.js';

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

export function savePng(canvas: HTMLCanvasElement, name: string): void {
  canvas.toBlob((blob) => blob && save(blob, name), 'image/png');
}

export function saveNpy(values: ArrayLike<number>, rows: number, cols: number, name: string): void {
  const data = Float64Array.from(values);
  save(new Blob([encodeNpyHeader('float64', [rows, cols]) as Uint8Array<ArrayBuffer>, data]), name);
}

export function saveTiff(values: ArrayLike<number>, rows: number, cols: number, name: string, description: string): void {
  save(new Blob([encodeTiff([{ data: Float64Array.from(values), rows, cols }], description) as Uint8Array<ArrayBuffer>]), name);
}
