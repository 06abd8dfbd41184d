/**
 * The viewer's end-to-end tests in more than one real browser: Debian's
 * chromium driven by playwright-core (CDP) and firefox-esr driven by
 * puppeteer-core (WebDriver BiDi), behind the few page operations those
 * tests use. Tests for a browser that is not installed skip, saying so.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementHandle, KeyInput } from 'puppeteer-core';
import { describe } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.js';

export type BrowserName = 'Chromium' | 'Firefox';

const FIREFOX_CANDIDATES = ['/usr/bin/firefox-esr', '/usr/bin/firefox'];
export const FIREFOX = process.env.FIREFOX_PATH ?? FIREFOX_CANDIDATES.find((p) => existsSync(p));

export interface BrowserEntry {
  name: BrowserName;
  /** The executable, or undefined when this browser is not installed. */
  path: string | undefined;
}

/** Both browsers, installed or not (tests over them skip the missing ones). */
export const BROWSERS: readonly BrowserEntry[] = [
  { name: 'Chromium', path: CHROMIUM },
  { name: 'Firefox', path: FIREFOX },
];

const HOW: Record<BrowserName, string> = {
  Chromium: 'apt-get install chromium, or set CHROMIUM_PATH',
  Firefox: 'apt-get install firefox-esr, or set FIREFOX_PATH',
};

/** Warns about each missing browser; `what` names the tests that skip. */
export function warnMissing(what: string, browsers: readonly BrowserEntry[] = BROWSERS): void {
  for (const b of browsers) if (!b.path) console.warn(`skipping ${what} in ${b.name}: no ${b.name.toLowerCase()} found (${HOW[b.name]})`);
}

/**
 * `describe(\`${title} in ${browser}\`, body)` for each browser, skipped (with
 * a warning) where that browser is not installed.
 */
export function describeInBrowsers(title: string, body: (browser: BrowserEntry) => void, browsers: readonly BrowserEntry[] = BROWSERS): void {
  warnMissing(title, browsers);
  for (const b of browsers) describe.skipIf(!b.path)(`${title} in ${b.name}`, () => body(b));
}

/**
 * One launch of each browser for a whole test file, however many describe
 * blocks use it (a Firefox start takes seconds); close() in the file's afterAll.
 */
export function sharedBrowsers(): { get(entry: BrowserEntry): Promise<TestBrowser>; close(): Promise<void> } {
  const launched = new Map<BrowserName, Promise<TestBrowser>>();
  return {
    get(entry) {
      let browser = launched.get(entry.name);
      if (!browser) launched.set(entry.name, (browser = launchBrowser(entry)));
      return browser;
    },
    async close() {
      const all = [...launched.values()];
      launched.clear();
      await Promise.all(all.map(async (b) => (await b.catch(() => undefined))?.close()));
    },
  };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An element found by a CSS selector when used, waiting for it to exist. */
export interface TestLocator {
  textContent(): Promise<string | null>;
  getAttribute(name: string): Promise<string | null>;
  inputValue(): Promise<string>;
  boundingBox(): Promise<Box | null>;
  /** Waits until the element is visible and enabled, then clicks its centre. */
  click(options?: { timeout?: number }): Promise<void>;
  setInputFiles(path: string): Promise<void>;
  selectOption(value: string): Promise<void>;
  /** Replaces an input's text, as typed. */
  fill(value: string): Promise<void>;
  /** Focuses the element and presses a key (`Enter`, `Shift+ArrowUp`). */
  press(key: string): Promise<void>;
  /** Whether the element is absent or not visible, now. */
  isHidden(): Promise<boolean>;
  scrollIntoViewIfNeeded(): Promise<void>;
}

export interface TestPage {
  readonly browser: BrowserName;
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[];
  /** console.error messages. */
  readonly consoleErrors: string[];
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  url(): string;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** An expression as text (left alone by the test runner's transforms, e.g. a dynamic import). */
  evaluateExpression(expression: string): Promise<unknown>;
  getByTestId(id: string): TestLocator;
  locator(selector: string): TestLocator;
  mouse: {
    move(x: number, y: number, options?: { steps?: number }): Promise<void>;
    down(): Promise<void>;
    up(): Promise<void>;
    click(x: number, y: number): Promise<void>;
  };
  /** `key` as playwright names keys, with modifiers joined by `+` (`Shift+ArrowUp`). */
  keyboard: { press(key: string): Promise<void> };
  /** Firefox's screenshots go beside Chromium's, as `NAME-firefox.png` for `NAME.png`. */
  screenshot(options: { path: string }): Promise<void>;
  waitForTimeout(ms: number): Promise<void>;
  /** Runs `trigger` and returns the file it makes the page download. */
  download(trigger: () => Promise<void>): Promise<{ name: string; bytes: Buffer }>;
  close(): Promise<void>;
}

export interface TestBrowser {
  readonly name: BrowserName;
  /** A page in a context of its own (no storage shared with other pages). */
  newPage(options: { viewport: { width: number; height: number } }): Promise<TestPage>;
  close(): Promise<void>;
}

const byTestId = (id: string) => `[data-testid="${id}"]`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function launchBrowser(entry: BrowserEntry): Promise<TestBrowser> {
  if (!entry.path) throw new Error(`${entry.name} is not installed`);
  return entry.name === 'Chromium' ? launchChromium(entry.path) : launchFirefox(entry.path);
}

async function launchChromium(executablePath: string): Promise<TestBrowser> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  return {
    name: 'Chromium',
    close: () => browser.close(),
    async newPage({ viewport }) {
      const page = await browser.newPage({ viewport, acceptDownloads: true });
      const pageErrors: string[] = [];
      const consoleErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      const locate = (selector: string): TestLocator => {
        const l = page.locator(selector);
        return {
          textContent: () => l.textContent(),
          getAttribute: (name) => l.getAttribute(name),
          inputValue: () => l.inputValue(),
          boundingBox: () => l.boundingBox(),
          click: (options) => l.click(options),
          setInputFiles: (path) => l.setInputFiles(path),
          selectOption: async (value) => void (await l.selectOption(value)),
          fill: (value) => l.fill(value),
          press: (key) => l.press(key),
          isHidden: () => l.isHidden(),
          scrollIntoViewIfNeeded: () => l.scrollIntoViewIfNeeded(),
        };
      };
      return {
        browser: 'Chromium',
        pageErrors,
        consoleErrors,
        goto: async (url) => void (await page.goto(url)),
        reload: async () => void (await page.reload()),
        url: () => page.url(),
        setViewportSize: (size) => page.setViewportSize(size),
        evaluate: (fn, arg) => page.evaluate(fn, arg as never),
        evaluateExpression: (expression) => page.evaluate(expression),
        getByTestId: (id) => locate(byTestId(id)),
        locator: locate,
        mouse: {
          move: (x, y, options) => page.mouse.move(x, y, options),
          down: () => page.mouse.down(),
          up: () => page.mouse.up(),
          click: (x, y) => page.mouse.click(x, y),
        },
        keyboard: { press: (key) => page.keyboard.press(key) },
        screenshot: async ({ path }) => void (await page.screenshot({ path })),
        waitForTimeout: (ms) => page.waitForTimeout(ms),
        async download(trigger) {
          const [d] = await Promise.all([page.waitForEvent('download'), trigger()]);
          return { name: d.suggestedFilename(), bytes: readFileSync(await d.path()) };
        },
        close: () => page.close(),
      };
    },
  };
}

async function launchFirefox(executablePath: string): Promise<TestBrowser> {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath, headless: true });
  const downloadDirs: string[] = [];
  return {
    name: 'Firefox',
    async close() {
      await browser.close();
      for (const d of downloadDirs) rmSync(d, { recursive: true, force: true });
    },
    async newPage({ viewport }) {
      // Each page in a context of its own, as playwright's browser.newPage does, downloading into a directory of its own.
      const downloads = mkdtempSync(join(tmpdir(), 'blo-firefox-downloads-'));
      downloadDirs.push(downloads);
      const context = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloads } });
      const page = await context.newPage();
      await page.setViewport(viewport);
      let view = viewport;
      const inside = (v: number, size: number) => Math.min(Math.max(v, 0), size - 1);
      const pageErrors: string[] = [];
      const consoleErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      const element = async (selector: string) => (await page.waitForSelector(selector))!;
      // puppeteer presses one key at a time: modifiers are held around the last one.
      const press = async (combo: string) => {
        const keys = combo.split(/\+(?=.)/) as KeyInput[];
        const key = keys.pop()!;
        for (const m of keys) await page.keyboard.down(m);
        await page.keyboard.press(key);
        for (const m of keys.reverse()) await page.keyboard.up(m);
      };
      const locate = (selector: string): TestLocator => ({
        textContent: async () => (await element(selector)).evaluate((el) => el.textContent),
        getAttribute: async (name) => (await element(selector)).evaluate((el, n) => el.getAttribute(n), name),
        inputValue: async () => (await element(selector)).evaluate((el) => (el as HTMLInputElement | HTMLSelectElement).value),
        boundingBox: async () => (await element(selector)).boundingBox(),
        // puppeteer's locators wait for the element to be visible, enabled and still, as playwright's do.
        click: (options) => page.locator(selector).setTimeout(options?.timeout ?? 30_000).click(),
        setInputFiles: async (path) => ((await element(selector)) as ElementHandle<HTMLInputElement>).uploadFile(path),
        selectOption: async (value) => void (await page.select(selector, value)),
        fill: (value) => page.locator(selector).fill(value),
        async press(key) {
          await (await element(selector)).focus();
          await press(key);
        },
        async isHidden() {
          const el = await page.$(selector);
          return !el || el.isHidden();
        },
        scrollIntoViewIfNeeded: async () => (await element(selector)).scrollIntoView(),
      });
      return {
        browser: 'Firefox',
        pageErrors,
        consoleErrors,
        goto: async (url) => void (await page.goto(url)),
        reload: async () => void (await page.reload()),
        url: () => page.url(),
        async setViewportSize(size) {
          await page.setViewport(size);
          view = size;
        },
        evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => never, arg),
        evaluateExpression: (expression) => page.evaluate(expression),
        getByTestId: (id) => locate(byTestId(id)),
        locator: locate,
        mouse: {
          // WebDriver refuses pointer moves outside the viewport, where CDP (and a user holding the button) can go: held at its edge.
          move: (x, y, options) => page.mouse.move(inside(x, view.width), inside(y, view.height), options),
          down: () => page.mouse.down(),
          up: () => page.mouse.up(),
          click: (x, y) => page.mouse.click(x, y),
        },
        keyboard: { press },
        screenshot: async ({ path }) => void (await page.screenshot({ path: path.replace(/(\.png)?$/, '-firefox.png') as `${string}.png` })),
        waitForTimeout: sleep,
        async download(trigger) {
          const before = new Set(readdirSync(downloads));
          await trigger();
          // Firefox writes into `name.part` and renames it when done.
          for (let waited = 0; waited < 20_000; waited += 50) {
            const names = readdirSync(downloads);
            const done = names.filter((n) => !before.has(n) && !n.endsWith('.part'));
            if (done.length > 0 && !names.some((n) => n.endsWith('.part'))) {
              const path = join(downloads, done[0]);
              const size = statSync(path).size;
              await sleep(50);
              if (statSync(path).size === size) return { name: done[0], bytes: readFileSync(path) };
            }
            await sleep(50);
          }
          throw new Error(`Firefox downloaded nothing into ${downloads} in 20 s`);
        },
        async close() {
          await page.close();
          await context.close();
        },
      };
    },
  };
}
