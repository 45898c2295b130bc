/**
 * The inspector page on batch jobs, in headless Chromium: a job's DAG drawn
 * with its per-node statistics, refreshed live while it runs; the exception
 * queue a page at a time (pages past the first asked for with a cursor, and
 * back through the cursors passed); for an admin token a resolve form (JSON checked on
 * the page) whose answer removes the item from the open queue, and
 * "reprocess open exceptions"; for a read-only token neither. Each test saves
 * a screenshot under test-results/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { items, reviewApp, startBatchHarness, type BatchHarness, type ReviewControl } from '../integration/inspector/batch-harness.js';
import { assertChromium, buildPage, clickAndMeasure, launchChromium, screenshot, skipBrowserTests, type Browser } from './browser-harness.js';
import { arrayOf } from '../../src/runtime/async-views.js';

/** A click answers within 200 ms (the issue); asserted with headroom for a loaded two-core machine, the figure logged. */
const CLICK_LIMIT_MS = 1_000;

describe.skipIf(skipBrowserTests)('the inspector page on batch jobs in Chromium', () => {
  const control: ReviewControl = { broken: (n) => n % 5 === 0, delayMs: 0 };
  let harness: BatchHarness;
  let browser: Browser;
  let folder: string;
  let job: string;

  beforeAll(async () => {
    assertChromium();
    buildPage();
    folder = mkdtempSync(join(tmpdir(), 'holdfast-browser-batch-'));
    harness = await startBatchHarness([reviewApp(control)], { folder, chunkSize: 10, server: { tickMs: 100 } });
    job = await harness.jobs.create({ application: 'review', source: 'test', items: items(60), partition: 'size:20', description: 'exceptions' });
    await harness.jobs.run(job, { batches: 'all' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  /** `prepare` runs before the page loads (to listen to its socket). */
  async function openJob(url: string, id = job, prepare?: (page: Page) => void): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    prepare?.(page);
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector(`[data-testid=job-row][data-id="${id}"]`);
    const ms = await clickAndMeasure(page, `[data-testid=job-row][data-id="${id}"]`, `[data-testid=dag-panel][data-id="${id}"] [data-testid=dag-node]`);
    console.log(`inspector page: click on a batch job to its DAG drawn: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(CLICK_LIMIT_MS);
    return page;
  }

  const openRows = (page: Page) => page.locator('[data-testid=exception-row]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-item')));

  it("shows a batch job's DAG with per-node statistics and its exception queue; read-only: no commands", async () => {
    const page = await openJob(harness.server.url);
    const nodes = page.locator('[data-testid=dag-node]');
    await expect.poll(() => nodes.evaluateAll((all) => all.map((node) => node.getAttribute('data-node')))).toEqual(['parse', 'geocode', 'classify', 'merge']);
    expect(await page.locator('[data-testid=dag-edge]').count()).toBe(4);
    const geocode = page.locator('[data-testid=dag-node][data-node=geocode]');
    expect(await geocode.getAttribute('data-items')).toBe('60');
    expect(await geocode.getAttribute('data-failures')).toBe('12');
    expect(await geocode.getAttribute('class')).toContain('failing');
    expect(await geocode.locator('[data-testid=dag-node-counts]').textContent()).toBe('60 items · 48 ok · 12 failed');
    expect(await geocode.locator('[data-testid=dag-node-times]').textContent()).toMatch(/^p50 .+ · p95 .+$/);
    // A finished job in the CLI's words (`holdfast job ID`), with all its items processed, not its machine's `idle`.
    expect(await page.locator('[data-testid=dag-head]').textContent()).toContain('application review · 60 items in 3 batches · finished');
    const row = page.locator(`[data-testid=job-row][data-id="${job}"]`);
    expect(await row.locator('[data-testid=job-state]').textContent()).toBe((await harness.jobs.get(job))!.state);
    expect(await row.locator('[data-testid=job-state]').textContent()).toBe('finished');
    expect(await row.locator('[data-testid=job-progress-text]').textContent()).toBe('60 / 60');
    expect(await row.locator('[data-testid=job-progress]').getAttribute('data-fraction')).toBe('1');

    await expect.poll(() => page.locator('[data-testid=exceptions-total]').textContent()).toBe('12 open');
    expect(await openRows(page)).toEqual((await harness.jobs.exceptions(job, { open: true })).map((e) => e.item));
    const first = page.locator('[data-testid=exception-row][data-item=i000] td');
    expect(await first.allTextContents()).toEqual(['i000', '0', 'geocode', 'NO_PLACE: no place for 0', '{"n":0,"note":""}', '']);
    expect(await page.locator('[data-testid=resolve-open]').count()).toBe(0);
    expect(await page.locator('[data-testid=reprocess-button]').isHidden()).toBe(true);
    await screenshot(page, 'batch-read-only');
    await page.close();
  });

  it('resolves an exception from the page: bad JSON is caught on the page, a good value removes the item from the open queue', async () => {
    const page = await openJob(harness.server.adminUrl);
    await expect.poll(() => page.locator('[data-testid=exceptions-total]').textContent()).toBe('12 open');
    await page.click('[data-testid=exception-row][data-item=i005] [data-testid=resolve-open]');
    await page.fill('[data-testid=resolve-value]', '{lat: 5}');
    await page.click('[data-testid=resolve-submit]');
    await expect.poll(() => page.locator('[data-testid=resolve-error]').textContent()).toMatch(/^not JSON/);
    expect((await harness.jobs.exceptions(job, { open: true })).map((e) => e.item)).toContain('i005');

    await page.fill('[data-testid=resolve-value]', '{"lat": 5, "lon": -5, "by": "hand"}');
    await page.click('[data-testid=resolve-submit]');
    await expect.poll(() => page.locator('[data-testid=exceptions-total]').textContent()).toBe('11 open');
    expect(await openRows(page)).not.toContain('i005');
    expect(await page.locator('[data-testid=resolve-form]').isHidden()).toBe(true);
    expect((await harness.jobs.exceptions(job, { open: true })).map((e) => e.item)).not.toContain('i005');
    expect((await arrayOf(harness.jobs.results(job))).find((r) => r.item === 'i005')!.value).toEqual({ lat: 5, lon: -5, by: 'hand' });

    await page.check('[data-testid=exceptions-all]');
    await expect.poll(() => page.locator('[data-testid=exceptions-total]').textContent()).toBe('12 in all');
    expect(await page.locator('[data-testid=exception-row][data-item=i005]').getAttribute('class')).toBe('resolved');
    await page.uncheck('[data-testid=exceptions-all]');
    await expect.poll(() => page.locator('[data-testid=exceptions-total]').textContent()).toBe('11 open');
    await screenshot(page, 'batch-resolve');
    await page.close();
  });

  it('reprocesses the open exceptions from the page and redraws the DAG statistics live while a job runs', async () => {
    const page = await openJob(harness.server.adminUrl);
    await expect.poll(() => page.locator('[data-testid=exceptions-total]').textContent()).toBe('11 open');
    control.broken = (n) => n === 25; // the fix
    await page.click('[data-testid=reprocess-button]');
    await expect.poll(() => page.locator('[data-testid=batch-note]').textContent(), { timeout: 15_000 }).toMatch(/^reprocessed 11 items: 10 resolved, 1 still failing/);
    await expect.poll(() => page.locator('[data-testid=exceptions-total]').textContent()).toBe('1 open');
    expect(await openRows(page)).toEqual(['i025']);
    await page.close();

    // A second, slower job: its DAG's numbers move while it runs.
    control.delayMs = 8;
    const slow = await harness.jobs.create({ application: 'review', source: 'test', items: items(150), partition: 'size:50', description: 'slow' });
    const live = await openJob(harness.server.url, slow);
    const parse = live.locator('[data-testid=dag-node][data-node=parse]');
    expect(await parse.getAttribute('data-items')).toBe('0');
    const run = harness.jobs.run(slow, { batches: 'all' });
    const seen = new Set<string>();
    await expect
      .poll(async () => {
        seen.add((await parse.getAttribute('data-items')) ?? '');
        return seen.has('150');
      }, { timeout: 20_000, interval: 50 })
      .toBe(true);
    await run;
    expect([...seen].some((n) => Number(n) > 0 && Number(n) < 150)).toBe(true); // drawn while it ran
    await expect.poll(() => live.locator('[data-testid=dag-panel]').getAttribute('data-running')).toBe('false');
    await screenshot(live, 'batch-live-dag');
    await live.close();
  });

  it('pages the queue forward with "next ›" (a cursor: the last row\'s item) and back with "‹ previous"; a resolve re-reads the same page', async () => {
    control.broken = () => true;
    control.delayMs = 0;
    const deep = await harness.jobs.create({ application: 'review', source: 'test', items: items(50), partition: 'size:50', description: 'deep' });
    await harness.jobs.run(deep, { batches: 'all' });
    const asked: { after?: string | undefined; offset?: number | undefined }[] = [];
    const page = await openJob(harness.server.adminUrl, deep, (tab) =>
      tab.on('websocket', (socket) =>
        socket.on('framesent', ({ payload }) => {
          const request = JSON.parse(String(payload)) as { type: string; after?: string; offset?: number };
          if (request.type === 'exceptions') asked.push({ after: request.after, offset: request.offset });
        }),
      ),
    );
    const ids = (from: number, to: number) => items(to).slice(from).map((item) => item.id);
    const range = page.locator('[data-testid=exceptions-range]');
    const previous = page.locator('[data-testid=exceptions-previous]');
    const next = page.locator('[data-testid=exceptions-next]');
    const shows = async (rows: string[], text: string) => {
      await expect.poll(() => range.textContent()).toBe(text);
      expect(await openRows(page)).toEqual(rows);
    };
    await shows(ids(0, 20), '1–20 of 50');
    expect(await previous.isDisabled()).toBe(true);
    await next.click();
    await shows(ids(20, 40), '21–40 of 50');
    await next.click();
    await shows(ids(40, 50), '41–50 of 50');
    expect(await next.isDisabled()).toBe(true);
    await previous.click();
    await shows(ids(20, 40), '21–40 of 50');
    // The pages asked for, a pushed refresh (the same request again) counted once.
    const moves = () => asked.filter((request, n) => n === 0 || JSON.stringify(request) !== JSON.stringify(asked[n - 1]));
    expect(moves().slice(-3)).toEqual([{ after: 'i019', offset: 20 }, { after: 'i039', offset: 40 }, { after: 'i019', offset: 20 }]);

    await page.click('[data-testid=exception-row][data-item=i025] [data-testid=resolve-open]');
    await page.fill('[data-testid=resolve-value]', '{"lat": 25}');
    await page.click('[data-testid=resolve-submit]');
    await shows([...ids(20, 41)].filter((id) => id !== 'i025'), '21–40 of 49');
    expect(asked.at(-1)).toEqual({ after: 'i019', offset: 20 });
    await previous.click();
    await shows(ids(0, 20), '1–20 of 49');
    expect(await previous.isDisabled()).toBe(true);
    expect(asked.filter((request) => request.after === undefined).every((request) => request.offset === 0)).toBe(true);
    await screenshot(page, 'batch-paging');
    await page.close();
  });
});
