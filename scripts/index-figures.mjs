// `node scripts/index-figures.mjs` (after `npm run build` and `node bench/indexing.mjs`,
// which simulates bench-data/indexing/cu-64.blo and its truth): redraws the
// README's indexing pictures from a fresh `blo index` of that scan:
// docs/index-cu-ipf.png (blo index's own .png output: IPF-Z map and key) and
// docs/index-cu-truth.png (the true IPF-Z map, the indexed one, and where they
// differ: dark within 2°, grey 2–5°, red more or the wrong phase; the half turn
// about the beam allowed, as the benchmark counts it).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encode } from 'fast-png';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scan = join(root, 'bench-data', 'indexing', 'cu-64.blo');
const truthCtf = join(root, 'bench-data', 'indexing', 'cu-64-truth.ctf');
if (!existsSync(scan) || !existsSync(truthCtf)) {
  console.error('no bench-data/indexing/cu-64.blo: run node bench/indexing.mjs first');
  process.exit(1);
}
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
const node = await import(pathToFileURL(join(root, 'dist', 'node', 'index.js')).href);

const work = mkdtempSync(join(tmpdir(), 'index-figures-'));
const cu = join(root, 'examples', 'Cu.cif');
const indexed = spawnSync(process.execPath, [join(root, 'bin', 'blo.js'), 'index', scan, '--phase', cu, '--pixel-size', '0.025', '-o', join(work, 'map.ctf'), '-o', join(work, 'map.png')], { encoding: 'utf8' });
if (indexed.status !== 0) throw new Error(indexed.stderr);
console.log(indexed.stdout.trim());
copyFileSync(join(work, 'map.png'), join(root, 'docs', 'index-cu-ipf.png'));

const phase = await node.loadPhase(cu);
const found = lib.parseCtf(readFileSync(join(work, 'map.ctf'), 'utf8'));
const truth = lib.parseCtf(readFileSync(truthCtf, 'utf8'));
const { nx, ny } = truth;
const comparison = lib.compareOrientationMaps(found, truth, [lib.symmetryQuaternions(phase.laueRotations)]);
/** A CTF map's IPF-Z colours (quaternions from its Euler angles). */
function ipf(map) {
  const n = nx * ny;
  const quaternion = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const g = lib.eulerDegreesToMatrix(map.euler[3 * i], map.euler[3 * i + 1], map.euler[3 * i + 2]);
    quaternion.set(lib.matrixToQuaternion(g), 4 * i);
  }
  return lib.ipfColours({ phase: map.phase, quaternion }, [phase], 2);
}
const difference = new Uint8Array(3 * nx * ny);
comparison.errors.forEach((e, i) => difference.set(e <= 2 ? [40, 40, 40] : e <= 5 ? [170, 170, 170] : [220, 30, 30], 3 * i));

const scale = 6;
const gap = 12;
const panels = [ipf(truth), ipf(found), difference];
const width = panels.length * nx * scale + (panels.length - 1) * gap;
const height = ny * scale;
const rgb = new Uint8Array(3 * width * height).fill(255);
panels.forEach((panel, k) => {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < nx * scale; x++) {
      const from = 3 * (Math.floor(y / scale) * nx + Math.floor(x / scale));
      rgb.set(panel.subarray(from, from + 3), 3 * (y * width + k * (nx * scale + gap) + x));
    }
  }
});
writeFileSync(join(root, 'docs', 'index-cu-truth.png'), encode({ width, height, data: rgb, depth: 8, channels: 3 }));
console.log(`within 2°: ${(100 * comparison.withinTolerance).toFixed(1)} %, right phase ${(100 * comparison.phaseCorrect).toFixed(1)} %`);
rmSync(work, { recursive: true, force: true });
