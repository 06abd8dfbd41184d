/**
 * `blo index SCAN.blo --phase A.cif … --pixel-size A -o OUT.ctf|.ang|.npy|.png`:
 * orientation and phase maps by template matching, on worker threads.
 */
import { encode } from 'fast-png';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import type { Phase } from '../../crystal/phase.js';
import { indexOrientations, libraryOptionsFor, scanShapeOf, type IndexOptions, type IndexProgress, type ScanRect } from '../../indexing/engine.js';
import { buildLibrary, librarySize } from '../../indexing/library.js';
import { createIndexMaps } from '../../indexing/match.js';
import type { Blockfile } from '../../reader/blockfile.js';
import { ipfColours, ipfKey, IPF_LAUE_GROUPS } from '../../indexing/ipf.js';
import { NPY_COLUMNS, orientationAng, orientationCtf, orientationNpy, orientationRow, phaseColour, type IndexedMap, type MapSource } from '../../indexing/outputs.js';
import { checkTarget, writeFileAtomically } from '../../node/atomic-file.js';
import { createNodeAnalysisPool } from '../../node/analysis-pool.js';
import { loadPhase, phaseFromCif } from '../../node/crystal.js';
import { openBlockfile } from '../../node/open.js';
import { UsageError } from '../errors.js';
import { numberList, numberOption } from '../numbers.js';
import { progressBar } from '../progress.js';
import { warningPrinter } from '../warnings.js';

/** The progress bar's words for the pass under way (the bar itself spans both passes). */
function passDetail(p: IndexProgress): string {
  return `${p.pass === 'search' ? 'search' : "neighbours' pass"}: ${p.passFrames}/${p.passTotal} patterns`;
}

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
  spotWidth?: string;
  fit?: boolean;
  neighbours?: boolean;
  ipf?: string;
  workers?: string;
  output?: string[];
  overwrite?: boolean;
  part?: string;
  slurm?: string;
  submit?: boolean;
}

const KINDS = ['ctf', 'ang', 'npy', 'png'] as const;
type Kind = (typeof KINDS)[number];

function kindOf(path: string): Kind {
  const ext = extname(path).slice(1).toLowerCase();
  if (!(KINDS as readonly string[]).includes(ext)) throw new UsageError(`cannot write ${path}: use a .ctf, .ang, .npy or .png file`);
  return ext as Kind;
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

/** The PNGs: the IPF map with one key per Laue group beside it, the phase map and the reliability map. */
function pngFiles(output: string, map: IndexedMap, phases: Phase[], axis: 0 | 1 | 2): [string, Uint8Array][] {
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
    phaseRgb.set(phaseColour(p), 3 * i);
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

/** Where the outputs are written from: the scanned file's name and scan steps, and the IPF map's axis. */
interface OutputContext extends MapSource {
  axis: 0 | 1 | 2;
}

/** The files the outputs hold, in order: .ctf, .ang, .npy and the PNGs (three per .png). */
export function indexOutputFiles(outputs: readonly string[], map: IndexedMap, phases: Phase[], context: OutputContext): [string, Uint8Array][] {
  const text = (t: string) => new TextEncoder().encode(t);
  return outputs.flatMap((output): [string, Uint8Array][] => {
    switch (kindOf(output)) {
      case 'ctf':
        return [[output, text(orientationCtf(map, phases, context))]];
      case 'ang':
        return [[output, text(orientationAng(map, phases, context))]];
      case 'npy':
        return [[output, orientationNpy(map)]];
      case 'png':
        return pngFiles(output, map, phases, context.axis);
    }
  });
}

/** Every file the outputs write (a .png writes three), for refusing existing ones before the work. */
function outputTargets(outputs: readonly string[]): string[] {
  return outputs.flatMap((o) => (kindOf(o) === 'png' ? pngNames(o) : [o]));
}

async function writeOutputs(files: [string, Uint8Array][], overwrite: boolean | undefined): Promise<void> {
  for (const [path, bytes] of files) await writeFileAtomically(path, { overwrite }, (sink) => sink.write(bytes, 0));
}

/** The flags as index options, checked before anything is read. */
function indexSettings(flags: IndexFlags) {
  if (!flags.phase || flags.phase.length === 0) throw new UsageError('give at least one phase: --phase A.cif');
  if (flags.phase.length > 255) throw new UsageError(`give at most 255 phases, got ${flags.phase.length}`);
  if (flags.pixelSize === undefined) throw new UsageError('give the reciprocal calibration with --pixel-size (Å⁻¹ per pattern pixel)');
  const pixelSize = numberOption('--pixel-size', flags.pixelSize, { above: 0 });
  const precession = flags.precession === undefined ? undefined : numberOption('--precession', flags.precession, { min: 0, max: 9.99 });
  const voltage = flags.voltage === undefined ? undefined : numberOption('--voltage', flags.voltage, { above: 0 });
  const resolution = flags.resolution === undefined ? undefined : numberOption('--resolution', flags.resolution, { min: 0.25, max: 10 });
  const thickness = flags.thickness === undefined ? undefined : numberOption('--thickness', flags.thickness, { above: 0 });
  const solutions = flags.solutions === undefined ? undefined : numberOption('--solutions', flags.solutions, { integer: true, min: 1, max: 64 });
  const spotSigma = flags.spotWidth === undefined ? undefined : numberOption('--spot-width', flags.spotWidth, { above: 0 });
  if (flags.fit === false && spotSigma !== undefined) throw new UsageError('--spot-width is for the profile fit, which --no-fit turns off');
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
  const options: IndexOptions = {
    pixelSize,
    ...(precession !== undefined && { precession }),
    ...(voltage !== undefined && { voltage }),
    ...(resolution !== undefined && { resolution }),
    ...(thickness !== undefined && { thickness }),
    ...(solutions !== undefined && { solutions }),
    ...(flags.fit === false && { fit: false as const }),
    ...(flags.neighbours === false && { neighbours: false }),
    ...(spotSigma !== undefined && { fit: { spotSigma } }),
    ...(center && { center }),
    ...(region && { region }),
  };
  return { options, axis, workers, phasePaths: flags.phase };
}

/** Checks the options against the scan: square patterns, the centre in the pattern, the region in the scan. */
function checkAgainstScan(file: string, bf: Blockfile, flags: IndexFlags, options: IndexOptions): void {
  const [ny, nx] = scanShapeOf(bf);
  const [dpy, dpx] = bf.geometry.sigShape;
  if (dpx !== dpy) throw new UsageError(`${file}: patterns are ${dpy} × ${dpx}; indexing needs square patterns`);
  const center = options.center;
  if (center && !(center[0] >= 0 && center[0] <= dpx - 1 && center[1] >= 0 && center[1] <= dpy - 1)) {
    throw new UsageError(`--center must be inside the ${dpx} × ${dpy} pattern, got "${flags.center}"`);
  }
  const region = options.region;
  if (region && (region.x1 > nx || region.y1 > ny)) throw new UsageError(`--region ${flags.region} reaches outside the ${nx} × ${ny} scan`);
}

async function loadPhases(paths: readonly string[]): Promise<Phase[]> {
  const phases: Phase[] = [];
  for (const path of paths) phases.push(await loadPhase(path));
  for (const p of phases) {
    if (!IPF_LAUE_GROUPS.includes(p.laueGroup)) throw new UsageError(`${p.file}: Laue group ${p.laueGroup} is not supported`);
  }
  return phases;
}

export async function indexCommand(file: string, flags: IndexFlags, out: (line: string) => void, warn: (line: string) => void): Promise<void> {
  const outputs = flags.output ?? [];
  if (outputs.length === 0) throw new UsageError('say where to write the map with -o OUT.ctf, OUT.ang, OUT.npy or OUT.png (repeatable)');
  const stores = outputs.filter((o) => /\.zarr$/i.test(o));
  if (stores.length > 0 || flags.part !== undefined || flags.slurm !== undefined || flags.submit) {
    if (stores.length !== 1 || outputs.length !== 1) throw new UsageError('--part and --slurm write one results store: give -o RESULTS.zarr alone (then blo convert RESULTS.zarr OUT.ctf)');
    return indexParts(file, flags, stores[0], out, warn);
  }
  outputs.forEach(kindOf);
  const { options, axis, workers, phasePaths } = indexSettings(flags);
  const phases = await loadPhases(phasePaths);
  const bf = await openBlockfile(file);
  const report = warningPrinter(warn);
  const bar = progressBar('indexing', 'patterns');
  const pool = workers > 1 ? createNodeAnalysisPool(workers) : undefined;
  try {
    report(bf.warnings);
    checkAgainstScan(file, bf, flags, options);
    // Refuse existing outputs before the work.
    for (const t of outputTargets(outputs)) await checkTarget(t, { overwrite: flags.overwrite });
    const started = performance.now();
    const map = await indexOrientations(bf, phases, options, { pool, onProgress: (p) => bar.update(p.frames, p.totalFrames, passDetail(p)) });
    bar.stop();
    report(bf.warnings);
    const seconds = (performance.now() - started) / 1000;
    await writeOutputs(indexOutputFiles(outputs, map, phases, { project: basename(file), SX: bf.header.SX, SY: bf.header.SY, axis }), flags.overwrite);
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

/** The per-position arrays a results store of blo index holds, as images/NAME: the .npy columns and the quaternion. */
const STORE_IMAGES = [...NPY_COLUMNS, 'q0', 'q1', 'q2', 'q3'];

/** What the tasks of one split index run agree on, and what blo convert needs to write the map files. */
interface IndexJobRequest {
  options: Omit<IndexOptions, 'library'>;
  /** The phases' CIF files: names and texts, so that the store alone gives the .ctf/.ang phase tables. */
  phases: { file: string; cif: string }[];
  /** What the templates were simulated for (the defaults resolved from the file). */
  voltage: number;
  precession: number;
  project: string;
  scan_step_nm: [number, number];
}

/** The rows [first, end) of a map over the whole scan as the store's images (float64). */
function storeRows(map: IndexedMap, nx: number, first: number, end: number): Float64Array[] {
  const a = first * nx;
  const b = end * nx;
  const columns: Float64Array[] = STORE_IMAGES.map(() => new Float64Array(b - a));
  for (let i = a; i < b; i++) {
    const values = [...orientationRow(map, i), ...map.quaternion.subarray(4 * i, 4 * i + 4)];
    values.forEach((v, k) => (columns[k][i - a] = v));
  }
  return columns;
}

/** `blo index … -o results.zarr --part I/N` (or `--slurm N`): this task's scan rows of the map into the shared store. */
async function indexParts(file: string, flags: IndexFlags, output: string, out: (line: string) => void, warn: (line: string) => void): Promise<void> {
  const parts = await import('./parts.js');
  if (flags.part !== undefined && flags.slurm !== undefined) throw new UsageError('give --part (one task) or --slurm (the job of all tasks), not both');
  if (flags.submit && flags.slurm === undefined) throw new UsageError('--submit submits the job that --slurm N writes: give --slurm N');
  if (flags.ipf !== undefined) throw new UsageError('--ipf applies to a .png: give it to blo convert RESULTS.zarr OUT.png');
  const slurm = flags.slurm === undefined ? undefined : numberOption('--slurm', flags.slurm, { integer: true, min: 1 });
  const part = flags.part === undefined ? ([0, 1] as [number, number]) : parts.parsePart(flags.part);
  const { options, workers, phasePaths } = indexSettings(flags);
  const phases = await loadPhases(phasePaths);
  const cifs = await Promise.all(phasePaths.map(async (path) => ({ file: basename(path), cif: await readFile(path, 'utf8') })));
  const bf = await openBlockfile(file);
  const report = warningPrinter(warn);
  const bar = progressBar(slurm === undefined ? `part ${part[0]}/${part[1]}` : 'checking', 'patterns');
  let pool: ReturnType<typeof createNodeAnalysisPool> | undefined;
  try {
    report(bf.warnings);
    checkAgainstScan(file, bf, flags, options);
    if (slurm !== undefined) {
      await parts.writeSlurmJob('index', output, slurm, flags, out);
      return;
    }
    // One library for the task, and what it resolved (voltage, precession) recorded for blo convert.
    const library = buildLibrary(phases, libraryOptionsFor(bf, phases, options));
    const job: IndexJobRequest = {
      options,
      phases: cifs,
      voltage: library.voltage,
      precession: library.precession,
      project: basename(file),
      scan_step_nm: [bf.header.SX, bf.header.SY],
    };
    const [ny, nx] = scanShapeOf(bf);
    const whole = options.region ?? { x0: 0, y0: 0, x1: nx, y1: ny };
    pool = workers > 1 ? createNodeAnalysisPool(workers) : undefined;
    let done = '';
    await parts.runPartTask(
      bf,
      { command: 'index', request: job, images: STORE_IMAGES, statistics: [] },
      part,
      output,
      { overwrite: flags.overwrite, input: file, print: (line) => (done = line) },
      async ({ first, end }) => {
        // The task's rows of the region; positions outside it keep the values a whole run leaves there.
        const region = { ...whole, y0: Math.max(whole.y0, first), y1: Math.min(whole.y1, end) };
        // The rows beside the task's seed the neighbours' pass at its edges, as in a whole run.
        const seedRegion = { ...whole, y0: Math.max(whole.y0, region.y0 - 1), y1: Math.min(whole.y1, region.y1 + 1) };
        const map: IndexedMap =
          region.y1 > region.y0
            ? await indexOrientations(bf, phases, { ...options, library, region, seedRegion }, { pool, onProgress: (p) => bar.update(p.frames, p.totalFrames, passDetail(p)) })
            : { ...createIndexMaps(nx * ny, 1), scanShape: [ny, nx], voltage: library.voltage };
        return { images: storeRows(map, nx, first, end) };
      },
    );
    bar.stop();
    out(done);
    report(bf.warnings);
  } finally {
    bar.stop();
    await pool?.close();
    await bf.close();
  }
}

/** `blo convert results.zarr OUT.ctf|.ang|.npy|.png`: a finished store of blo index tasks as the files blo index writes. */
export async function convertIndexStore(input: string, output: string, flags: { overwrite?: boolean; ipf?: string }): Promise<void> {
  const { readPartStore } = await import('../../node/part-store.js');
  const { spec, images } = await readPartStore(input);
  const job = spec.request as IndexJobRequest;
  const axis = ({ x: 0, y: 1, z: 2 } as const)[(flags.ipf ?? 'z') as 'x' | 'y' | 'z'];
  if (axis === undefined) throw new UsageError(`--ipf must be x, y or z, got "${flags.ipf}"`);
  kindOf(output);
  for (const t of outputTargets([output])) await checkTarget(t, { overwrite: flags.overwrite });
  const phases: Phase[] = [];
  for (const { file, cif } of job.phases) phases.push(await phaseFromCif(cif, `${input}: phase ${file}`));
  const [ny, nx] = spec.scan_shape;
  const n = nx * ny;
  const column = (name: string) => images[STORE_IMAGES.indexOf(name)];
  const interleave = (names: string[]) => {
    const out = new Float64Array(names.length * n);
    names.forEach((name, k) => column(name).forEach((v, i) => (out[names.length * i + k] = v)));
    return out;
  };
  const map: IndexedMap = {
    scanShape: [ny, nx],
    voltage: job.voltage,
    phase: Uint8Array.from(column('phase')),
    euler: interleave(['phi1', 'Phi', 'phi2']),
    quaternion: interleave(['q0', 'q1', 'q2', 'q3']),
    correlation: Float32Array.from(column('correlation')),
    reliability: Float32Array.from(column('reliability')),
    phaseReliability: Float32Array.from(column('phase_reliability')),
    spots: Uint16Array.from(column('spots')),
    center: Float32Array.from(interleave(['center_x', 'center_y'])),
  };
  const [SX, SY] = job.scan_step_nm;
  await writeOutputs(indexOutputFiles([output], map, phases, { project: job.project, SX, SY, axis }), flags.overwrite);
}

/** The files a .png output writes. */
function pngNames(output: string): string[] {
  const stem = join(dirname(output), basename(output, extname(output)));
  return [output, `${stem}-phase.png`, `${stem}-reliability.png`];
}
