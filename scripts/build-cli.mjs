#!/usr/bin/env node
// Bundles the `blo` program (and the worker its analysis threads run) into a
// few files in dist/bin/: one file per command, loaded when that command
// runs, so that start-up reads a handful of modules instead of dozens.
// Packages stay external (installed beside it); the library itself ships as
// tsc's output in dist/.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: without this, every build leaves the previous build's chunks behind (and `npm pack` ships them).
rmSync('dist/bin', { recursive: true, force: true });

await build({
  entryPoints: { blo: 'src/cli/run.ts', 'analysis-worker': 'src/node/analysis-worker.ts' },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  sourcesContent: true,
  chunkNames: '[name]-[hash]',
  logLevel: 'warning',
});
