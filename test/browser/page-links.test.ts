/**
 * The page's address in headless Chromium (issue 23): the token leaves the
 * address bar once the page holds it, and a reload still opens (the server's
 * cookie); the selected job, actor and statechart tab are in the address, a
 * link opens the same view, back and forward move between views; a rotation
 * of the tokens disconnects the page, which says so and stops reconnecting;
 * tabs only for the machines the store holds actors of.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startHarness, type Harness } from '../integration/inspector/inspector-harness.js';
import { assertChromium, buildPage, launchChromium, screenshot, skipBrowserTests, type Browser } from './browser-harness.js';

const A = 'load-a';
const B = 'load-b';
const fileOf = (job: string, index: number) => `${job}/file-${String(index).padStart(4, '0')}.csv`;

describe.skipIf(skipBrowserTests)('the page address in Chromium', () => {
  let harness: Harness;
  let browser: Browser;
  let folder: string;

  beforeAll(async () => {
    assertChromium();
    buildPage();
    folder = mkdtempSync(join(tmpdir(), 'holdfast-browser-links-'));
    harness = await startHarness({ tickMs: 100 }, folder);
    await harness.runtime.spawn('batch', { items: 2 }, { id: A });
    await harness.runtime.spawn('batch', { items: 3 }, { id: B });
    await harness.runtime.whenIdle();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  async function open(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    return page;
  }

  const params = (page: Page) => Object.fromEntries(new URL(page.url()).searchParams);
  const shownJob = (page: Page) => page.locator('[data-testid=job-panel]:not([hidden])').getAttribute('data-id', { timeout: 5_000 });
  const shownActor = (page: Page) => page.locator('[data-testid=actor-panel]:not([hidden])').getAttribute('data-id', { timeout: 5_000 });
  const activeTab = (page: Page) => page.locator('[data-testid=machine-tab][aria-selected=true]').getAttribute('data-machine', { timeout: 5_000 });

  it('takes the token out of the address bar and still reloads', async () => {
    const page = await open(harness.server.url);
    await expect.poll(() => page.url()).not.toContain('token');
    expect(page.url()).not.toContain(harness.server.tokens.readOnly);
    expect(await page.locator('[data-testid=role]').textContent()).toBe('read-only');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('[data-testid=connection-status]').textContent()).toBe('open');
    expect(page.url()).not.toContain('token');
    // The page's history entry was replaced, not followed by another: back leaves the page, never to the token.
    await page.goBack();
    expect(page.url()).toBe('about:blank');
    await page.close();
  });

  it('keeps the selected job, actor and tab in the address; back and forward restore each view; a link opens it', async () => {
    const page = await open(harness.server.url);
    await page.locator(`[data-testid=job-row][data-id="${A}"]`).click();
    await expect.poll(() => params(page).job).toBe(A);
    expect(await shownJob(page)).toBe(A);

    await page.locator(`[data-testid=job-row][data-id="${B}"]`).click();
    await expect.poll(() => params(page).job).toBe(B);
    await page.locator(`[data-testid=child-row][data-id="${fileOf(B, 1)}"] button.link`).click();
    await expect.poll(() => params(page)).toMatchObject({ job: B, actor: fileOf(B, 1), tab: 'item' });
    expect(await shownActor(page)).toBe(fileOf(B, 1));

    await page.locator('[data-testid=machine-tab][data-machine=batch]').click();
    await expect.poll(() => params(page).tab).toBe('batch');
    const link = page.url();
    expect(link).not.toContain('token');

    await page.goBack();
    await expect.poll(() => activeTab(page)).toBe('item');
    expect(params(page)).toMatchObject({ job: B, actor: fileOf(B, 1) });
    expect(await shownActor(page)).toBe(fileOf(B, 1));

    await page.goBack();
    await expect.poll(() => shownActor(page)).toBe(B);
    expect(params(page).actor).toBeUndefined();
    expect(await shownJob(page)).toBe(B);

    await page.goBack();
    await expect.poll(() => shownJob(page)).toBe(A);
    expect(await shownActor(page)).toBe(A);
    expect(params(page).job).toBe(A);

    await page.goForward();
    await expect.poll(() => shownJob(page)).toBe(B);
    await page.goForward();
    await expect.poll(() => shownActor(page)).toBe(fileOf(B, 1));
    await page.goForward();
    await expect.poll(() => activeTab(page)).toBe('batch');
    await screenshot(page, 'links-forward');

    // The link in another tab (the same browser: its cookie holds the token) opens the same view.
    const other = await open(link);
    await expect.poll(() => shownJob(other)).toBe(B);
    await expect.poll(() => shownActor(other)).toBe(fileOf(B, 1));
    await expect.poll(() => activeTab(other)).toBe('batch');
    expect(await other.locator(`[data-testid=child-row][data-id="${fileOf(B, 1)}"]`).getAttribute('class')).toContain('selected');
    await other.close();

    // Back to the address without a job: nothing selected.
    await page.goto(new URL('/', link).toString());
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('[data-testid=job-panel]').isHidden()).toBe(true);
    await page.close();
  });

  it('shows tabs only for the machines the store holds actors of', async () => {
    const page = await open(harness.server.url);
    const tabs = () => page.locator('[data-testid=machine-tab]').evaluateAll((all) => all.map((tab) => tab.getAttribute('data-machine')));
    await expect.poll(tabs).toEqual(['batch', 'item']);
    const tally = await harness.runtime.spawn('tally', {});
    await expect.poll(tabs, { timeout: 10_000 }).toEqual(['batch', 'item', 'tally']);
    await harness.runtime.send(tally, { type: 'finish' });
    await page.close();
  });

  it('stops at a rotation of the tokens, says so, and opens with the new address', async () => {
    const page = await open(harness.server.url);
    await expect.poll(() => page.locator('[data-testid=connection-status]').textContent()).toBe('open');
    const fresh = { readOnly: 'fresh-read-only-token-0001', admin: 'fresh-admin-token-000000001' };
    harness.server.replaceTokens(fresh);
    await expect.poll(() => page.locator('[data-testid=connection-status]').textContent()).toBe('revoked');
    expect(await page.locator('[data-testid=error-banner]').textContent()).toContain('holdfast token rotate');
    // No reconnection with the old token: the server sees no connection from the page.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(harness.server.inspect().clients).toHaveLength(0);
    await screenshot(page, 'tokens-rotated');
    // The old cookie opens nothing; the new address does.
    const reload = await page.reload();
    expect(reload?.status()).toBe(401);
    await page.goto(harness.server.url);
    await page.waitForSelector('body[data-ready="true"]');
    expect(page.url()).not.toContain('token');
    expect(await page.locator('[data-testid=connection-status]').textContent()).toBe('open');
    await page.close();
  });
});
