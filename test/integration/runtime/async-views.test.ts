/**
 * The runtime's views answer with promises and async iterables (issue 19): over an LMDB store and
 * over the memory store they give the same answers, and an effect reads a record through its
 * context's `records` over a port whose reads answer later.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { createRuntime, defineMachine, effect, openLmdbStore, openMemoryStore, type Runtime, type Store, type SyncStore } from '../../../src/index.js';
import { asyncReads } from '../../../src/persistence/async-reads.js';
import type { SyncReads } from '../../../src/persistence/store.js';
import { arrayOf } from '../../../src/runtime/async-views.js';
import { counter, parent, child } from '../../fixtures/machines.js';

const opened: Store[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** The same work on any store: counters stepped, a parent with children, records, a pause. */
async function populate(runtime: Runtime): Promise<void> {
  for (const [id, by] of [['count-a', 1], ['count-b', 2], ['count-c', 3]] as const) {
    await runtime.spawn('counter', {}, { id });
    await runtime.send(id, { type: 'increment', by });
  }
  await runtime.send('count-c', { type: 'finish' });
  await runtime.spawn('parent', { children: 2 }, { id: 'p' });
  await runtime.waitFor('p', (record) => record.status === 'done', 10_000);
  await runtime.records.write([
    { op: 'putRecord', collection: 'notes', key: ['k', 1], value: { n: 1 } },
    { op: 'putRecord', collection: 'notes', key: ['k', 2], value: { n: 2 } },
    { op: 'putRecord', collection: 'notes', key: ['k', 3], value: { n: 3 } },
    { op: 'putRecord', collection: 'other', key: 'x', value: 'y' },
  ]);
  await runtime.pause('count-a');
}

/** Every view, awaited, with what differs between two stores by nature (times) left out. */
async function views(runtime: Runtime) {
  const shape = (record: { id: string; machine: string; state: string; status: string; seq: number; parent?: string; root: string }) => ({ id: record.id, machine: record.machine, state: record.state, status: record.status, seq: record.seq, parent: record.parent, root: record.root });
  const count = runtime.count({});
  expect(count).toBeInstanceOf(Promise);
  const iterable = runtime.actors({});
  expect(Symbol.asyncIterator in iterable).toBe(true);
  return {
    count: await count,
    counters: await runtime.count({ machine: 'counter' }),
    actors: (await arrayOf(iterable)).map(shape),
    paged: (await arrayOf(runtime.actors({ machine: 'counter', offset: 1, limit: 1 }))).map(shape),
    actorIds: await arrayOf(runtime.actorIds({ root: 'p' as never })),
    listed: (await arrayOf(runtime.listed({ topOnly: true }))).map(shape),
    listedActor: shape((await runtime.listedActor('count-b'))!),
    missing: await runtime.listedActor('nobody'),
    inbox: await arrayOf(runtime.inbox()),
    journal: (await runtime.journal('count-b')).map(({ seq, event, from, to }) => ({ seq, event, from, to })),
    journalPage: (await runtime.journal('count-b', { fromSeq: 1, limit: 1 })).map(({ seq }) => seq),
    pausedA: await runtime.isPaused('count-a'),
    pausedB: await runtime.isPaused('count-b'),
    get: await runtime.records.get('notes', ['k', 2]),
    getMissing: await runtime.records.get('notes', ['k', 9]),
    scan: await runtime.records.scan('notes', ['k']),
    after: await arrayOf(runtime.records.iterate('notes', ['k'], { after: ['k', 1] })),
  };
}

describe("the runtime's views as promises", () => {
  it('give the same answers over LMDB and over the memory store', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'holdfast-views-'));
    folders.push(folder);
    const answers = [];
    for (const store of [openLmdbStore(folder), openMemoryStore()]) {
      opened.push(store);
      const runtime = await createRuntime({ store, machines: [counter, parent, child] });
      try {
        await populate(runtime);
        answers.push(await views(runtime));
      } finally {
        await runtime.close();
      }
    }
    const [lmdb, memory] = answers;
    expect(lmdb).toEqual(memory);
    // And the answers are the work's, not merely equal.
    expect(lmdb!.count).toBe(6);
    expect(lmdb!.counters).toBe(3);
    expect(lmdb!.paged.map((actor) => actor.id)).toEqual(['count-b']);
    expect(lmdb!.actorIds.sort()).toEqual(['p', 'p/c0', 'p/c1'].sort());
    expect(lmdb!.listed.map((actor) => actor.id).sort()).toEqual(['count-a', 'count-b', 'count-c', 'p']);
    expect(lmdb!.listedActor).toMatchObject({ id: 'count-b', state: 'counting', status: 'active' });
    expect(lmdb!.missing).toBeUndefined();
    expect(lmdb!.journalPage).toEqual([1]);
    expect([lmdb!.pausedA, lmdb!.pausedB]).toEqual([true, false]);
    expect(lmdb!.get).toEqual({ n: 2 });
    expect(lmdb!.getMissing).toBeUndefined();
    expect(lmdb!.scan.map(({ value }) => value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(lmdb!.after.map(({ key }) => key)).toEqual([['k', 2], ['k', 3]]);
  });

  it('closes the store cursor of a view left early', async () => {
    const store = openMemoryStore();
    opened.push(store);
    const runtime = await createRuntime({ store, machines: [counter] });
    try {
      for (const id of ['a', 'b', 'c']) await runtime.spawn('counter', {}, { id });
      const seen: string[] = [];
      for await (const actor of runtime.actors({ machine: 'counter' })) {
        seen.push(actor.id);
        if (seen.length === 2) break;
      }
      expect(seen).toEqual(['a', 'b']);
      expect((await arrayOf(runtime.actors({ machine: 'counter' }))).map((actor) => actor.id)).toEqual(['a', 'b', 'c']);
    } finally {
      await runtime.close();
    }
  });
});

/** A port whose reads answer a turn later, with `sync` for the step loop; counts the port's reads. */
function asyncPortWithSync(inner: SyncStore): { store: Store; portReads: string[] } {
  const portReads: string[] = [];
  const port = asyncReads(inner) as unknown as Record<string, unknown>;
  const counted: Record<string, unknown> = { ...port };
  for (const [name, value] of Object.entries(port)) {
    if (typeof value !== 'function' || ['commit', 'close', 'putMeta', 'pruneJournal', 'stripJournalSnapshots', 'backup', 'checkIntegrity'].includes(name)) continue;
    counted[name] = (...args: unknown[]) => (portReads.push(name), (value as (...a: unknown[]) => unknown)(...args));
  }
  Object.defineProperty(counted, 'path', { get: () => inner.path });
  Object.defineProperty(counted, 'readOnly', { get: () => inner.readOnly });
  counted.sync = inner.sync as SyncReads;
  return { store: counted as unknown as Store, portReads };
}

/** Looks a price up in the `prices` records through its effect context, then holds it. */
const lookupMachine = setup({
  types: { input: {} as { item: string }, context: {} as { item: string; price?: unknown; listed?: string[] } },
  actors: { lookup: effect<{ price: unknown; listed: string[] }, { item: string }>(async () => ({ price: null, listed: [] })) },
}).createMachine({
  id: 'lookup',
  context: ({ input }) => ({ item: input.item }),
  initial: 'looking',
  states: {
    looking: { invoke: { src: 'lookup', input: ({ context }) => ({ item: context.item }), onDone: { target: 'found', actions: assign({ price: ({ event }) => event.output.price, listed: ({ event }) => event.output.listed }) } } },
    found: { type: 'final' },
  },
});
const lookup = defineMachine({
  name: 'lookup',
  version: '1',
  machine: lookupMachine.provide({
    actors: {
      lookup: effect<{ price: unknown; listed: string[] }, { item: string }>(async (input, context) => {
        const records = context.records!;
        const read = records.get('prices', input.item);
        const listed: string[] = [];
        const scan = records.iterate('prices');
        for await (const { key } of scan as AsyncIterable<{ key: unknown }>) listed.push(String(key));
        return { price: await read, listed };
      }),
    },
  }),
});

describe("an effect's records", () => {
  it('are read through the context, over a port that answers later', async () => {
    const inner = openMemoryStore();
    opened.push(inner);
    const { store, portReads } = asyncPortWithSync(inner);
    const runtime = await createRuntime({ store, machines: [lookup] });
    try {
      await runtime.records.write([
        { op: 'putRecord', collection: 'prices', key: 'apple', value: { cents: 40 } },
        { op: 'putRecord', collection: 'prices', key: 'pear', value: { cents: 55 } },
      ]);
      await runtime.spawn('lookup', { item: 'pear' }, { id: 'l1' });
      const record = await runtime.waitFor('l1', (r) => r.status !== 'active', 10_000);
      expect(record.state).toBe('found');
      expect(record.snapshot?.context).toMatchObject({ price: { cents: 55 }, listed: ['apple', 'pear'] });
      // The effect read through the port (a promise and an async scan), not through `sync`.
      expect(portReads).toEqual(expect.arrayContaining(['getRecord', 'scanRecords']));
    } finally {
      await runtime.close();
    }
  });
});
