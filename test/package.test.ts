/**
 * The package as a user installs it: `npm pack`, then `npm install` of the
 * tarball into an empty project. Installing prints no warning about
 * blockfile and runs no script; `npx blo` works; a consumer's Vite dev
 * server loads the library without a source-map warning (also with the
 * package excluded from pre-bundling, as packages with workers often are);
 * a browser bundle holds no h5wasm; without the optional h5wasm, `.hspy`
 * fails in one line naming the package to install.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from './helpers/browser.js';
import { oneLineError, tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const VITE = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
let tarball: string;

function sh(command: string, args: string[], cwd: string): { status: number | null; out: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 240_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** An empty project with the tarball installed (`extra` npm flags), and what npm printed. */
function consumer(name: string, ...extra: string[]): { folder: string; out: string } {
  const folder = join(dir, name);
  mkdirSync(folder);
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  const install = sh('npm', ['install', tarball, '--no-audit', '--no-fund', ...extra], folder);
  expect(install.status, install.out).toBe(0);
  return { folder, out: install.out };
}

beforeAll(() => {
  // `npm test` built dist/ already; packing builds again through prepack otherwise.
  const pack = sh('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], REPO_ROOT);
  expect(pack.status, pack.out).toBe(0);
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
}, 240_000);

describe('npm install of the packed tarball', () => {
  let full: { folder: string; out: string };
  beforeAll(() => {
    full = consumer('full');
  }, 240_000);

  it('prints no warning about blockfile and runs no install script', () => {
    expect(full.out).not.toMatch(/warn.*blockfile|install-scripts/i);
    const manifest = JSON.parse(readFileSync(join(full.folder, 'node_modules', 'blockfile', 'package.json'), 'utf8'));
    expect(Object.keys(manifest.scripts ?? {}).filter((s) => /^(pre|post)?install$|^prepare$/.test(s))).toEqual([]);
    // What ships: licence, changelog, no TypeScript build leftovers of the CLI's sources.
    const shipped = readdirSync(join(full.folder, 'node_modules', 'blockfile'));
    expect(shipped).toEqual(expect.arrayContaining(['LICENSE', 'CHANGELOG.md', 'README.md', 'bin', 'dist', 'examples']));
    expect(readdirSync(join(full.folder, 'node_modules', 'blockfile', 'dist'))).not.toContain('cli');
  });

  it('npx blo works: --version, a demo file, info', () => {
    expect(sh('npx', ['blo', '--version'], full.folder).out.trim()).toBe(version);
    expect(sh('npx', ['blo', 'demo', 'd.blo', '--scan', '4x4', '--size', '16'], full.folder).status).toBe(0);
    const info = sh('npx', ['blo', 'info', 'd.blo'], full.folder);
    expect(info.status, info.out).toBe(0);
    expect(info.out).toMatch(/4 × 4 positions/);
    const hspy = sh('npx', ['blo', 'convert', 'd.blo', 'd.hspy'], full.folder);
    expect(hspy.status, hspy.out).toBe(0);
  }, 120_000);

  it.skipIf(!CHROMIUM)("a consumer's Vite dev server loads the library with no source-map warning, pre-bundled or not", async () => {
    const { chromium } = await import('playwright-core');
    writeFileSync(join(full.folder, 'index.html'), '<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>');
    writeFileSync(
      join(full.folder, 'main.js'),
      "import * as blockfile from 'blockfile';\nwindow.result = typeof blockfile.openBlockfile === 'function' && typeof blockfile.analyze === 'function' ? 'ok' : 'missing';\n",
    );
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      for (const [port, config] of [[5187, 'export default {};'], [5188, "export default { optimizeDeps: { exclude: ['blockfile'] } };"]] as const) {
        writeFileSync(join(full.folder, 'vite.config.js'), config);
        const server = spawn(process.execPath, [VITE, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: full.folder });
        let log = '';
        server.stdout.on('data', (chunk: Buffer) => (log += chunk));
        server.stderr.on('data', (chunk: Buffer) => (log += chunk));
        try {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`vite did not start: ${log}`)), 60_000);
            server.stdout.on('data', () => {
              if (/ready in/.test(log)) {
                clearTimeout(timer);
                resolve();
              }
            });
          });
          const page = await browser.newPage();
          const requested: string[] = [];
          page.on('request', (r) => requested.push(r.url()));
          await page.goto(`http://127.0.0.1:${port}/`);
          await page.waitForFunction(() => (window as unknown as { result?: string }).result !== undefined, undefined, { timeout: 60_000 });
          expect(await page.evaluate(() => (window as unknown as { result: string }).result)).toBe('ok');
          await page.close();
          expect(log, config).not.toMatch(/sourcemap|source map/i);
          expect(requested.filter((u) => /h5wasm/.test(u)), config).toEqual([]);
        } finally {
          server.kill();
        }
      }
    } finally {
      await browser.close();
    }
  }, 180_000);

  it('a browser bundle (vite build) holds no h5wasm', () => {
    writeFileSync(join(full.folder, 'vite.config.js'), 'export default {};');
    const build = sh(process.execPath, [VITE, 'build', '--logLevel', 'warn'], full.folder);
    expect(build.status, build.out).toBe(0);
    const assets = readdirSync(join(full.folder, 'dist', 'assets'));
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(readFileSync(join(full.folder, 'dist', 'assets', asset), 'latin1'), asset).not.toMatch(/h5wasm|hdf5/i);
  }, 120_000);
});

describe('a lean install without the optional h5wasm', () => {
  it('converts to everything but .hspy, which says in one line to install h5wasm', () => {
    const { folder } = consumer('lean', '--omit=optional');
    expect(readdirSync(join(folder, 'node_modules'))).not.toContain('h5wasm');
    expect(sh('npx', ['blo', 'demo', 'd.blo', '--scan', '4x4', '--size', '16'], folder).status).toBe(0);
    expect(sh('npx', ['blo', 'convert', 'd.blo', 'd.zarr'], folder).status).toBe(0);
    const result = spawnSync('npx', ['blo', 'convert', 'd.blo', 'd.hspy'], { cwd: folder, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(oneLineError({ status: result.status, stdout: result.stdout, stderr: result.stderr })).toMatch(
      /^blo: d\.hspy: \.hspy \(HDF5\) needs the optional package h5wasm, which is not installed: npm install h5wasm/,
    );
  }, 240_000);
});
