/**
 * h5wasm, loaded on first use: its WebAssembly takes time to compile, which
 * only HDF5 work should pay. It is an optional dependency (15 MB of an
 * install): without it everything but .hspy works, and .hspy says which
 * package to install.
 */
import type H5 from 'h5wasm/node';
import { BlockfileError } from '../format/errors.js';

export type H5Module = typeof H5;

let loading: Promise<H5Module> | undefined;

/** h5wasm's Node build; `file` names the .hspy file in the error when h5wasm is not installed. */
export function loadHdf5(file: string): Promise<H5Module> {
  loading ??= import('h5wasm/node').then(async (module) => {
    await module.default.ready;
    return module.default;
  });
  return loading.catch((cause: unknown) => {
    loading = undefined;
    const missing = (cause as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND';
    throw new BlockfileError(
      'UNSUPPORTED',
      file,
      missing
        ? '.hspy (HDF5) needs the optional package h5wasm, which is not installed: npm install h5wasm (or npm install -g h5wasm beside a global blockfile)'
        : `cannot load h5wasm for HDF5: ${String((cause as Error)?.message ?? cause)}`,
      { cause },
    );
  });
}
