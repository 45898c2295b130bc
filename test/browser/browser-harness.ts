/**
 * Headless Chromium for the page's tests: Debian's /usr/bin/chromium driven by
 * playwright-core (never a downloaded browser: scripts/ensure-chromium.sh
 * installs it with apt-get). Missing chromium skips these tests on a
 * developer's machine and fails them under CI=true.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../..', import.meta.url));
export const RESULTS = join(root, 'test-results');

export const chromiumMissing = !existsSync(CHROMIUM);
/** Skip only where chromium is missing and this is not CI (CI must run them: they fail there instead). */
export const skipBrowserTests = chromiumMissing && process.env.CI !== 'true';

/** @throws when chromium is missing (under CI, where these tests may not be skipped) */
export function assertChromium(): void {
  if (chromiumMissing) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/ensure-chromium.sh\` (apt-get install chromium)`);
}

/** Builds dist/inspector-page (esbuild, a fraction of a second), so the server serves this tree's page. */
export function buildPage(): void {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-inspector-page.mjs')], { cwd: root, stdio: 'pipe' });
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile in a temporary folder, removed on close. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'holdfast-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-results/inspector-<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `inspector-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Milliseconds from the page's navigation start to its first summary drawn (a mark the page sets). */
export function firstPaintMs(page: Page): Promise<number> {
  return page.evaluate(() => {
    const mark = performance.getEntriesByName('holdfast:first-summary')[0];
    if (!mark) throw new Error('the page has not drawn its first summary');
    return mark.startTime;
  });
}

/** The browser globals the functions run in the page use (the tests' TypeScript has no DOM library). */
export interface PageGlobals {
  document: { querySelector(selector: string): { click(): void } | null; body: unknown };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void; disconnect(): void };
  location: { search: string; host: string };
  WebSocket: new (url: string) => { onmessage: ((event: { data: unknown }) => void) | null; send(text: string): void; close(): void };
}

/**
 * Clicks the element matching `target` inside the page and resolves with the
 * milliseconds until an element matching `answer` exists (a MutationObserver,
 * so the figure is the page's own time to answer, not the test's polling).
 */
export function clickAndMeasure(page: Page, target: string, answer: string, timeoutMs = 10_000): Promise<number> {
  return page.evaluate(
    ({ target, answer, timeoutMs }) =>
      new Promise<number>((resolve, reject) => {
        const { document, MutationObserver } = globalThis as unknown as PageGlobals;
        const element = document.querySelector(target);
        if (!element) return reject(new Error(`nothing matches ${target}`));
        const started = performance.now();
        const done = () => {
          observer.disconnect();
          clearTimeout(timer);
          resolve(performance.now() - started);
        };
        const observer = new MutationObserver(() => document.querySelector(answer) && done());
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`no ${answer} within ${timeoutMs} ms`));
        }, timeoutMs);
        observer.observe(document.body, { childList: true, subtree: true, attributes: true });
        element.click();
        if (document.querySelector(answer)) done();
      }),
    { target, answer, timeoutMs },
  );
}
