/**
 * The analysis commands past one machine: `--part I/N` computes part I of N
 * of the scan into a shared results store (`-o results.zarr`), `--slurm N`
 * writes the Slurm array job that runs every part (`--submit` submits it),
 * and `blo convert results.zarr OUT` turns a finished store into the file
 * the single-process command would have written.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { analysisShape, compileRequest, ResultCollector } from '../../analysis/accumulate.js';
import type { AnalysisPool } from '../../analysis/engine.js';
import type { AnalysisRequest, PartialResult } from '../../analysis/request.js';
import { checkTarget, writeFileAtomically } from '../../node/atomic-file.js';
import { analyzePart } from '../../node/part-analysis.js';
import { inputIdentity, missingParts, openPartStore, partRows, readPartStore, type PartStatistic, type PartStoreSpec } from '../../node/part-store.js';
import type { Blockfile } from '../../reader/blockfile.js';
import { UsageError } from '../errors.js';
import type { NamedImage } from '../image-output.js';
import { numberOption } from '../numbers.js';

/** What the store keeps for each command. */
export type PartCommand = 'virtual' | 'sum' | 'mean' | 'max' | 'std' | 'com';

export interface PartFlags {
  part?: string;
  slurm?: string;
  submit?: boolean;
}

/** What a finished store of `command` is usually converted to, for the hints printed. */
function finishedOutput(command: string): string {
  return command === 'index' ? 'OUT.ctf' : 'OUT.npy';
}

/** `--part I/N` as [I, N], 0 ≤ I < N. */
export function parsePart(text: string): [number, number] {
  const pieces = text.split('/');
  if (pieces.length !== 2) throw new UsageError(`--part must be I/N (task I of N, 0-based), got "${text}"`);
  const parts = numberOption('--part', pieces[1], { integer: true, min: 1 });
  const part = numberOption('--part', pieces[0], { integer: true, min: 0 });
  if (part >= parts) throw new UsageError(`--part ${text}: the task must be 0 to ${parts - 1}`);
  return [part, parts];
}

export function isStoreOutput(output: string | undefined): boolean {
  return output !== undefined && extname(output).toLowerCase() === '.zarr';
}

/** The request as JSON that identifies it: mask weights by their SHA-256. */
function requestJson(request: AnalysisRequest): unknown {
  return JSON.parse(
    JSON.stringify(request, (key, value: unknown) => {
      if (ArrayBuffer.isView(value)) {
        const view = value as ArrayBufferView;
        const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
        return { length: (value as Float64Array).length, sha256: createHash('sha256').update(bytes).digest('hex') };
      }
      return value;
    }),
  );
}

function layout(command: PartCommand, request: AnalysisRequest): { images: string[]; statistics: PartStatistic[] } {
  if (command === 'virtual') return { images: (request.virtual ?? []).map((_, i) => String(i + 1)), statistics: [] };
  if (command === 'com') return { images: ['x', 'y'], statistics: [] };
  const statistics: Record<'sum' | 'mean' | 'max' | 'std', PartStatistic[]> = { sum: ['sum'], mean: ['sum'], max: ['max'], std: ['sum', 'sum_sq'] };
  return { images: [], statistics: statistics[command] };
}

export interface PartTaskOptions {
  overwrite?: boolean;
  /** The input as given (a path or a URL): a store holding that path is never replaced. */
  input: string;
  /** Told what was written and how many parts are done. */
  print?: (line: string) => void;
}

/** What a split command stores: its name, its request as JSON (what the tasks must agree on), its arrays. */
export interface PartJob {
  command: string;
  request: unknown;
  /** Per-position images, [NY, NX] each. */
  images: string[];
  /** Per-part partial pattern statistics. */
  statistics: PartStatistic[];
}

/** What one part computed: its rows of every image (in the job's order), its partial statistics. */
export interface PartValues {
  images: Float64Array[];
  statistics?: Partial<Record<PartStatistic, Float64Array>>;
  count?: number;
}

/**
 * One task of any split command: opens (or creates) the store for `job` on
 * `bf`, runs `compute` for the task's scan rows [first, end), writes what it
 * returns, and says how many parts are done. Any per-position analysis (an
 * orientation map too) can run as parts through this.
 */
export async function runPartTask(
  bf: Blockfile,
  job: PartJob,
  [part, parts]: [number, number],
  output: string,
  options: PartTaskOptions,
  compute: (rows: { first: number; end: number }) => Promise<PartValues>,
): Promise<void> {
  const shape = analysisShape(bf.geometry);
  // The header, note and stored VBF: what tells one acquisition from another (at most 16 MiB).
  const head = await bf.source.read(0, Math.max(240, Math.min(bf.layout.framesOffset, bf.source.size, 16 << 20)));
  const spec: PartStoreSpec = {
    format: 1,
    command: job.command,
    parts,
    chunk_rows: partRows(shape.scanRows, parts, 0).chunkRows,
    scan_shape: [shape.scanRows, shape.scanCols],
    pattern_shape: [shape.patternRows, shape.patternCols],
    input: inputIdentity(bf.name, bf.source.size, head),
    request: job.request,
    images: job.images,
    statistics: job.statistics,
  };
  const reads = /^https?:\/\//i.test(options.input) ? [] : [options.input];
  const store = await openPartStore(output, spec, { overwrite: options.overwrite, reads });
  const rows = partRows(shape.scanRows, parts, part);
  const values = await compute(rows);
  await store.writePart(part, values.images, values.statistics ?? {}, values.count ?? 0);
  const missing = await missingParts(output, spec);
  const written = rows.end > rows.first ? `scan rows ${rows.first}–${rows.end - 1}` : 'no scan rows';
  options.print?.(
    `${output}: part ${part} of ${parts} written (${written}); ${missing.length === 0 ? `all ${parts} done: blo convert ${output} ${finishedOutput(job.command)}` : `${parts - missing.length} of ${parts} done`}`,
  );
}

/** Computes part `part` of `parts` of an analysis pass and writes it into the store at `output`. */
export async function runPart(
  bf: Blockfile,
  command: PartCommand,
  request: AnalysisRequest,
  part: [number, number],
  output: string,
  options: PartTaskOptions & { pool?: AnalysisPool; onProgress?: (p: { frames: number; totalFrames: number }) => void },
): Promise<void> {
  compileRequest(request, analysisShape(bf.geometry)); // a bad request fails before anything is written
  const job: PartJob = { command, request: requestJson(request), ...layout(command, request) };
  await runPartTask(bf, job, part, output, options, async () => {
    const partial = await analyzePart(bf, request, part[0], part[1], { pool: options.pool, onProgress: options.onProgress });
    return {
      images: command === 'virtual' ? partial.virtual : command === 'com' ? [partial.comX!, partial.comY!] : [],
      statistics: { sum: partial.sum, sum_sq: partial.sumSq, max: partial.max },
      count: partial.count,
    };
  });
}

/** The images a finished store holds, as the single-process command would write them. */
export async function partStoreImages(path: string): Promise<NamedImage[]> {
  const { spec, images, parts } = await readPartStore(path);
  const [rows, cols] = spec.scan_shape;
  if (spec.statistics.length === 0) return spec.images.map((name, i) => ({ name, data: images[i], rows, cols }));
  const [patternRows, patternCols] = spec.pattern_shape;
  const statistic = spec.command as 'sum' | 'mean' | 'max' | 'std';
  const shape = { scanRows: rows, scanCols: cols, patternRows, patternCols, frameCount: rows * cols, pixels: patternRows * patternCols };
  // The engine's own merge of partial results: the same sums, in exact arithmetic, as one pass.
  const collector = new ResultCollector(compileRequest({ patterns: { [statistic]: true } }, shape));
  for await (const p of parts()) {
    const partial: PartialResult = { start: 0, end: 0, virtual: [], sum: p.statistics.sum, sumSq: p.statistics.sum_sq, max: p.statistics.max, count: p.count };
    collector.add(partial);
  }
  const result = collector.finish();
  return [{ name: statistic, data: result[statistic]!, rows: patternRows, cols: patternCols }];
}

/** Quotes a word for bash. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command line as given, without --slurm, --submit and --part. */
function taskArguments(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--submit' || /^--(slurm|part)=/.test(a)) continue;
    if (a === '--slurm' || a === '--part') {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** The Slurm array job script that runs every part of this command. */
export function slurmScript(command: string, output: string, parts: number, argv: readonly string[], workers: string | undefined): string {
  const cwd = process.cwd();
  const stem = basename(output, extname(output));
  const log = join(resolve(dirname(output)), `${stem}-%A_%a.log`);
  const blo = [process.execPath, resolve(process.argv[1])];
  const lines = [
    '#!/bin/bash',
    `# blo ${command} as ${parts} independent tasks (a Slurm job array): task I computes its scan rows and writes`,
    `# them into ${output}; blo convert ${output} ${command === 'index' ? 'OUT.ctf|.ang|.npy|.png' : 'OUT.npy|.tiff|.png'} then writes the result.`,
    `# Submit: sbatch ${stem}.sbatch     rerun a failed task i alone: sbatch --array=i ${stem}.sbatch`,
    `#SBATCH --job-name=blo-${command}`,
    `#SBATCH --array=0-${parts - 1}`,
    `#SBATCH --chdir=${shellWord(cwd)}`,
    `#SBATCH --output=${shellWord(log)}`,
    '#SBATCH --ntasks=1',
    ...(workers !== undefined && Number(workers) > 1 ? [`#SBATCH --cpus-per-task=${Number(workers)}`] : []),
    'set -euo pipefail',
    // N is written out: a rerun of some tasks (--array=2) has a smaller SLURM_ARRAY_TASK_COUNT.
    `exec ${[...blo, ...taskArguments(argv)].map(shellWord).join(' ')} --part "\${SLURM_ARRAY_TASK_ID}/${parts}"`,
    '',
  ];
  return lines.join('\n');
}

/** `--slurm N`: writes OUT.sbatch beside the store (and submits it with --submit). */
export async function writeSlurmJob(
  command: string,
  output: string,
  parts: number,
  flags: { overwrite?: boolean; submit?: boolean; workers?: string },
  print: (line: string) => void,
): Promise<void> {
  const script = join(dirname(output), `${basename(output, extname(output))}.sbatch`);
  const text = slurmScript(command, output, parts, process.argv.slice(2), flags.workers);
  const finished = finishedOutput(command);
  await checkTarget(script, { overwrite: flags.overwrite });
  await writeFileAtomically(script, { overwrite: flags.overwrite }, (sink) => sink.write(new TextEncoder().encode(text), 0));
  await chmod(script, 0o755);
  if (!flags.submit) {
    print(`wrote ${script}: submit it with sbatch ${script} (${parts} tasks), then blo convert ${output} ${finished}`);
    return;
  }
  const submitted = spawnSync('sbatch', ['--parsable', script], { encoding: 'utf8' });
  if (submitted.error) throw new Error(`wrote ${script} but cannot run sbatch (${(submitted.error as NodeJS.ErrnoException).code ?? submitted.error.message}); submit it on a Slurm login node`);
  if (submitted.status !== 0) throw new Error(`wrote ${script}; sbatch refused it: ${submitted.stderr.trim().split('\n')[0]}`);
  print(`submitted ${script} as job ${submitted.stdout.trim().split(';')[0]} (${parts} tasks); when done: blo convert ${output} ${finished}`);
}
