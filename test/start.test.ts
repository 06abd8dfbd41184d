/** `npm start`: the demo dataset is generated on first run, described, and served to the viewer. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/fixtures.js';

describe('npm start', () => {
  it('prints the demo dataset and serves it to the viewer until stopped', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'start.js'), '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+&file=demo\.blo)/.exec(output);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
    });
    expect(output).toMatch(/ASTAR blockfile 1\.2/);
    expect(output).toMatch(/64 × 64 positions/);
    expect(existsSync(join(REPO_ROOT, 'demo-data', 'demo.blo'))).toBe(true);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/blockfile viewer/);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);
});
