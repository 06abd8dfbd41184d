/**
 * The set-up most viewer tests share: `blo view`'s server for one file, one
 * browser and one page at a laptop-and-a-bit size, made before a describe
 * block's tests and closed after them.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startViewServer, type ViewServer, type ViewServerOptions } from '../../src/node/view-server.js';
import { launchBrowser, type BrowserEntry, type TestBrowser, type TestPage } from './browsers.js';
import { REPO_ROOT } from './fixtures.js';

/** The built viewer the tests serve (npm test builds it first). */
export const VIEWER_DIR = join(REPO_ROOT, 'dist', 'viewer');

export interface ServedViewer {
  readonly server: ViewServer;
  readonly browser: TestBrowser;
  readonly page: TestPage;
}

/** Registers the block's beforeAll/afterAll; the returned object's fields are there once the tests run. */
export function servedViewer(entry: BrowserEntry, file: string, options: Omit<ViewServerOptions, 'viewerDir'> = {}, viewport = { width: 1500, height: 950 }): ServedViewer {
  let server: ViewServer | undefined;
  let browser: TestBrowser | undefined;
  let page: TestPage | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the served viewer's ${what} is used before beforeAll made it`);
    return value;
  };
  beforeAll(async () => {
    server = await startViewServer(file, { viewerDir: VIEWER_DIR, ...options });
    browser = await launchBrowser(entry);
    page = await browser.newPage({ viewport });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server() {
      return ready(server, 'server');
    },
    get browser() {
      return ready(browser, 'browser');
    },
    get page() {
      return ready(page, 'page');
    },
  };
}
