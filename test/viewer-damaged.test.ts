/**
 * The viewer on a file HyperSpy reads but that is damaged: its stored
 * navigator lies outside the file and one frame record's prefix is broken.
 * The page opens it, says what is wrong, and shows the computed mean
 * intensity instead of the missing VBF.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHeader } from '../src/format/header.js';
import { startViewServer, type ViewServer } from '../src/node/view-server.js';
import { describeInBrowsers, launchBrowser, type TestBrowser } from './helpers/browsers.js';
import { buildBlockfile, patchHeader } from './helpers/build.js';
import { tempDir } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

describeInBrowsers('the viewer on a damaged file', (entry) => {
  let browser: TestBrowser;
  let server: ViewServer;
  const file = join(dir, 'damaged.blo');

  beforeAll(async () => {
    const { bytes } = await buildBlockfile({ nx: 8, ny: 6, dpSize: 16 });
    const damaged = patchHeader(bytes, { Data_offset_1: bytes.length + 4096 });
    damaged[parseHeader(bytes).Data_offset_2 + 3 * (6 + 256)] = 0; // frame 3 loses its AA marker
    writeFileSync(file, damaged);
    server = await startViewServer(file, { viewerDir: join(REPO_ROOT, 'dist', 'viewer') });
    browser = await launchBrowser(entry);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('says the stored navigator is unavailable and shows the mean intensity of each pattern', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('navigator-label').textContent(), { timeout: 30_000 }).toMatch(/mean intensity/);
    expect(await page.getByTestId('info').textContent()).toMatch(/stored navigator image .* is unavailable/);
    // The note ends where the navigator usually starts, not in the frames.
    expect(await page.getByTestId('info').textContent()).not.toMatch(/[\u0080-\u00ff]{8}/);
    expect(page.pageErrors).toEqual([]);
    await page.close();
  }, 60_000);
});
