/**
 * A store whose reads are asynchronous (issue 19, item 1): the runtime's public reads await the
 * port, its step loop reads through `sync` alone when the store has it, and through the port when not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, openMemoryStore, type Store, type SyncStore } from '../../../src/index.js';
import { asyncReads } from '../../../src/persistence/async-reads.js';
import type { SyncReads } from '../../../src/persistence/store.js';
import { counter } from '../../fixtures/machines.js';

/** The port with asynchronous reads over `inner`, `sync` reading `inner` at once; counts the calls each way. */
function countedStore(inner: SyncStore): { store: Store; portReads: string[]; syncReads: string[] } {
  const portReads: string[] = [];
  const syncReads: string[] = [];
  const port = asyncReads(inner) as unknown as Record<string, unknown>;
  const counted: Record<string, unknown> = { ...port };
  for (const [name, value] of Object.entries(port)) {
    if (typeof value !== 'function' || ['commit', 'close', 'putMeta', 'pruneJournal', 'stripJournalSnapshots', 'backup', 'checkIntegrity'].includes(name)) continue;
    counted[name] = (...args: unknown[]) => (portReads.push(name), (value as (...a: unknown[]) => unknown)(...args));
  }
  Object.defineProperty(counted, 'path', { get: () => inner.path });
  Object.defineProperty(counted, 'readOnly', { get: () => inner.readOnly });
  const sync = new Proxy(inner.sync, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (syncReads.push(String(name)), (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  }) as SyncReads;
  counted.sync = sync;
  return { store: counted as unknown as Store, portReads, syncReads };
}

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

describe('a store whose reads are asynchronous', () => {
  it('answers the port with promises and async iterables, and offers no sync reads', async () => {
    const store = openMemoryStore({ reads: 'async' });
    opened.push(store);
    expect(store.sync).toBeUndefined();
    const read = store.getActor('nobody' as never);
    expect(read).toBeInstanceOf(Promise);
    expect(await read).toBeUndefined();
    const scan = store.queryActors({});
    expect(Symbol.iterator in scan).toBe(false);
    expect(Symbol.asyncIterator in scan).toBe(true);
  });

  it('runs a runtime that reads through the port when there is no sync (async-only-runtime.test.ts runs it fully)', async () => {
    const store = openMemoryStore({ reads: 'async' });
    opened.push(store);
    const runtime = await createRuntime({ store, machines: [counter] });
    try {
      const id = await runtime.spawn('counter', {}, { id: 'count-1' });
      await runtime.send(id, { type: 'increment', by: 2 });
      expect((await runtime.get(id))?.snapshot?.context).toEqual({ count: 2 });
    } finally {
      await runtime.close();
    }
    await store.commit([{ op: 'putRecord', collection: 'c', key: 'k', value: 1 }], 'flush');
    expect(await store.getRecord('c', 'k')).toBe(1);
  });

  it('runs a runtime through its sync reads; get and query go through the port and see every step', async () => {
    const inner = openMemoryStore();
    opened.push(inner);
    const { store, portReads, syncReads } = countedStore(inner);
    const runtime = await createRuntime({ store, machines: [counter] });
    try {
      const id = await runtime.spawn('counter', {}, { id: 'count-1' });
      await runtime.send(id, { type: 'increment', by: 2 });
      await runtime.send(id, { type: 'increment' });
      // The step loop (spawn's free-id check, the steps) read through `sync`: no promise per read.
      expect(portReads).toEqual([]);
      expect(syncReads.length).toBeGreaterThan(0);
      const record = await runtime.get(id);
      expect((record?.snapshot?.context as { count: number }).count).toBe(3);
      expect((await runtime.query({ machine: 'counter' })).map((actor) => actor.id)).toEqual(['count-1']);
      expect(await runtime.get('nobody')).toBeUndefined();
      expect(portReads).toEqual(['getActor', 'queryActors', 'getActor']);
    } finally {
      await runtime.close();
    }
  });
});
