import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore, type Store } from '../../../src/index.js';
import { counter } from '../../fixtures/machines.js';
import { tempFolder } from '../../helpers/temp-store.js';

/** The store, counting its commits and the reads of one actor's record (the runtime reads through `sync`, which is the store itself). */
function countingReads(store: Store, id: string): { store: Store; reads: () => number; commits: () => number } {
  let reads = 0;
  let commits = 0;
  const counting: Store = new Proxy(store, {
    get(target, name) {
      if (name === 'sync') return counting;
      if (name === 'commit') {
        return (...args: Parameters<Store['commit']>) => {
          commits++;
          return target.commit(...args);
        };
      }
      if (name === 'getActor') {
        return (actor: string) => {
          if (actor === id) reads++;
          return target.getActor(actor as never);
        };
      }
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: counting, reads: () => reads, commits: () => commits };
}

const countOf = (record: { snapshot?: { context?: unknown } | null }) => (record.snapshot?.context as { count: number }).count;

describe('runtime.waitFor', () => {
  it('reads the record once for steps that landed together, and still sees the condition they reach', async () => {
    const lmdb = openLmdbStore(join(tempFolder(), 'store'));
    const { store, reads, commits } = countingReads(lmdb, 'c');
    const runtime = await createRuntime({ store, machines: [counter] });
    await runtime.spawn('counter', {}, { id: 'c' });
    const waited = runtime.waitFor('c', (record) => countOf(record) === 200);
    const before = { reads: reads(), commits: commits() };
    // Sent at once: they step back to back and land in a few commits, each publishing its steps together.
    await Promise.all(Array.from({ length: 200 }, () => runtime.send('c', { type: 'increment' })));
    expect(countOf(await waited)).toBe(200);
    // One read per step before (one per event); now at most one per commit that carried its steps.
    const read = reads() - before.reads;
    expect(read).toBeLessThanOrEqual(commits() - before.commits);
    expect(read).toBeLessThan(200);
    await runtime.close();
    await lmdb.close();
  });

  it('sees an actor spawned again under the same id after a delete, though its steps count from 1 again', async () => {
    const lmdb = openLmdbStore(join(tempFolder(), 'store'));
    const runtime = await createRuntime({ store: lmdb, machines: [counter] });
    await runtime.spawn('counter', {}, { id: 'c' });
    for (let i = 0; i < 10; i++) await runtime.send('c', { type: 'increment', by: 10 });
    // Waiting for a record the first actor never has: count 1, which only the second reaches.
    const waited = runtime.waitFor('c', (record) => countOf(record) === 1, 10_000);
    await runtime.send('c', { type: 'finish' });
    await runtime.delete('c');
    await runtime.spawn('counter', {}, { id: 'c' });
    await runtime.send('c', { type: 'increment' });
    const record = await waited;
    expect([countOf(record), record.seq]).toEqual([1, 2]);
    await runtime.close();
    await lmdb.close();
  });
});
