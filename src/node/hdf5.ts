/** h5wasm, loaded on first use: its WebAssembly takes time to compile, which only HDF5 work should pay. */
import type H5 from 'h5wasm/node';

export type H5Module = typeof H5;

let loading: Promise<H5Module> | undefined;

export function loadHdf5(): Promise<H5Module> {
  loading ??= import('h5wasm/node').then(async (module) => {
    await module.default.ready;
    return module.default;
  });
  return loading;
}
