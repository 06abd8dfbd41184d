/**
 * Every code example in the README runs as written: each `blo` line of the
 * shell blocks, each TypeScript block (transpiled, run with Node against the
 * built package, importing 'blockfile' as a user would) and the Dask block
 * where Debian's Dask is installed. Each block runs in a folder of its own
 * holding the files the examples name (scan.blo, data.npy, processed.hspy…).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpyHeader } from '../src/npy/npy.js';
import { tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { pythonModule } from './helpers/python.js';

interface Block {
  lang: string;
  code: string;
  line: number;
}

function readmeBlocks(): Block[] {
  const blocks: Block[] = [];
  const lines = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    blocks.push({ lang: open[1], code: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

/** The shell commands of a block that are `blo` commands, continuation lines joined; `blo view` serves until stopped and is left out. */
function bloCommands(code: string): string[] {
  return code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('blo ') && !l.startsWith('blo view'));
}

const blocks = readmeBlocks();
const { dir, cleanup } = tempDir();
afterAll(cleanup);
const inputs = join(dir, 'inputs');
const bin = join(dir, 'bin');
const scripts = join(REPO_ROOT, '.tmp', 'readme');
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };

function run(command: string, cwd: string): { status: number | null; output: string } {
  const result = spawnSync('bash', ['-c', command], { cwd, env, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A fresh folder with every input the examples name, but those a block makes itself (`blo demo FILE`). */
function folderFor(name: string, commands: string[] = []): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  const made = commands.map((c) => /^blo demo (\S+)/.exec(c)?.[1]);
  for (const file of ['scan.blo', 'scan16.blo', 'data.npy', 'm.npy', 'big.npy', 'processed.hspy', 'stack.tiff']) {
    if (!made.includes(file)) copyFileSync(join(inputs, file), join(folder, file));
  }
  symlinkSync(join(REPO_ROOT, 'examples'), join(folder, 'examples'));
  return folder;
}

beforeAll(async () => {
  mkdirSync(bin);
  writeFileSync(join(bin, 'blo'), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, 'bin', 'blo.js')}" "$@"\n`);
  chmodSync(join(bin, 'blo'), 0o755);
  mkdirSync(inputs);
  mkdirSync(scripts, { recursive: true });
  const setup = [
    'blo demo scan.blo --scan 32x32 --size 128 --seed 3',
    'blo demo scan16.blo --scan 8x8 --size 32 --bits 16',
    'blo convert scan.blo processed.hspy',
    'blo convert scan.blo stack.tiff',
  ];
  for (const command of setup) expect(run(command, inputs).status, command).toBe(0);
  writeFileSync(join(inputs, 'data.npy'), Buffer.concat([encodeNpyHeader('float32', [2, 3, 16, 16]), Buffer.from(Float32Array.from({ length: 1536 }, (_, i) => i % 97).buffer)]));
  writeFileSync(join(inputs, 'm.npy'), Buffer.concat([encodeNpyHeader('float64', [128, 128]), Buffer.from(Float64Array.from({ length: 128 * 128 }, (_, i) => (i % 128 < 64 ? 1 : 0)).buffer)]));
  writeFileSync(join(inputs, 'big.npy'), Buffer.concat([encodeNpyHeader('uint16', [8, 8, 32, 32]), Buffer.from(Uint16Array.from({ length: 65536 }, (_, i) => i * 7).buffer)]));
}, 180_000);

afterAll(() => rmSync(scripts, { recursive: true, force: true }));

describe('README examples', () => {
  it('the README has shell, TypeScript and Python examples', () => {
    expect(blocks.filter((b) => b.lang === 'sh').length).toBeGreaterThanOrEqual(5);
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(5);
  });

  it('every blo command of the shell blocks runs (exit 0)', () => {
    let ran = 0;
    for (const block of blocks.filter((b) => b.lang === 'sh')) {
      const commands = bloCommands(block.code);
      if (commands.length === 0) continue;
      const folder = folderFor(`sh-${block.line}`, commands);
      for (const command of commands) {
        const result = run(command, folder);
        expect(result.status, `README line ${block.line}: ${command}\n${result.output}`).toBe(0);
        ran++;
      }
    }
    expect(ran).toBeGreaterThanOrEqual(30);
  }, 300_000);

  it('every TypeScript block runs with Node against the built package', async () => {
    for (const block of blocks.filter((b) => b.lang === 'ts')) {
      const folder = folderFor(`ts-${block.line}`);
      const { code } = await transform(block.code, { loader: 'ts', format: 'esm', target: 'node20' });
      // Inside the repository, so that 'blockfile' resolves to this package as it does in a user's project.
      const script = join(scripts, `block-${block.line}.mjs`);
      writeFileSync(script, code);
      const result = spawnSync(process.execPath, [script], { cwd: folder, encoding: 'utf8' });
      expect(result.status, `README line ${block.line}:\n${result.stdout}${result.stderr}`).toBe(0);
    }
  }, 300_000);

  const dask = pythonModule('dask.array');
  const distributed = pythonModule('distributed');
  if (!dask.ok || !distributed.ok) console.warn(`skipping the README's Dask example: ${dask.ok ? distributed.why : dask.why} (install python3-dask python3-distributed)`);
  it.skipIf(!dask.ok || !distributed.ok)('the Dask example runs on the .zarr blo convert writes', () => {
    const block = blocks.find((b) => b.lang === 'python')!;
    const folder = folderFor('python');
    expect(run('blo convert scan.blo scan.zarr', folder).status).toBe(0);
    writeFileSync(join(folder, 'example.py'), block.code);
    const result = spawnSync('/usr/bin/python3', ['example.py'], { cwd: folder, encoding: 'utf8' });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/\(32, 32\)/);
  }, 180_000);
});
