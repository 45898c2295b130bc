import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore, verifyStore, type RuntimeEvent } from '../../../src/index.js';
import { main } from '../../../src/cli/main.js';
import { actorId, type ActorRecord, type SyncStore } from '../../../src/persistence/store.js';
import { prunePass } from '../../../src/runtime/retention.js';
import { child, counter, parent } from '../../fixtures/machines.js';
import { startWorkload, waitForOutput } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { syncReads } from '../../helpers/sync-reads.js';

/** An actor's journal seqs: whole when they run from its first step to its last. */
function seqs(store: SyncStore, id: string): number[] {
  return [...store.journal(actorId(id))].map((entry) => entry.seq);
}

function whole(store: SyncStore, record: ActorRecord): boolean {
  const kept = seqs(store, record.id);
  return kept.length > 0 && kept[kept.length - 1] === record.seq && kept.every((seq, i) => i === 0 || seq === kept[i - 1]! + 1);
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('retention', () => {
  it("drops finished actors' journals and keeps their records, and never touches unfinished work", async () => {
    const store = join(tempFolder(), 'store');
    let runtime = await createRuntime({ store, machines: [parent, child], retention: false });
    const finished = await runtime.spawn('parent', { children: 20 }, { id: 'finished' });
    await runtime.waitFor(finished, (r) => r.status === 'done', 20_000);
    const waiting = await runtime.spawn('parent', { children: 5, delayMs: 3_000 }, { id: 'waiting' });
    await until(async () => (await runtime.query({ parent: actorId(waiting) })).filter((c) => c.state === 'resting').length === 5);
    const before = (await runtime.get(finished))!;

    const report = await runtime.prune({ olderThanMs: 0 });
    expect(report.actors).toBe(21);
    expect(report.entries).toBeGreaterThan(21 * 2);
    expect(report.bytes).toBeGreaterThan(0);
    expect(seqs(syncReads(runtime), finished)).toEqual([]);
    for (const c of await runtime.query({ parent: actorId(finished) })) expect(seqs(syncReads(runtime), c.id)).toEqual([]);
    // The summary stays: the record, its state, its context (the counts) and its output.
    expect(await runtime.get(finished)).toEqual(before);
    expect(((await runtime.get(finished))!.snapshot!.context as { done: number }).done).toBe(20);
    const active = [(await runtime.get(waiting))!, ...(await runtime.query({ parent: actorId(waiting) }))];
    for (const record of active) expect(whole(syncReads(runtime), record), record.id).toBe(true);
    // A second pass finds nothing more.
    expect((await runtime.prune({ olderThanMs: 0 })).entries).toBe(0);
    await runtime.close();

    // Recovery reads nothing retention dropped: the waiting children fire their timers after a reopen.
    runtime = await createRuntime({ store, machines: [parent, child], retention: false });
    const done = await runtime.waitFor(waiting, (r) => r.status === 'done', 20_000);
    expect((done.snapshot!.context as { done: number }).done).toBe(5);
    const check = await verifyStore(runtime.store);
    expect(check.violations).toEqual([]);
    await runtime.close();
  });

  it('keeps the journals of actors finished more recently than the age given', async () => {
    const store = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store, machines: [counter], retention: false });
    const id = await runtime.spawn('counter', {});
    await runtime.send(id, { type: 'finish' });
    expect((await runtime.prune({ olderThanMs: 60_000 })).entries).toBe(0);
    expect(seqs(syncReads(runtime), id)).toHaveLength(2);
    expect((await runtime.prune({ olderThanMs: 0 })).entries).toBe(2);
    await expect(runtime.prune({ olderThanMs: -1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await runtime.close();
  });

  it('prunes in the background in an owner, and says so in a runtime.pruned event', async () => {
    const store = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store, machines: [counter], retention: 0 });
    const events: RuntimeEvent[] = [];
    runtime.subscribe((event) => void events.push(event));
    const id = await runtime.spawn('counter', {});
    await runtime.send(id, { type: 'increment' });
    await runtime.send(id, { type: 'finish' });
    await until(() => events.some((event) => event.type === 'runtime.pruned'));
    expect(events.find((event) => event.type === 'runtime.pruned')).toMatchObject({ entries: 3, actors: 1, olderThanMs: 0 });
    expect(seqs(syncReads(runtime), id)).toEqual([]);
    await runtime.close();
  });

  it("strips the old snapshots of a long unfinished journal and keeps every entry and the latest snapshot", async () => {
    const store = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store, machines: [counter], retention: false, durability: 'commit' });
    const id = await runtime.spawn('counter', {});
    for (let i = 0; i < 99; i++) void runtime.send(id, { type: 'increment' });
    await runtime.whenIdle();
    const short = await runtime.spawn('counter', {});
    const report = await runtime.prune({ olderThanMs: 0 });
    expect(report).toMatchObject({ entries: 0, actors: 0, snapshots: 99 });
    const journal = (await runtime.journal(id));
    expect(journal.map((entry) => entry.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(journal.filter((entry) => entry.snapshot !== undefined).map((entry) => entry.seq)).toEqual([100]);
    expect(journal.at(-1)!.snapshot).toEqual((await runtime.get(id))!.snapshot);
    expect(journal[50]).toMatchObject({ event: 'increment', from: 'counting', to: 'counting' });
    // A short journal keeps its snapshots; nothing younger than the age given is touched.
    expect((await runtime.journal(short))[0]!.snapshot).toBeDefined();
    await runtime.send(id, { type: 'increment' });
    expect((await runtime.prune({ olderThanMs: 60_000 })).snapshots).toBe(0);
    expect((await runtime.prune({ olderThanMs: 0 })).snapshots).toBe(1);
    // It goes on from its last entry after a restart.
    await runtime.close();
    const again = await createRuntime({ store, machines: [counter], retention: false });
    expect((await again.send(id, { type: 'increment' }), (await again.prune({ olderThanMs: 0 })).snapshots)).toBe(1);
    expect((await again.journal(id))).toHaveLength(102);
    expect((await verifyStore(again.store)).violations).toEqual([]);
    await again.close();
  });

  it('refuses an invalid retention option', async () => {
    await expect(createRuntime({ store: join(tempFolder(), 'store'), machines: [counter], retention: -5 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('the store under retention', () => {
  it('splits a long journal over several small transactions and counts its actor once', async () => {
    const store = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store, machines: [counter], retention: false, durability: 'commit' });
    const id = await runtime.spawn('counter', {});
    for (let i = 0; i < 2_500; i++) void runtime.send(id, { type: 'increment' });
    await runtime.whenIdle();
    await runtime.send(id, { type: 'finish' });
    const spans = await runtime.store.journalSpans(undefined, 10);
    expect(spans).toEqual([{ actor: id, first: 1, last: 2_502 }]);
    const report = await runtime.prune({ olderThanMs: 0 });
    expect(report).toMatchObject({ entries: 2_502, actors: 1 });
    expect(await runtime.store.journalSpans(undefined, 10)).toEqual([]);
    await runtime.close();
  });

  it('keeps the journal of an actor that is no longer final when the prune commits (its job made again)', async () => {
    const folder = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store: folder, machines: [counter], retention: false });
    const id = await runtime.spawn('counter', {}, { id: 'again' });
    await runtime.send(id, { type: 'finish' });
    const finalRecord = (await runtime.get(id))!;
    // Between the pass's read and its transaction, the job is deleted and made again under the same id.
    const store = syncReads(runtime);
    const racing: SyncStore = new Proxy(store, {
      get(target, property) {
        if (property === 'pruneJournal') {
          return async (...args: Parameters<SyncStore['pruneJournal']>) => {
            await runtime.delete(id);
            await runtime.spawn('counter', {}, { id: 'again' });
            return target.pruneJournal(...args);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const report = await prunePass(racing, finalRecord.updatedAt + 1, 0);
    expect(report.entries).toBe(0);
    expect((await runtime.get(id))!.status).toBe('active');
    expect(seqs(store, id)).toEqual([1]);
    await runtime.close();
  });

  it('reports its pages in use', async () => {
    const folder = join(tempFolder(), 'store');
    const store = openLmdbStore(folder);
    const usage = store.usage();
    expect(usage.pageSize).toBeGreaterThanOrEqual(4096);
    expect(usage.usedPages).toBeGreaterThan(0);
    expect(usage.filePages).toBeGreaterThanOrEqual(usage.usedPages);
    await store.close();
  });
});

/** Runs the CLI in this process with its stdout captured. */
async function cli(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { code: await main(argv), out };
  } finally {
    process.stdout.write = write;
  }
}

describe('holdfast prune', () => {
  it("hands its work to the store's owner and prints what the owner dropped", async () => {
    const folder = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store: folder, machines: [counter], retention: false });
    const id = await runtime.spawn('counter', {});
    await runtime.send(id, { type: 'finish' });
    await runtime.close();
    const owner = startWorkload('owner', [folder]);
    try {
      expect(await waitForOutput(owner, 'READY')).toBe(true);
      const { code, out } = await cli(['prune', '--older-than', '0', '--store', folder, '--json']);
      expect(code).toBe(0);
      expect(JSON.parse(out[0]!)).toMatchObject({ entries: 2, actors: 1, owner: owner.child.pid });
    } finally {
      owner.child.kill('SIGTERM');
      await owner.exited;
    }
    const readOnly = openLmdbStore(folder, { readOnly: true });
    expect(seqs(readOnly, id)).toEqual([]);
    expect(readOnly.getActor(actorId(id))!.status).toBe('done');
    await readOnly.close();
  });

  it('prunes a store nobody owns and prints what it dropped', async () => {
    const folder = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store: folder, machines: [counter], retention: false });
    const id = await runtime.spawn('counter', {});
    await runtime.send(id, { type: 'finish' });
    await runtime.close();
    const first = await cli(['prune', '--older-than', '1d', '--store', folder, '--json']);
    const second = await cli(['prune', '--older-than', '0', '--store', folder, '--json']);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(JSON.parse(first.out[0]!)).toMatchObject({ entries: 0, actors: 0 });
    const dropped = JSON.parse(second.out[0]!) as Record<string, number>;
    expect(dropped).toMatchObject({ entries: 2, actors: 1, olderThanMs: 0 });
    expect(dropped.bytes).toBeGreaterThan(0);
    const human = await cli(['prune', '--older-than', '0', '--store', folder]);
    expect(human.out.join('')).toMatch(/^pruned 0 journal entries of 0 finished actor\(s\)/);
    expect(await main(['prune', '--older-than', 'soon', '--store', folder])).toBe(2);
    const nowhere = join(tempFolder(), 'none');
    expect(await main(['prune', '--store', nowhere])).toBe(2);
    expect(existsSync(nowhere)).toBe(false);
  });
});
