/**
 * `--part` on a real scheduler: a one-node Slurm cluster (Debian's munged,
 * slurmctld and slurmd, as root, with their own key, socket, ports and
 * configuration in a temporary folder) runs `blo virtual|index … --slurm 4` as a job array;
 * the store it fills equals one process bit for bit; one task's chunks
 * deleted and that task rerun alone (`sbatch --array=2`) complete it again.
 * Skips, saying why, where the daemons are missing or cannot start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partChunkFiles } from '../src/node/part-store.js';
import { blo, oneLineError, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const DAEMONS = { munged: '/usr/sbin/munged', slurmctld: '/usr/sbin/slurmctld', slurmd: '/usr/sbin/slurmd' };
const CLIENTS = ['sbatch', 'sinfo', 'squeue', 'scontrol', 'scancel'];

const { dir, cleanup } = tempDir();
const running: ChildProcess[] = [];
let unavailable: string | undefined;
let env: NodeJS.ProcessEnv = process.env;

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => {
    try {
      accessSync(join(d, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, for at most `ms`. */
async function waitFor(what: string, ms: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await sleep(250);
  }
  throw new Error(`${what} within ${ms / 1000} s`);
}

function daemon(path: string, args: string[], log: string): ChildProcess {
  const child = spawn(path, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
  child.on('error', (e) => writeFileSync(log, `spawn failed: ${e.message}\n`, { flag: 'a' }));
  running.push(child);
  return child;
}

function tail(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').slice(-3).join(' | ') : '(no log)';
}

async function startCluster(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'Slurm runs on Linux only';
  if (process.getuid?.() !== 0) return 'the daemons need root (munged and slurmd as root)';
  const missing = [...Object.values(DAEMONS).filter((p) => !existsSync(p)), ...CLIENTS.filter((c) => !onPath(c))];
  if (missing.length > 0) return `not installed: ${missing.join(', ')} (apt-get install slurmctld slurmd slurm-client munge)`;

  chmodSync(dir, 0o755); // munged wants its socket's folder reachable by all
  const node = hostname().split('.')[0];
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(dir, 'munge.sock');
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  const log = (name: string) => join(dir, 'log', `${name}.log`);
  daemon(DAEMONS.munged, ['-F', '-f', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${join(dir, 'munged.pid')}`, `--log-file=${log('munged')}`, `--seed-file=${join(dir, 'munged.seed')}`], log('munged'));
  try {
    await waitFor('munged did not create its socket', 15_000, () => existsSync(socket));
  } catch (error) {
    return `${(error as Error).message}: ${tail(log('munged'))}`;
  }
  const conf = join(dir, 'slurm.conf');
  const cpus = Math.max(1, Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || 1);
  writeFileSync(
    conf,
    [
      'ClusterName=blotest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      'SlurmUser=root',
      'SlurmdUser=root',
      `SlurmctldPort=${await freePort()}`,
      `SlurmdPort=${await freePort()}`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${log('slurmctld')}`,
      `SlurmdLogFile=${log('slurmd')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SchedulerType=sched/builtin',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'ReturnToService=2',
      'MpiDefault=none',
      'SwitchType=switch/none',
      'PlugStackConfig=/dev/null',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN`,
      `PartitionName=blo Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  env = { ...process.env, SLURM_CONF: conf };
  daemon(DAEMONS.slurmctld, ['-D', '-f', conf], log('slurmctld'));
  try {
    await waitFor('slurmctld did not answer', 30_000, () => spawnSync('scontrol', ['ping'], { env, encoding: 'utf8', timeout: 5000 }).stdout.includes('UP'));
  } catch (error) {
    return `${(error as Error).message}: ${tail(log('slurmctld'))}`;
  }
  daemon(DAEMONS.slurmd, ['-D', '-f', conf], log('slurmd'));
  try {
    await waitFor(`the node ${node} did not become idle`, 30_000, () => /idle/.test(spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8', timeout: 5000 }).stdout));
  } catch (error) {
    return `${(error as Error).message}: ${tail(log('slurmd'))}`;
  }
  return undefined;
}

beforeAll(async () => {
  unavailable = await startCluster();
  if (unavailable) console.log(`skipping the Slurm tests: ${unavailable}`);
  const made = blo('demo', join(dir, 'scan.blo'), '--scan', '14x9', '--size', '32', '--bits', '16');
  if (made.status !== 0) throw new Error(made.stderr);
}, 120_000);

afterAll(async () => {
  if (running.length > 1) spawnSync('scancel', ['--full', '--partition=blo'], { env, timeout: 10_000 });
  // Every daemon this test started, by its own process: slurmd, slurmctld, then munged.
  for (const child of running.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await Promise.race([exited, sleep(5000)]);
    }
  }
  cleanup();
}, 60_000);

function sbatch(...args: string[]) {
  // --wait returns when the whole array has ended; bounded in case the cluster stalls.
  return spawnSync('sbatch', ['--wait', ...args], { env, cwd: dir, encoding: 'utf8', timeout: 240_000 });
}

describe('a Slurm job array on a one-node cluster', () => {
  it('blo virtual --slurm 4: the array fills the store, equal to one process; a task rerun alone completes it', async (ctx) => {
    if (unavailable) ctx.skip();
    const scan = join(dir, 'scan.blo');
    const store = join(dir, 'bf.zarr');
    const detectors = ['--disk', '15.5,15.5,4', '--annulus', '15.5,15.5,6,14'];
    const written = blo('virtual', scan, ...detectors, '-o', store, '--slurm', '4', '--workers', '1');
    expect(written.status, written.stderr).toBe(0);
    const script = join(dir, 'bf.sbatch');
    const ran = sbatch(script);
    expect(ran.status, `${ran.stderr} ${tail(join(dir, 'log', 'slurmctld.log'))}`).toBe(0);

    const single = join(dir, 'single.npy');
    expect(blo('virtual', scan, ...detectors, '-o', single).status).toBe(0);
    const out = join(dir, 'parts.npy');
    const converted = blo('convert', store, out);
    expect(converted.status, converted.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(single))).toBe(true);

    const spec = JSON.parse(readFileSync(join(store, '.zattrs'), 'utf8')).blockfile_parts;
    for (const f of await partChunkFiles(store, spec, 2)) rmSync(f);
    const incomplete = blo('convert', store, join(dir, 'incomplete.npy'));
    expect(oneLineError(incomplete)).toContain('part 2 of 4 is missing; run blo virtual again with --part 2/4');
    const rerun = sbatch('--array=2', script);
    expect(rerun.status, rerun.stderr).toBe(0);
    const again = join(dir, 'again.npy');
    expect(blo('convert', store, again).status).toBe(0);
    expect(readFileSync(again).equals(readFileSync(single))).toBe(true);
  }, 300_000);

  it('blo index --slurm 4: the array\'s orientation map equals one process\'s .ctf; a task rerun alone completes it', async (ctx) => {
    if (unavailable) ctx.skip();
    const cu = join(REPO_ROOT, 'examples', 'Cu.cif');
    const sped = join(dir, 'sped.blo');
    const index = ['index', sped, '--phase', cu, '--pixel-size', '0.025'];
    expect(blo('demo', sped, '--phase', cu, '--scan', '8x6', '--size', '64', '--pixel-size', '0.025', '--grains', '4').status).toBe(0);
    const store = join(dir, 'map.zarr');
    const written = blo(...index, '-o', store, '--slurm', '4', '--workers', '1');
    expect(written.status, written.stderr).toBe(0);
    const script = join(dir, 'map.sbatch');
    const ran = sbatch(script);
    expect(ran.status, `${ran.stderr} ${tail(join(dir, 'log', 'slurmctld.log'))}`).toBe(0);

    const single = join(dir, 'map-single.ctf');
    expect(blo(...index, '-o', single).status).toBe(0);
    const out = join(dir, 'map-parts.ctf');
    const converted = blo('convert', store, out);
    expect(converted.status, converted.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(single))).toBe(true);

    const spec = JSON.parse(readFileSync(join(store, '.zattrs'), 'utf8')).blockfile_parts;
    for (const f of await partChunkFiles(store, spec, 2)) rmSync(f);
    expect(oneLineError(blo('convert', store, join(dir, 'incomplete.ctf')))).toContain('part 2 of 4 is missing; run blo index again with --part 2/4');
    const rerun = sbatch('--array=2', script);
    expect(rerun.status, rerun.stderr).toBe(0);
    const again = join(dir, 'map-again.ctf');
    expect(blo('convert', store, again).status).toBe(0);
    expect(readFileSync(again).equals(readFileSync(single))).toBe(true);
  }, 300_000);

  it('blo std --slurm 3 --submit: submitted, run, reduced by blo convert to one process\'s pattern', async (ctx) => {
    if (unavailable) ctx.skip();
    const scan = join(dir, 'scan.blo');
    const store = join(dir, 'std.zarr');
    const submitted = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'blo.js'), 'std', scan, '--region', '1,1,8,12', '-o', store, '--slurm', '3', '--submit', '--workers', '1'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(submitted.status, submitted.stderr).toBe(0);
    const job = /as job (\d+)/.exec(submitted.stdout)?.[1];
    expect(job, submitted.stdout).toBeDefined();
    await waitFor(`job ${job} did not finish`, 180_000, () => {
      const queue = spawnSync('squeue', ['-h', '-j', job!], { env, encoding: 'utf8', timeout: 5000 });
      return queue.status === 0 && queue.stdout.trim() === '';
    });
    const single = join(dir, 'std-single.npy');
    expect(blo('std', scan, '--region', '1,1,8,12', '-o', single).status).toBe(0);
    const out = join(dir, 'std-parts.npy');
    const converted = blo('convert', store, out);
    expect(converted.status, converted.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(single))).toBe(true);
  }, 240_000);
});
