#!/usr/bin/env node
// `npm start`: the main job on the built-in demo dataset. Generates the demo
// (a physically simulated two-phase scan) on first run, shows what it holds, then opens it in the browser viewer
// (`blo view`), which serves it on 127.0.0.1 until Ctrl+C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const blo = join(root, 'bin', 'blo.js');
const dir = join(root, 'demo-data');
const demo = join(dir, 'demo.blo');

function run(...args) {
  console.log(`\n$ blo ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [blo, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The newest modification time of the files under `path`. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

// Installing runs no script: build here when there is no build, or when the sources are newer than it.
const built = join(root, 'dist', 'bin', 'blo.js');
const sources = ['src', join('viewer', 'src'), join('viewer', 'index.html')].map((p) => join(root, p)).filter(existsSync);
if (!existsSync(built) || !existsSync(join(root, 'dist', 'viewer', 'index.html')) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs) {
  console.log('$ npm run build');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

mkdirSync(dir, { recursive: true });
// A two-phase polycrystal (copper and ferrite from examples/) simulated kinematically, with its
// true phase and orientation map beside it; a demo from before that map existed is replaced.
const truth = join(dir, 'demo-truth.ctf');
if (!existsSync(demo) || !existsSync(truth)) {
  const phase = (name) => ['--phase', join(root, 'examples', name)];
  run('demo', demo, '--scan', '64x64', '--size', '128', '--seed', '1', ...phase('Cu.cif'), ...phase('ferrite.cif'),
    '--grains', '8', '--pixel-size', '0.025', '--precession', '1', '--truth', truth, '--overwrite');
}
run('info', demo, '--no-check');
// The server runs until stopped: pass Ctrl+C (or a kill) on to it and leave with its exit code.
console.log(`\n$ blo view ${demo} ${process.argv.slice(2).join(' ')}`);
const server = spawn(process.execPath, [blo, 'view', demo, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 1));
