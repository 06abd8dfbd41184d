/**
 * `blo index SCAN.blo --phase A.cif … --pixel-size A -o OUT.ctf|.ang|.npy|.png`:
 * orientation and phase maps by template matching, on worker threads.
 */
import { encode } from 'fast-png';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { formatCtf } from '../../crystal/ctf.js';
import type { Phase } from '../../crystal/phase.js';
import { formatAng } from '../../indexing/ang.js';
import { indexOrientations, scanShapeOf, type OrientationMap, type ScanRect } from '../../indexing/engine.js';
import { ipfColours, ipfKey, IPF_LAUE_GROUPS } from '../../indexing/ipf.js';
import { librarySize } from '../../indexing/library.js';
import { checkTarget, writeFileAtomically } from '../../node/atomic-file.js';
import { createNodeAnalysisPool } from '../../node/analysis-pool.js';
import { loadPhase } from '../../node/crystal.js';
import { openBlockfile } from '../../node/open.js';
import { encodeNpyHeader } from '../../npy/npy.js';
import { concat } from '../image-output.js';
import { UsageError } from '../errors.js';
import { numberList, numberOption } from '../numbers.js';
import { progressBar } from '../progress.js';
import { warningPrinter } from '../warnings.js';

export interface IndexFlags {
  phase?: string[];
  pixelSize?: string;
  precession?: string;
  voltage?: string;
  resolution?: string;
  thickness?: string;
  center?: string;
  region?: string;
  solutions?: string;
  ipf?: string;
  workers?: string;
  output?: string[];
  overwrite?: boolean;
}

const KINDS = ['ctf', 'ang', 'npy', 'png'] as const;
type Kind = (typeof KINDS)[number];

function kindOf(path: string): Kind {
  const ext = extname(path).slice(1).toLowerCase();
  if (!(KINDS as readonly string[]).includes(ext)) throw new UsageError(`cannot write ${path}: use a .ctf, .ang, .npy or .png file`);
  return ext as Kind;
}

/** Columns of the .npy output, in order. */
export const NPY_COLUMNS = ['phase', 'phi1', 'Phi', 'phi2', 'correlation', 'reliability', 'phase_reliability', 'spots', 'center_x', 'center_y'];

function npyBytes(map: OrientationMap): Uint8Array {
  const [ny, nx] = map.scanShape;
  const k = NPY_COLUMNS.length;
  const values = new Float64Array(nx * ny * k);
  for (let i = 0; i < nx * ny; i++) {
    const row = [
      map.phase[i],
      map.euler[3 * i],
      map.euler[3 * i + 1],
      map.euler[3 * i + 2],
      map.correlation[i],
      map.reliability[i],
      map.phaseReliability[i],
      map.spots[i],
      map.center[2 * i],
      map.center[2 * i + 1],
    ];
    values.set(row, i * k);
  }
  return concat(encodeNpyHeader('float64', [ny, nx, k]), new Uint8Array(values.buffer));
}

/** Nearest-neighbour enlargement of an RGB image. */
function enlarge(rgb: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  const out = new Uint8Array(3 * width * height * factor * factor);
  const w = width * factor;
  for (let y = 0; y < height * factor; y++) {
    for (let x = 0; x < w; x++) {
      const from = 3 * (Math.floor(y / factor) * width + Math.floor(x / factor));
      out.set(rgb.subarray(from, from + 3), 3 * (y * w + x));
    }
  }
  return out;
}

/** Distinct colours of phases 1, 2, … (0, not indexed, is black). */
const PHASE_COLOURS: [number, number, number][] = [
  [230, 75, 53], [77, 187, 213], [0, 160, 135], [60, 84, 136], [243, 155, 127], [132, 145, 180], [145, 209, 194], [220, 0, 0],
];

/** The PNGs: the IPF map with one key per Laue group beside it, the phase map and the reliability map. */
function pngFiles(output: string, map: OrientationMap, phases: Phase[], axis: 0 | 1 | 2): [string, Uint8Array][] {
  const [ny, nx] = map.scanShape;
  const factor = Math.max(1, Math.floor(512 / Math.max(nx, ny)));
  const mapW = nx * factor;
  const mapH = ny * factor;
  const ipf = enlarge(ipfColours(map, phases, axis), nx, ny, factor);
  const groups = [...new Set(phases.map((p) => p.laueGroup))];
  const keySide = Math.max(96, Math.min(256, Math.floor(mapH / groups.length) - 8));
  const keys = groups.map((g) => ipfKey(g, keySide));
  const gap = 8;
  const width = mapW + gap + Math.max(...keys.map((k) => k.width));
  const height = Math.max(mapH, keys.reduce((h, k) => h + k.height, 0));
  const canvas = new Uint8Array(3 * width * height).fill(255);
  for (let y = 0; y < mapH; y++) canvas.set(ipf.subarray(3 * y * mapW, 3 * (y + 1) * mapW), 3 * y * width);
  let top = 0;
  for (const key of keys) {
    for (let y = 0; y < key.height; y++) canvas.set(key.rgb.subarray(3 * y * key.width, 3 * (y + 1) * key.width), 3 * ((top + y) * width + mapW + gap));
    top += key.height;
  }
  const phaseRgb = new Uint8Array(3 * nx * ny);
  const reliability = new Uint8Array(nx * ny);
  for (let i = 0; i < nx * ny; i++) {
    const p = map.phase[i];
    if (p > 0) phaseRgb.set(PHASE_COLOURS[(p - 1) % PHASE_COLOURS.length], 3 * i);
    reliability[i] = p > 0 ? Math.round(Math.max(0, Math.min(100, map.reliability[i])) * 2.55) : 0;
  }
  const grey = new Uint8Array(mapW * mapH);
  for (let y = 0; y < mapH; y++) for (let x = 0; x < mapW; x++) grey[y * mapW + x] = reliability[Math.floor(y / factor) * nx + Math.floor(x / factor)];
  const stem = join(dirname(output), basename(output, extname(output)));
  return [
    [output, encode({ width, height, data: canvas, depth: 8, channels: 3 })],
    [`${stem}-phase.png`, encode({ width: mapW, height: mapH, data: enlarge(phaseRgb, nx, ny, factor), depth: 8, channels: 3 })],
    [`${stem}-reliability.png`, encode({ width: mapW, height: mapH, data: grey, depth: 8, channels: 1 })],
  ];
}

export async function indexCommand(file: string, flags: IndexFlags, out: (line: string) => void, warn: (line: string) => void): Promise<void> {
  const outputs = flags.output ?? [];
  if (outputs.length === 0) throw new UsageError('say where to write the map with -o OUT.ctf, OUT.ang, OUT.npy or OUT.png (repeatable)');
  const kinds = outputs.map(kindOf);
  if (!flags.phase || flags.phase.length === 0) throw new UsageError('give at least one phase: --phase A.cif');
  if (flags.phase.length > 255) throw new UsageError(`give at most 255 phases, got ${flags.phase.length}`);
  if (flags.pixelSize === undefined) throw new UsageError('give the reciprocal calibration with --pixel-size (Å⁻¹ per pattern pixel)');
  const pixelSize = numberOption('--pixel-size', flags.pixelSize, { above: 0 });
  const precession = flags.precession === undefined ? undefined : numberOption('--precession', flags.precession, { min: 0, max: 9.99 });
  const voltage = flags.voltage === undefined ? undefined : numberOption('--voltage', flags.voltage, { above: 0 });
  const resolution = flags.resolution === undefined ? undefined : numberOption('--resolution', flags.resolution, { min: 0.25, max: 10 });
  const thickness = flags.thickness === undefined ? undefined : numberOption('--thickness', flags.thickness, { above: 0 });
  const solutions = flags.solutions === undefined ? undefined : numberOption('--solutions', flags.solutions, { integer: true, min: 1, max: 64 });
  const center = flags.center === undefined ? undefined : (numberList('--center', flags.center, { count: 2, form: 'X,Y' }) as [number, number]);
  const axis = ({ x: 0, y: 1, z: 2 } as const)[(flags.ipf ?? 'z') as 'x' | 'y' | 'z'];
  if (axis === undefined) throw new UsageError(`--ipf must be x, y or z, got "${flags.ipf}"`);
  const workers = flags.workers === undefined ? availableParallelism() : numberOption('--workers', flags.workers, { integer: true, min: 0 });
  let region: ScanRect | undefined;
  if (flags.region !== undefined) {
    const [x0, y0, x1, y1] = numberList('--region', flags.region, { count: 4, integer: true, min: 0, form: 'X0,Y0,X1,Y1' });
    if (!(x1 > x0 && y1 > y0)) throw new UsageError(`--region must have X0 < X1 and Y0 < Y1, got "${flags.region}"`);
    region = { x0, y0, x1, y1 };
  }
  const phases: Phase[] = [];
  for (const path of flags.phase) phases.push(await loadPhase(path));
  for (const p of phases) {
    if (!IPF_LAUE_GROUPS.includes(p.laueGroup)) throw new UsageError(`${p.file}: Laue group ${p.laueGroup} is not supported`);
  }
  const bf = await openBlockfile(file);
  const report = warningPrinter(warn);
  const bar = progressBar('indexing', 'patterns');
  const pool = workers > 1 ? createNodeAnalysisPool(workers) : undefined;
  try {
    report(bf.warnings);
    const [ny, nx] = scanShapeOf(bf);
    const [dpy, dpx] = bf.geometry.sigShape;
    if (dpx !== dpy) throw new UsageError(`${file}: patterns are ${dpy} × ${dpx}; indexing needs square patterns`);
    if (center && !(center[0] >= 0 && center[0] <= dpx - 1 && center[1] >= 0 && center[1] <= dpy - 1)) {
      throw new UsageError(`--center must be inside the ${dpx} × ${dpy} pattern, got "${flags.center}"`);
    }
    if (region && (region.x1 > nx || region.y1 > ny)) throw new UsageError(`--region ${flags.region} reaches outside the ${nx} × ${ny} scan`);
    // Refuse existing outputs before the work.
    const targets = outputs.flatMap((o, i) => (kinds[i] === 'png' ? pngNames(o) : [o]));
    for (const t of targets) await checkTarget(t, { overwrite: flags.overwrite });
    const started = performance.now();
    const map = await indexOrientations(
      bf,
      phases,
      {
        pixelSize,
        ...(precession !== undefined && { precession }),
        ...(voltage !== undefined && { voltage }),
        ...(resolution !== undefined && { resolution }),
        ...(thickness !== undefined && { thickness }),
        ...(solutions !== undefined && { solutions }),
        ...(center && { center }),
        ...(region && { region }),
      },
      { pool, onProgress: (p) => bar.update(p.frames, p.totalFrames) },
    );
    bar.stop();
    report(bf.warnings);
    const seconds = (performance.now() - started) / 1000;
    const files: [string, Uint8Array | string][] = [];
    const step = (nm: number) => (nm > 0 ? nm / 1000 : 0.01);
    outputs.forEach((output, i) => {
      switch (kinds[i]) {
        case 'ctf':
          files.push([
            output,
            formatCtf({
              project: basename(file),
              nx,
              ny,
              xStep: step(bf.header.SX),
              yStep: step(bf.header.SY),
              voltage: map.voltage,
              phases,
              phase: map.phase,
              euler: map.euler,
              bands: map.spots,
              bc: Array.from(map.correlation, (c) => Math.min(255, Math.round(255 * c))),
              bs: map.reliability,
            }),
          ]);
          break;
        case 'ang':
          files.push([output, formatAng({ nx, ny, xStep: step(bf.header.SX), yStep: step(bf.header.SY), phases, ...map })]);
          break;
        case 'npy':
          files.push([output, npyBytes(map)]);
          break;
        case 'png':
          files.push(...pngFiles(output, map, phases, axis));
          break;
      }
    });
    for (const [path, content] of files) {
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
      await writeFileAtomically(path, { overwrite: flags.overwrite }, (sink) => sink.write(bytes, 0));
    }
    const { templates } = librarySize(map.library);
    const counts = phases.map((p, i) => {
      let n = 0;
      for (let j = 0; j < map.phase.length; j++) if (map.phase[j] === i + 1) n++;
      return `${p.name} ${((100 * n) / map.indexed).toFixed(1)} %`;
    });
    out(
      `indexed ${map.indexed} patterns in ${seconds.toFixed(1)} s (${(map.indexed / seconds).toFixed(0)} patterns/s): ${counts.join(', ')}; ` +
        `${templates} templates at ${map.library.resolution}°, precession ${map.precession}°, ${map.voltage} kV`,
    );
  } finally {
    bar.stop();
    await pool?.close();
    await bf.close();
  }
}

/** The files a .png output writes. */
function pngNames(output: string): string[] {
  const stem = join(dirname(output), basename(output, extname(output)));
  return [output, `${stem}-phase.png`, `${stem}-reliability.png`];
}
