/**
 * `verifyStore` over any store (issue 19): over a store whose reads are all asynchronous (no
 * `sync`: the stand-in for a store over a network) it finds what it finds over the same tables
 * read at once, on a sound store and on one with a violation of each kind planted in it.
 */
import { describe, expect, it } from 'vitest';
import { createRuntime, openMemoryStore, verifyStore, type StoreReport, type StoreViolation } from '../../../src/index.js';
import { asyncReads } from '../../../src/persistence/async-reads.js';
import { actorId, type ActorRecord, type Store, type SyncStore } from '../../../src/persistence/store.js';
import { FOLDED } from '../../../src/runtime/child-fold.js';
import { child, counter, parent, sleeper } from '../../fixtures/machines.js';

/** A memory store holding a finished job of 3 children, a counter waiting for events, a sleeper waiting on its timer. */
async function storeWithWork(): Promise<SyncStore> {
  const store = openMemoryStore();
  const runtime = await createRuntime({ store, machines: [parent, child, counter, sleeper], retention: false });
  await runtime.spawn('parent', { children: 3 }, { id: 'job' });
  await runtime.waitFor('job', (record) => record.status === 'done', 20_000);
  await runtime.spawn('counter', {}, { id: 'counter' });
  await runtime.spawn('sleeper', { ms: 3_600_000 }, { id: 'sleeper' });
  await runtime.whenIdle(20_000);
  await runtime.close();
  return store;
}

/** A check that reads the store it is given, as a kind's checks do: children counted against the parent's total. */
async function childrenCounted(record: ActorRecord, store: Store): Promise<StoreViolation[]> {
  if (record.machine !== 'parent') return [];
  const children = await store.countActors({ parent: record.id });
  const total = (record.snapshot?.context as { total: number }).total;
  return children === total ? [] : [{ invariant: 'I5', id: record.id, message: `${children} children of ${total}` }];
}

/** The report over the store read at once and over the same tables read only asynchronously. */
async function bothWays(store: SyncStore, options: { expectSettled?: boolean } = {}): Promise<{ sync: StoreReport; async: StoreReport }> {
  const remote = asyncReads(store);
  expect(remote.sync).toBeUndefined();
  return {
    sync: await verifyStore(store, { ...options, checks: childrenCounted }),
    async: await verifyStore(remote, { ...options, checks: childrenCounted }),
  };
}

describe('verifyStore over a store whose reads are asynchronous', () => {
  it('finds a sound store sound, with the same counts, as over the store read at once', async () => {
    const store = await storeWithWork();
    const { sync, async } = await bothWays(store);
    expect(async).toEqual(sync);
    expect(sync).toMatchObject({ actors: 6, byStatus: { active: 2, done: 4 }, waiting: ['counter'], folded: 0, violations: [] });
    // Asked for a settled store, both name the two actors still active.
    const settled = await bothWays(store, { expectSettled: true });
    expect(settled.async).toEqual(settled.sync);
    expect(settled.sync.violations.map((violation) => violation.id).sort()).toEqual(['counter', 'sleeper']);
    await store.close();
  });

  it('finds each planted violation, as over the store read at once', async () => {
    const store = await storeWithWork();
    const counterRecord = store.getActor(actorId('counter'))!;
    const sleeperRecord = store.getActor(actorId('sleeper'))!;
    const child0 = store.getActor(actorId('job/c0'))!;
    await store.commit(
      [
        { op: 'putTimer', timer: { due: 1, actor: actorId('ghost'), id: 'late', event: { type: 'tick' } } },
        { op: 'putInbox', message: { to: actorId('nobody'), seq: 1, event: { type: 'hello' } } },
        { op: 'putInbox', message: { to: actorId('job'), seq: 1, event: { type: 'hello' } } },
        { op: 'putActor', record: { ...counterRecord, status: 'parked' }, previous: counterRecord },
        { op: 'putActor', record: { ...sleeperRecord, timers: { ...sleeperRecord.timers, phantom: 5 } }, previous: sleeperRecord },
        { op: 'deleteActor', record: child0 },
        { op: 'putRecord', collection: FOLDED, key: 'sleeper', value: { children: 2, states: { done: 1 }, at: 0 } },
      ],
      'commit',
    );

    const { sync, async } = await bothWays(store);

    expect(async).toEqual(sync);
    const found = sync.violations.map(({ invariant, id, message }) => `${invariant} ${id}: ${message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'I2 ghost: timers late belong to no active actor',
        'I2 nobody: messages wait for an actor that does not exist',
        'I4 job: messages wait for an actor that is done',
        'I7 counter: parked without an error code',
        'I2 sleeper: timer phantom is on the record but not stored: it would never fire',
        'I5 job: 2 children of 3',
        'I5 sleeper: children were folded while it is active',
        'I5 sleeper: folded count 2 does not match its states (1)',
      ]),
    );
    expect(found).toHaveLength(8);
    await store.close();
  });
});
