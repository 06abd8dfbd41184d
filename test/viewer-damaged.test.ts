/**
 * The viewer on a file HyperSpy reads but that is damaged: its stored
 * navigator lies outside the file and one frame record's prefix is broken.
 * The page opens it, says what is wrong, and shows the computed mean
 * intensity instead of the missing VBF.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHeader } from '../src/format/header.js';
import { startViewServer, type ViewServer } from '../src/node/view-server.js';
import { CHROMIUM } from './helpers/browser.js';
import { buildBlockfile, patchHeader } from './helpers/build.js';
import { tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

if (!CHROMIUM) console.warn('skipping the damaged-file viewer test in Chromium: no chromium found (apt-get install chromium)');

describe.skipIf(!CHROMIUM)('the viewer on a damaged file', () => {
  let browser: Browser;
  let server: ViewServer;
  const file = join(dir, 'damaged.blo');

  beforeAll(async () => {
    const { bytes } = await buildBlockfile({ nx: 8, ny: 6, dpSize: 16 });
    const damaged = patchHeader(bytes, { Data_offset_1: bytes.length + 4096 });
    damaged[parseHeader(bytes).Data_offset_2 + 3 * (6 + 256)] = 0; // frame 3 loses its AA marker
    writeFileSync(file, damaged);
    server = await startViewServer(file, { viewerDir: join(REPO_ROOT, 'dist', 'viewer') });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('says the stored navigator is unavailable and shows the mean intensity of each pattern', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('navigator-label').textContent(), { timeout: 30_000 }).toMatch(/mean intensity/);
    expect(await page.getByTestId('info').textContent()).toMatch(/stored navigator image .* is unavailable/);
    // The note ends where the navigator usually starts, not in the frames.
    expect(await page.getByTestId('info').textContent()).not.toMatch(/[\u0080-\u00ff]{8}/);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
