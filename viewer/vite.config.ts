import { defineConfig } from 'vite';

// The viewer is static files: `blo view` serves them, any static host can too.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: { outDir: '../dist/viewer', emptyOutDir: true, target: 'es2022', sourcemap: true },
  worker: { format: 'es' },
});
