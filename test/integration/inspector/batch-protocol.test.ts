/**
 * Batch jobs over the inspector protocol with a real `ws` client: a job's DAG
 * with per-node statistics (pushed live while it runs), pages of its exception
 * queue (by offset, and walked past the offset cap with `after` cursors),
 * resolve and reprocess for admin tokens only, malformed, hostile and huge
 * resolutions refused, and NOT_AVAILABLE without batch jobs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExceptionPage, ServerMessage } from '../../../src/adapters/inspector/inspector-protocol.js';
import { BATCH_JOB_MACHINE_NAME } from '../../../src/adapters/inspector/inspector-protocol.js';
import { MAX_VALUE_BYTES, READ_BUDGET } from '../../../src/adapters/batch/batch-inspector-views.js';
import { BATCH_JOB_MACHINE } from '../../../src/machines/batch-job.machine.js';
import { TestClient } from './inspector-harness.js';
import { items, reviewApp, startBatchHarness, type BatchHarness, type ReviewControl } from './batch-harness.js';
import { arrayOf } from '../../../src/runtime/async-views.js';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

let harness: BatchHarness | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

async function connect(h: BatchHarness, role: 'readOnly' | 'admin' = 'readOnly'): Promise<TestClient> {
  const client = await TestClient.connect(`${h.wsUrl}?token=${h.server.tokens[role]}`);
  clients.push(client);
  return client;
}

/** A finished job of `count` items where multiples of 5 failed at geocode. */
async function jobWithExceptions(count = 50, control: ReviewControl = { broken: (n) => n % 5 === 0, delayMs: 0 }, note = '') {
  harness = await startBatchHarness([reviewApp(control)]);
  const job = await harness.jobs.create({ application: 'review', source: 'test', items: items(count, note), partition: 'size:20' });
  await harness.jobs.run(job, { batches: 'all' });
  return { h: harness, job, control };
}

const openItems = async (h: BatchHarness, job: string) => (await h.jobs.exceptions(job, { open: true })).map((e) => e.item);

/** Every page of a job's queue, 100 rows at a time, each asked for with the `next` of the page before. */
async function walk(client: TestClient, job: string, open: boolean): Promise<ExceptionPage[]> {
  const pages: ExceptionPage[] = [];
  let at: { after?: string; offset: number } = { offset: 0 };
  while (pages.length < 1_000) {
    const { page } = await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job, limit: 100, open, ...at });
    pages.push(page);
    if (page.next === undefined) return pages;
    at = { after: page.next, offset: page.offset + page.items.length };
  }
  throw new Error('the walk did not reach the end of the queue');
}

describe('the inspector protocol: batch jobs', () => {
  it('sends a batch job\'s DAG (nodes, after edges) with per-node statistics', async () => {
    const { h, job } = await jobWithExceptions();
    const client = await connect(h);
    const reply = await client.request<Of<'dagStats'>>({ type: 'dagStats', id: job });
    expect(reply.type).toBe('dagStats');
    const { dag } = reply;
    expect(dag).toMatchObject({ id: job, application: 'review', edgesKnown: true, result: 'merge', items: 50, batches: 3, running: false });
    expect(dag.nodes).toEqual([
      { name: 'parse', after: [] },
      { name: 'geocode', after: ['parse'] },
      { name: 'classify', after: ['parse'] },
      { name: 'merge', after: ['geocode', 'classify'] },
    ]);
    const byNode = Object.fromEntries(dag.stats.map((s) => [s.node, [s.items, s.successes, s.failures]]));
    // An item stops at its first failing step: classify, after geocode in the DAG's order, never runs for the failures.
    expect(byNode).toEqual({ parse: [50, 50, 0], geocode: [50, 40, 10], classify: [40, 40, 0], merge: [40, 40, 0] });
    for (const node of dag.stats) expect(node.p95Ms).toBeGreaterThanOrEqual(node.p50Ms);
    expect(BATCH_JOB_MACHINE_NAME).toBe(BATCH_JOB_MACHINE);

    expect(await client.request({ type: 'dagStats', id: 'no-such-job' })).toMatchObject({ type: 'error', code: 'JOB_NOT_FOUND' });
    const batchActor = (await h.runtime.query({ root: job as never })).find((record) => record.id !== job)!;
    expect(await client.request({ type: 'dagStats', id: batchActor.id })).toMatchObject({ type: 'error', code: 'JOB_NOT_FOUND' });
  });

  it('shows the steps of a job whose application the inspector was not given, without edges', async () => {
    harness = await startBatchHarness([reviewApp({ broken: (n) => n === 1, delayMs: 0 })], { inspectorApplications: [] });
    const job = await harness.jobs.create({ application: 'review', source: 'test', items: items(4) });
    await harness.jobs.run(job, { batches: 'all' });
    const client = await connect(harness);
    const { dag } = await client.request<Of<'dagStats'>>({ type: 'dagStats', id: job });
    expect(dag).toMatchObject({ application: 'review', edgesKnown: false, result: null });
    expect(dag.nodes).toEqual(['parse', 'geocode', 'classify', 'merge'].map((name) => ({ name, after: [] })));
    expect(dag.stats.find((s) => s.node === 'geocode')).toMatchObject({ items: 4, failures: 1 });
  });

  it('pushes DAG statistics while the job runs, at most once a second, the last one after the run', async () => {
    const control: ReviewControl = { broken: () => false, delayMs: 8 };
    harness = await startBatchHarness([reviewApp(control)], { chunkSize: 20 });
    const h = harness;
    const job = await h.jobs.create({ application: 'review', source: 'test', items: items(160), partition: 'size:80' });
    const client = await connect(h);
    expect((await client.request<Of<'dagStats'>>({ type: 'dagStats', id: job })).dag.stats.every((s) => s.items === 0)).toBe(true);
    const from = client.messages.length;
    const run = h.jobs.run(job, { batches: 'all' });
    const pushes = () => client.messages.slice(from).filter((m): m is Of<'dagStats'> => m.type === 'dagStats' && m.ref === undefined);
    const final = await client.next<Of<'dagStats'>>((m) => m.type === 'dagStats' && m.ref === undefined && !m.dag.running && m.dag.stats[0]!.items === 160, 20_000, from);
    await run;
    const seen = pushes();
    const parsed = seen.map((m) => m.dag.stats.find((s) => s.node === 'parse')!.items);
    expect(parsed.some((n) => n > 0 && n < 160)).toBe(true); // a push while it ran
    for (let i = 1; i < parsed.length; i++) expect(parsed[i]!).toBeGreaterThanOrEqual(parsed[i - 1]!);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.dag.at - seen[i - 1]!.dag.at).toBeGreaterThanOrEqual(900);
    expect(final.dag.stats.find((s) => s.node === 'merge')).toMatchObject({ items: 160, successes: 160 });

    // Following nothing (id null) stops the pushes.
    client.ws.send(JSON.stringify({ type: 'dagStats', id: null }));
    expect(await client.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    const after = client.messages.length;
    await h.jobs.run(job, { batches: [0] });
    expect(await client.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // past a push period: none may come
    expect(client.messages.slice(after).some((m) => m.type === 'dagStats')).toBe(false);
  });

  it('pages the exception queue, never more than 100 rows at once, open ones by default', async () => {
    const { h, job } = await jobWithExceptions(100, undefined, 'x'.repeat(400));
    const client = await connect(h);
    const first = await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job, limit: 7 });
    expect(first.page).toMatchObject({ offset: 0, limit: 7, total: 20, totalExact: true, open: true });
    expect(first.page.items).toHaveLength(7);
    const row = first.page.items[0]!;
    expect(row).toMatchObject({ item: 'i000', batch: 0, step: 'geocode', error: { code: 'NO_PLACE', message: 'no place for 0' }, resolved: false });
    expect(row.input.length).toBeLessThanOrEqual(201);
    expect(row.input.startsWith('{"n":0,"note":"xxx')).toBe(true);
    expect(row.input.endsWith('…')).toBe(true);
    const pages: string[] = [];
    for (let offset = 0; offset < 20; offset += 7) {
      const page = await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job, offset, limit: 7 });
      pages.push(...page.page.items.map((item) => item.item));
    }
    expect(pages).toEqual(await openItems(h, job));
    expect((await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job })).page).toMatchObject({ limit: 25, total: 20 });
    expect(await client.request({ type: 'exceptions', id: job, limit: 101 })).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' });
    expect(await client.request({ type: 'exceptions', id: job, offset: 5_001 })).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' });
    expect(await client.request({ type: 'exceptions', id: 'no-such-job' })).toMatchObject({ type: 'error', code: 'JOB_NOT_FOUND' });
    expect((await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job, offset: 40 })).page).toMatchObject({ items: [], total: 20 });

    await h.jobs.resolve(job, 'i005', 'by hand');
    expect((await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job })).page.total).toBe(19);
    const all = await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job, open: false, limit: 100 });
    expect(all.page).toMatchObject({ total: 20, open: false });
    expect(all.page.items.find((item) => item.item === 'i005')).toMatchObject({ resolved: true, resolution: 'human' });
  });

  it('bounds what one page request reads on a big queue: deep pages reachable, the count a lower bound', async () => {
    harness = await startBatchHarness([reviewApp({ broken: () => true, delayMs: 0 })], { chunkSize: 2_000 });
    const h = harness;
    const job = await h.jobs.create({ application: 'review', source: 'test', items: Array.from({ length: 10_500 }, (_, n) => ({ id: `r${String(n).padStart(5, '0')}`, value: { n } })), partition: 'size:5000' });
    await h.jobs.run(job, { batches: 'all' });
    const client = await connect(h);
    const deep = await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job, offset: 5_000, limit: 100 });
    expect(deep.page.items.map((row) => row.item)).toEqual(Array.from({ length: 100 }, (_, i) => `r${String(5_000 + i).padStart(5, '0')}`));
    expect(deep.page.totalExact).toBe(false); // 10,500 records, at most 10,000 read
    expect(deep.page.total).toBeGreaterThanOrEqual(5_100);
    expect(deep.page.total).toBeLessThan(10_500);
    const first = await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job });
    expect(first.page.items).toHaveLength(25);
    expect(first.page.totalExact).toBe(false);
  });

  it('walks a queue deeper than the offset cap to its end with `after` cursors: every exception once, in order, resolved ones skipped when open', async () => {
    const control: ReviewControl = { broken: () => true, delayMs: 0 };
    harness = await startBatchHarness([reviewApp(control)], { chunkSize: 2_000 });
    const h = harness;
    const id = (n: number) => `r${String(n).padStart(5, '0')}`;
    const count = 10_500; // over MAX_EXCEPTIONS_OFFSET + a page, and over one request's READ_BUDGET
    const job = await h.jobs.create({ application: 'review', source: 'test', items: Array.from({ length: count }, (_, n) => ({ id: id(n), value: { n } })), partition: 'size:5000' });
    await h.jobs.run(job, { batches: 'all' });
    const byHand = [0, 4_999, 5_000, count - 1].map(id);
    for (const item of byHand) await h.jobs.resolve(job, item, 'by hand');
    const client = await connect(h);
    const every = Array.from({ length: count }, (_, n) => id(n));

    const all = await walk(client, job, false);
    expect(all.flatMap((page) => page.items.map((row) => row.item))).toEqual(every); // each once, in item id order
    expect(all).toHaveLength(count / 100);
    for (const [n, page] of all.entries()) {
      const last = n === all.length - 1;
      expect(page.items).toHaveLength(100);
      expect(page.offset).toBe(n * 100);
      expect(page.next).toBe(last ? undefined : page.items[99]!.item);
      expect(page.total).toBeGreaterThanOrEqual(page.offset + 100);
    }
    expect(all.at(-1)).toMatchObject({ offset: count - 100, total: count, totalExact: true });
    expect(all[60]!.items.filter((row) => row.resolved).map((row) => row.item)).toEqual([]);
    expect(all[50]!.items[0]).toMatchObject({ item: id(5_000), resolved: true, resolution: 'human' });

    const open = await walk(client, job, true);
    const openIds = open.flatMap((page) => page.items.map((row) => row.item));
    expect(openIds).toEqual(every.filter((item) => !byHand.includes(item)));
    for (const page of open.slice(0, -1)) expect(page.items).toHaveLength(100);
    expect(open.at(-1)).toMatchObject({ total: count - byHand.length, totalExact: true });
    expect(open.at(-1)!.next).toBeUndefined();

    // A cursor naming no exception (a missing item, or one before or past them all) starts just after it.
    const page = async (after: string, offset = 0) => (await client.request<Of<'exceptions'>>({ type: 'exceptions', id: job, after, offset, limit: 3 })).page;
    expect((await page('r05000x', 5_001)).items.map((row) => row.item)).toEqual([id(5_001), id(5_002), id(5_003)]);
    expect((await page('a')).items.map((row) => row.item)).toEqual([id(1), id(2), id(3)]); // r00000 is resolved
    expect(await page('zzz', 10_496)).toEqual({ items: [], offset: 10_496, limit: 3, total: 10_496, totalExact: true, open: true });
    expect((await page(id(count - 3), 9_000)).items.map((row) => row.item)).toEqual([id(count - 2)]); // offset past the cap: display only

    // A malformed cursor is refused with an error frame; the connection goes on.
    expect(await client.sendRaw(JSON.stringify({ type: 'exceptions', id: job, after: 5_000, ref: 'c1' }))).toMatchObject({ code: 'BAD_MESSAGE', ref: 'c1', message: expect.stringContaining('after') });
    expect(await client.sendRaw(JSON.stringify({ type: 'exceptions', id: job, after: 'r'.repeat(1_025), ref: 'c2' }))).toMatchObject({ code: 'BAD_MESSAGE', ref: 'c2', message: expect.stringContaining('after') });
    expect(await client.sendRaw(JSON.stringify({ type: 'exceptions', id: job, after: '', ref: 'c3' }))).toMatchObject({ code: 'BAD_MESSAGE', ref: 'c3' });
    expect(await client.sendRaw(JSON.stringify({ type: 'exceptions', id: job, after: [id(1)], ref: 'c4' }))).toMatchObject({ code: 'BAD_MESSAGE', ref: 'c4' });
    expect(await client.request({ type: 'exceptions', id: job, offset: 5_001 })).toMatchObject({ type: 'error', code: 'BAD_MESSAGE', message: expect.stringContaining('after') });

    // More resolved records in a row than one request reads: the short page's `next` moves past them.
    control.broken = (n) => n >= 10_300;
    await h.jobs.reprocess(job);
    const crossing = await walk(client, job, true);
    expect(crossing[0]).toMatchObject({ items: [], totalExact: false, next: id(READ_BUDGET - 1) });
    expect(crossing.flatMap((p) => p.items.map((row) => row.item))).toEqual(every.slice(10_300, count - 1));
  });

  it('resolves an exception for an admin token; a read-only token is refused and nothing changes', async () => {
    const { h, job } = await jobWithExceptions(30);
    const reader = await connect(h);
    expect(await reader.request({ type: 'resolve', id: job, item: 'i010', value: { lat: 1 } })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await reader.request({ type: 'reprocess', id: job })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await openItems(h, job)).toEqual(['i000', 'i005', 'i010', 'i015', 'i020', 'i025']);

    const admin = await connect(h, 'admin');
    const reply = await admin.request({ type: 'resolve', id: job, item: 'i010', value: { lat: 1, lon: 2 } });
    expect(reply).toMatchObject({ type: 'command', command: 'resolve', id: job, item: 'i010', ok: true });
    expect(await openItems(h, job)).toEqual(['i000', 'i005', 'i015', 'i020', 'i025']);
    expect((await arrayOf(h.jobs.results(job))).find((r) => r.item === 'i010')!.value).toEqual({ lat: 1, lon: 2 });
    const page = await admin.request<Of<'exceptions'>>({ type: 'exceptions', id: job });
    expect(page.page.items.map((item) => item.item)).not.toContain('i010');
    expect(await admin.request({ type: 'resolve', id: job, item: 'i000', value: null })).toMatchObject({ type: 'command', ok: true });
    expect((await h.jobs.exceptions(job)).find((e) => e.item === 'i000')).toMatchObject({ resolved: true, value: null });
  });

  it('refuses malformed, unknown, hostile and huge resolutions with an error frame and changes nothing', async () => {
    const { h, job } = await jobWithExceptions(30);
    const admin = await connect(h, 'admin');
    const before = (await h.jobs.exceptions(job));
    expect(await admin.request({ type: 'resolve', id: 'no-such-job', item: 'i000', value: 1 })).toMatchObject({ type: 'error', code: 'JOB_NOT_FOUND' });
    expect(await admin.request({ type: 'resolve', id: job, item: 'i001', value: 1 })).toMatchObject({ type: 'error', code: 'INVALID_INPUT', message: expect.stringContaining('no exception for item "i001"') });
    expect(await admin.sendRaw(JSON.stringify({ type: 'resolve', id: job, item: 'i000', ref: 'r1' }))).toMatchObject({ code: 'BAD_MESSAGE', ref: 'r1', message: expect.stringContaining('value') });
    expect(await admin.sendRaw(JSON.stringify({ type: 'resolve', id: job, value: 1, ref: 'r2' }))).toMatchObject({ code: 'BAD_MESSAGE', ref: 'r2', message: expect.stringContaining('item') });
    expect(await admin.sendRaw('{"type":"resolve","id":"x","item":"i000","value":{lat: 1}}')).toMatchObject({ code: 'BAD_MESSAGE', message: expect.stringContaining('not JSON') });
    expect(await admin.sendRaw(JSON.stringify({ type: 'resolve', id: job, item: 'i000', value: { __proto__: null, constructor: 1 } }))).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await admin.sendRaw(JSON.stringify({ type: 'resolve', id: job, item: 'i000', value: 1, extra: true }))).toMatchObject({ code: 'BAD_MESSAGE' });
    const deep = JSON.parse(`${'['.repeat(200)}1${']'.repeat(200)}`) as unknown;
    expect(await admin.request({ type: 'resolve', id: job, item: 'i000', value: deep })).toMatchObject({ type: 'error', code: 'INVALID_INPUT', message: expect.stringContaining('deep') });
    const big = 'y'.repeat(MAX_VALUE_BYTES + 100); // within a frame (64 KiB), over a value's cap
    expect(await admin.request({ type: 'resolve', id: job, item: 'i000', value: big })).toMatchObject({ type: 'error', code: 'PAYLOAD_TOO_LARGE' });
    expect((await h.jobs.exceptions(job))).toEqual(before);
    expect(await admin.request({ type: 'ping' })).toMatchObject({ type: 'pong' }); // the connection goes on

    // Over the frame cap: `ws` closes the connection (1009) before anything is read; the rest go on.
    admin.ws.send(JSON.stringify({ type: 'resolve', id: job, item: 'i000', value: 'z'.repeat(70_000) }));
    expect((await admin.waitClosed()).code).toBe(1009);
    expect((await h.jobs.exceptions(job))).toEqual(before);
    const other = await connect(h, 'admin');
    expect(await other.request({ type: 'resolve', id: job, item: 'i000', value: 'ok' })).toMatchObject({ type: 'command', ok: true });
  });

  it('reprocesses the open exceptions for an admin: answered when started, other requests answered meanwhile, a summary at the end', async () => {
    const { h, job, control } = await jobWithExceptions(60);
    const admin = await connect(h, 'admin');
    control.broken = (n) => n === 25; // the fix: all but one now succeed
    control.delayMs = 40;
    const from = admin.messages.length;
    const started = await admin.request({ type: 'reprocess', id: job });
    expect(started).toMatchObject({ type: 'command', command: 'reprocess', id: job, ok: true });
    // The run goes on while the connection answers other requests.
    expect(await admin.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    expect(admin.messages.slice(from).some((m) => m.type === 'reprocessed')).toBe(false);
    const done = await admin.next<Of<'reprocessed'>>((m) => m.type === 'reprocessed', 20_000, from);
    expect(done).toMatchObject({ id: job, ref: (started as Of<'command'>).ref, summary: { items: 12, results: 11, exceptions: 1 } });
    expect(await openItems(h, job)).toEqual(['i025']);
    const page = await admin.request<Of<'exceptions'>>({ type: 'exceptions', id: job });
    expect(page.page).toMatchObject({ total: 1, items: [{ item: 'i025' }] });

    await h.runtime.pause(job);
    expect(await admin.request({ type: 'reprocess', id: job })).toMatchObject({ type: 'error', code: 'INVALID_INPUT', message: expect.stringContaining('paused') });
    expect(await admin.request({ type: 'reprocess', id: 'no-such-job' })).toMatchObject({ type: 'error', code: 'JOB_NOT_FOUND' });
  });

  it('answers NOT_AVAILABLE without batch jobs (a role check first)', async () => {
    harness = await startBatchHarness([reviewApp({ broken: () => true, delayMs: 0 })], { batchJobs: false });
    const job = await harness.jobs.create({ application: 'review', source: 'test', items: items(3) });
    const reader = await connect(harness);
    const admin = await connect(harness, 'admin');
    expect(await reader.request({ type: 'dagStats', id: job })).toMatchObject({ type: 'error', code: 'NOT_AVAILABLE' });
    expect(await reader.request({ type: 'exceptions', id: job })).toMatchObject({ type: 'error', code: 'NOT_AVAILABLE' });
    expect(await reader.request({ type: 'resolve', id: job, item: 'i000', value: 1 })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await admin.request({ type: 'resolve', id: job, item: 'i000', value: 1 })).toMatchObject({ type: 'error', code: 'NOT_AVAILABLE' });
    expect(await admin.request({ type: 'reprocess', id: job })).toMatchObject({ type: 'error', code: 'NOT_AVAILABLE' });
  });
});
