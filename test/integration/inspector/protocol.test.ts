/**
 * The inspector's protocol with a real `ws` client: the summary on connect,
 * coalesced updates, subscriptions in XState's inspection shapes, pages of
 * children and journal entries, job statistics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ActorFrame, ServerMessage, SnapshotFrame } from '../../../src/adapters/inspector/inspector-protocol.js';
import type { ActorId } from '../../../src/index.js';
import { startHarness, TestClient, until, type Harness } from './inspector-harness.js';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

let harness: Harness | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

async function connect(h: Harness, role: 'readOnly' | 'admin' = 'readOnly'): Promise<TestClient> {
  const client = await TestClient.connect(`${h.wsUrl}?token=${h.server.tokens[role]}`);
  clients.push(client);
  return client;
}

const file = (job: string, index: number) => `${job}/file-${String(index).padStart(4, '0')}.csv`;

describe('the inspector protocol', () => {
  it('sends a summary on connect: machines, counts per state from the index, jobs with progress', async () => {
    harness = await startHarness();
    await harness.runtime.spawn('batch', { items: 5 }, { id: 'job-a' });
    await harness.runtime.whenIdle();
    const client = await connect(harness);
    const summary = client.messages[0] as Of<'summary'>;
    expect(summary).toMatchObject({ type: 'summary', protocol: 1, role: 'readOnly', actors: 6, statusCounts: { active: 6 } });
    expect(summary.counts).toMatchObject({ batch: { running: 1 }, item: { waiting: 5 } });
    expect(summary.machines.map((machine) => machine.name)).toEqual(['batch', 'item', 'tally']);
    const itemChart = summary.machines.find((machine) => machine.name === 'item')!;
    expect(itemChart.nodes.map((node) => node.path)).toEqual(expect.arrayContaining(['waiting', 'working', 'working.copying', 'working.verified', 'reporting', 'done']));
    expect(itemChart.edges).toEqual(expect.arrayContaining([{ source: 'waiting', target: 'working', label: 'go' }, { source: 'working.copying', target: 'working.verified', label: 'done: work' }]));
    expect(summary.jobs).toMatchObject({ total: 1, items: [{ id: 'job-a', machine: 'batch', state: 'running', actors: 6, progress: { done: 0, total: 5 }, paused: false }] });
  });

  it('streams coalesced updates: counts per state, progress of the jobs shown, throughput', async () => {
    harness = await startHarness();
    await harness.runtime.spawn('batch', { items: 4 }, { id: 'job-b' });
    await harness.runtime.whenIdle();
    const client = await connect(harness);
    const from = client.messages.length;
    for (let i = 0; i < 3; i++) await harness.runtime.send(file('job-b', i), { type: 'go' });
    await harness.runtime.whenIdle();
    const update = await client.next<Of<'update'>>((m) => m.type === 'update' && m.counts?.item?.done === 3, 10_000, from);
    expect(update.counts).toMatchObject({ batch: { running: 1 }, item: { waiting: 1, done: 3 } });
    const progress = await client.next<Of<'update'>>((m) => m.type === 'update' && m.jobs?.[0]?.progress?.done === 3, 10_000, from);
    expect(progress.jobs![0]).toMatchObject({ id: 'job-b', progress: { done: 3, total: 4 } });
    const steps = client.messages.filter((m): m is Of<'update'> => m.type === 'update').reduce((max, m) => Math.max(max, m.throughput.steps), 0);
    expect(steps).toBeGreaterThanOrEqual(9); // go, done.actor (x3), item.done (x3) at least
  });

  it('streams a subscribed job subtree in XState inspection shapes, one snapshot per actor per tick', async () => {
    harness = await startHarness({ tickMs: 200 });
    await harness.runtime.spawn('batch', { items: 2 }, { id: 'job-c' });
    const tally = await harness.runtime.spawn('tally', {}, { id: 'tally-1' });
    await harness.runtime.whenIdle();
    const client = await connect(harness);
    const subscribed = await client.request<Of<'subscribed'>>({ type: 'subscribe', id: 'job-c', scope: 'subtree' });
    expect(subscribed).toMatchObject({ type: 'subscribed', id: 'job-c', scope: 'subtree' });
    const rootFrame = await client.next<ActorFrame>((m) => m.type === '@xstate.actor' && m.sessionId === 'job-c');
    expect(rootFrame).toMatchObject({ rootId: 'job-c', machine: 'batch', _version: '1.0.0' });
    expect(rootFrame.parentId).toBeUndefined();
    expect(JSON.parse(rootFrame.definition!)).toMatchObject({ id: 'batch' });
    await harness.runtime.send(file('job-c', 1), { type: 'go' });
    const actor = await client.next<ActorFrame>((m) => m.type === '@xstate.actor' && m.sessionId === file('job-c', 1));
    expect(actor).toMatchObject({ rootId: 'job-c', parentId: 'job-c', machine: 'item' });
    const event = await client.next((m) => m.type === '@xstate.event' && m.sessionId === file('job-c', 1));
    expect(event).toMatchObject({ rootId: 'job-c', event: { type: expect.any(String) } });
    const done = await client.next<SnapshotFrame>((m) => m.type === '@xstate.snapshot' && m.sessionId === file('job-c', 1) && m.status === 'done');
    expect(done.snapshot).toMatchObject({ value: 'done', status: 'done' });
    // Another job's actors are not in this subscription.
    expect(client.messages.some((m) => 'sessionId' in m && m.sessionId === tally)).toBe(false);

    // Fifty steps of one actor inside a tick or two: coalesced, the last snapshot wins.
    await client.request({ type: 'subscribe', id: tally, scope: 'actor' });
    const from = client.messages.length;
    await Promise.all(Array.from({ length: 50 }, () => harness!.runtime.send(tally, { type: 'increment' })));
    const last = await client.next<SnapshotFrame>((m) => m.type === '@xstate.snapshot' && m.sessionId === tally && (m.snapshot as { context: { count: number } }).context.count === 50, 10_000, from);
    const frames = client.messages.slice(from).filter((m): m is SnapshotFrame => m.type === '@xstate.snapshot' && m.sessionId === tally);
    expect(frames.length).toBeLessThan(50);
    // Every step counted once, unless the client fell behind meanwhile (on a busy machine): a degraded
    // client gets summaries only, by design (backpressure.test.ts), and the steps of its skipped ticks go uncounted.
    const degraded = client.messages.slice(from).some((m) => m.type === 'degraded');
    const counted = frames.reduce((sum, f) => sum + (f.coalesced ?? 1), 0);
    if (degraded) expect(counted).toBeLessThanOrEqual(50);
    else expect(counted).toBe(50);
    expect(last.event).toEqual({ type: 'increment' });
    const unsubscribed = await client.request({ type: 'unsubscribe', id: tally });
    expect(unsubscribed).toMatchObject({ type: 'unsubscribed', id: tally });
  });

  it('pages children and journals, and shows the snapshot of a journal entry when one is known', async () => {
    harness = await startHarness();
    await harness.runtime.spawn('batch', { items: 7 }, { id: 'job-d' });
    await harness.runtime.whenIdle();
    const client = await connect(harness);
    const page = await client.request<Of<'children'>>({ type: 'children', id: 'job-d', offset: 5, limit: 5 });
    expect(page.page).toMatchObject({ offset: 5, limit: 5, total: 7 });
    expect(page.page.items.map((row) => row.id)).toEqual([file('job-d', 5), file('job-d', 6)]);
    expect(page.page.items[0]).toMatchObject({ machine: 'item', state: 'waiting', status: 'active', parent: 'job-d', root: 'job-d', children: 0 });

    const id = file('job-d', 2);
    await harness.runtime.send(id, { type: 'go' });
    await harness.runtime.whenIdle();
    const journal = await client.request<Of<'journal'>>({ type: 'journal', id });
    expect(journal.entries.map((entry) => entry.event)).toEqual(['xstate.done.actor.work', 'go', 'xstate.init']);
    expect(journal.entries.map((entry) => entry.hasSnapshot)).toEqual([true, true, true]);
    const latest = await client.request<Of<'journalEntry'>>({ type: 'journalEntry', id, seq: journal.entries[0]!.seq });
    expect(latest).toMatchObject({ source: 'journal', snapshot: { value: 'done' } });
    const older = await client.request<Of<'journalEntry'>>({ type: 'journalEntry', id, seq: journal.entries[1]!.seq });
    expect(older).toMatchObject({ source: 'journal', snapshot: { value: { working: 'copying' } }, entry: { event: 'go', from: 'waiting', to: 'working.copying' } });

    // An entry that carries its snapshot (JournalEntry.snapshot) is shown as kept.
    const kept = { value: { working: 'copying' }, context: { index: 2, ms: 0 }, status: 'active' as const };
    const entry = { ...(await harness.runtime.journal(id, { fromSeq: journal.entries[1]!.seq, limit: 1 }))[0]!, snapshot: kept };
    await harness.runtime.store.commit([{ op: 'putJournal', actor: id as ActorId, entry }], 'commit');
    const withSnapshot = await client.request<Of<'journalEntry'>>({ type: 'journalEntry', id, seq: entry.seq });
    expect(withSnapshot).toMatchObject({ source: 'journal', snapshot: kept });
    const missing = await client.request({ type: 'journalEntry', id, seq: 99 });
    expect(missing).toMatchObject({ type: 'error', code: 'ACTOR_NOT_FOUND' });
  });

  it('counts a followed job by machine, state and status, and again when it changes', async () => {
    harness = await startHarness();
    await harness.runtime.spawn('batch', { items: 3 }, { id: 'job-e' });
    await harness.runtime.whenIdle();
    const client = await connect(harness);
    const reply = await client.request<Of<'jobStats'>>({ type: 'jobStats', id: 'job-e' });
    expect(reply.stats).toMatchObject({ id: 'job-e', total: 4 });
    const first = await client.next<Of<'jobStats'>>((m) => m.type === 'jobStats' && m.stats.complete);
    expect(first.stats).toMatchObject({ total: 4, scanned: 4, byStatus: { active: 4 }, byState: { batch: { running: 1 }, item: { waiting: 3 } } });
    const from = client.messages.length;
    await harness.runtime.send(file('job-e', 0), { type: 'go' });
    const next = await client.next<Of<'jobStats'>>((m) => m.type === 'jobStats' && m.stats.byState.item?.done === 1, 10_000, from);
    expect(next.stats.byStatus).toMatchObject({ active: 3, done: 1 });
  });

  it('tells a new job to clients on the first page and answers pings', async () => {
    harness = await startHarness();
    const client = await connect(harness);
    expect((client.messages[0] as Of<'summary'>).jobs.total).toBe(0);
    await harness.runtime.spawn('tally', {}, { id: 'later' });
    await client.next((m) => m.type === 'update' && m.jobsStale === true);
    const jobs = await client.request<Of<'jobs'>>({ type: 'jobs' });
    expect(jobs.page.items.map((job) => job.id)).toEqual(['later']);
    expect(await client.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    await until(() => harness!.server.inspect().clients.length === 1, 'one client');
  });
});
