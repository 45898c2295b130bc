/**
 * The conformance suite, part two: what a commit guarantees, on any store
 * (docs/store-port.md): all of it or none, its mutations in order, commits
 * in the order they were started, reads that see one commit whole or not at
 * all, and (for a durable store) everything acknowledged there after a reopen.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HoldfastError } from '../../src/errors.js';
import type { Mutation, Store } from '../../src/persistence/store.js';
import { actor, entry, id, iteratorOf, jobTree, list, putActor, putJournal, putRecord, closedAfterEach, type StoreUnderTest } from './conformance-fixtures.js';

export function storeCommits(name: string, under: StoreUnderTest): void {
  const open = closedAfterEach(under);
  const nothingOf = async (store: Store) => {
    expect(await store.getActor(id('a1'))).toBeUndefined();
    expect(await store.countActors({})).toBe(0);
    expect(await store.getRecord('c', 'ok')).toBeUndefined();
    expect(await list(store.journal(id('a1')))).toEqual([]);
    expect(await list(store.timers())).toEqual([]);
  };
  const step = (last: Mutation): Mutation[] => [
    putActor(actor('a1')),
    putRecord('c', 'ok', 1),
    putJournal('a1', 1),
    { op: 'putTimer', timer: { due: 1, actor: id('a1'), id: 't', event: { type: 'tick' } } },
    last,
  ];

  describe(`${name} store: one commit is all of its mutations or none`, () => {
    it('fails the whole commit when one value cannot be stored, and stays usable', async () => {
      const store = await open();
      await expect(store.commit(step(putRecord('c', 'bad', { n: 1n })), 'flush')).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_SERIALISABLE' });
      await nothingOf(store);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(store.commit(step(putActor(actor('a2', { context: cyclic }))), 'flush')).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_SERIALISABLE' });
      await nothingOf(store);
      await store.commit(step(putRecord('c', 'fine', 2)), 'flush');
      expect(await store.getRecord('c', 'fine')).toBe(2);
      expect(await store.countActors({ machine: 'worker' })).toBe(1);
    });

    it('fails the whole commit when one key is too large for the store', async () => {
      const store = await open();
      const failure = await store.commit(step(putRecord('c', 'k'.repeat(3_000), 1)), 'flush').then(() => undefined, (error: unknown) => error);
      expect(failure).toBeInstanceOf(HoldfastError);
      await nothingOf(store);
      await store.commit([putRecord('c', 'k'.repeat(1_900), 1)], 'flush'); // under LMDB's 1,978 bytes
      expect(await store.getRecord('c', 'k'.repeat(1_900))).toBe(1);
    });

    it('applies the mutations of a commit in order: a put then a delete leaves nothing, a delete then a put leaves the put', async () => {
      const store = await open();
      const first = actor('a1', { state: 'a' });
      await store.commit([putActor(first)], 'flush');
      const timer = { due: 5, actor: id('a1'), id: 't', event: { type: 'tick' } };
      const again = actor('a1', { state: 'z' });
      await store.commit(
        [
          { op: 'putTimer', timer },
          { op: 'deleteTimer', due: 5, actor: id('a1'), id: 't' },
          putRecord('c', 'k', 1),
          { op: 'deleteRecord', collection: 'c', key: 'k' },
          { op: 'deleteRecord', collection: 'c', key: 'j' },
          putRecord('c', 'j', 2),
          { op: 'deleteActor', record: first },
          putActor(again),
        ],
        'flush',
      );
      expect(await list(store.timers())).toEqual([]);
      expect(await store.getRecord('c', 'k')).toBeUndefined();
      expect(await store.getRecord('c', 'j')).toBe(2);
      expect((await store.getActor(id('a1')))?.state).toBe('z');
      expect(await store.countActors({ machine: 'worker', state: 'a' })).toBe(0);
      expect(await store.countActors({ machine: 'worker', state: 'z' })).toBe(1);
    });

    it('writes the last of several steps of one actor in one commit, indexed from the first one before them', async () => {
      const store = await open();
      const stored = actor('a1', { state: 'a' });
      await store.commit([putActor(stored)], 'flush');
      const b = { ...actor('a1', { state: 'b' }), seq: 2 };
      const c = { ...actor('a1', { state: 'c', status: 'done' }), seq: 3 };
      await store.commit([putActor(b, stored), putJournal('a1', 2), putActor(c, b), putJournal('a1', 3)], 'flush');
      expect(await store.getActor(id('a1'))).toMatchObject({ state: 'c', seq: 3, status: 'done' });
      for (const state of ['a', 'b']) expect(await store.countActors({ machine: 'worker', state })).toBe(0);
      expect(await store.countActors({ machine: 'worker', state: 'c' })).toBe(1);
      expect(await store.countActors({ status: 'active' })).toBe(0);
      expect((await list(store.journal(id('a1')))).map((e) => e.seq)).toEqual([2, 3]);
    });
  });

  describe(`${name} store: commits started back to back`, () => {
    it('lands them in the order they were started, each whole, and tells each written in that order', async () => {
      const store = await open();
      const written: number[] = [];
      const commits = Array.from({ length: 20 }, (_, n) => store.commit([putRecord('c', 'k', n), putRecord('c', `only${n}`, n), putJournal('a1', n + 1)], 'flush', () => written.push(n)));
      await Promise.all(commits);
      // A store that cannot tell when it has written never calls onWritten (the port's contract).
      if (written.length > 0) expect(written).toEqual(Array.from({ length: 20 }, (_, n) => n));
      expect(await store.getRecord('c', 'k')).toBe(19);
      for (let n = 0; n < 20; n++) expect(await store.getRecord('c', `only${n}`)).toBe(n);
      expect((await list(store.journal(id('a1')))).map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    });

    it('applies a commit started right after one that failed, on its own', async () => {
      const store = await open();
      const failing = store.commit([putRecord('c', 'first', 1), putRecord('c', 'bad', 1n)], 'flush');
      const after = store.commit([putRecord('c', 'after', 2)], 'flush');
      await expect(failing).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_SERIALISABLE' });
      await after;
      expect(await store.getRecord('c', 'first')).toBeUndefined();
      expect(await store.getRecord('c', 'after')).toBe(2);
    });

    it('deletes every journal entry of an actor, even one whose commit was still in flight', async () => {
      const store = await open();
      await store.commit([putJournal('a1', 1)], 'flush');
      const inFlight = store.commit([putJournal('a1', 2)], 'flush');
      await store.commit([{ op: 'deleteJournal', actor: id('a1') }], 'flush');
      await inFlight;
      expect(await list(store.journal(id('a1')))).toEqual([]);
    });
  });

  describe(`${name} store: reads beside a commit`, () => {
    it('sees a commit in flight whole or not at all, in every read until it lands', async () => {
      const store = await open();
      const size = 2_000;
      await store.commit([putRecord('c', 'before', 0)], 'flush');
      const mutations = [putActor(actor('a1')), ...Array.from({ length: size }, (_, i) => putRecord('c', `k${String(i).padStart(5, '0')}`, i)), putRecord('c', 'last', size)];
      let settled = false;
      const commit = store.commit(mutations, 'flush').finally(() => (settled = true));
      const seen = new Set<string>();
      for (let reads = 0; reads < 10_000; reads++) {
        const records = (await list(store.scanRecords('c', undefined))).length;
        const first = (await store.getRecord('c', 'k00000')) !== undefined;
        const last = (await store.getRecord('c', 'last')) !== undefined;
        const actorThere = (await store.getActor(id('a1'))) !== undefined;
        const state = records === 1 && !first && !last && !actorThere ? 'old' : records === size + 2 && first && last && actorThere ? 'new' : `half: ${records} records`;
        seen.add(state);
        if (settled) break;
        await nextTurn();
      }
      await commit;
      expect([...seen].filter((state) => state !== 'old' && state !== 'new')).toEqual([]);
      expect(seen.has('new')).toBe(true);
    });

    it('goes on reading a scan begun before a commit as the store stood when it began', async () => {
      const store = await open();
      const key = (i: number) => `k${String(i).padStart(3, '0')}`;
      await store.commit(Array.from({ length: 100 }, (_, i) => putRecord('c', key(i), i)), 'flush');
      const scan = iteratorOf(store.scanRecords('c'));
      const keys: unknown[] = [];
      for (let i = 0; i < 10; i++) keys.push((await scan.next()).value!.key);
      await store.commit([...Array.from({ length: 100 }, (_, i): Mutation => ({ op: 'deleteRecord', collection: 'c', key: key(i) })), putRecord('c', 'k0505', 'new')], 'flush');
      for (let next = await scan.next(); !next.done; next = await scan.next()) keys.push(next.value.key);
      expect(keys).toEqual(Array.from({ length: 100 }, (_, i) => key(i)));
      expect((await list(store.scanRecords('c'))).map((record) => record.key)).toEqual(['k0505']);
    });

    it('reads what a commit wrote as soon as it resolves', async () => {
      const store = await open();
      for (let n = 0; n < 20; n++) {
        await store.commit([putRecord('c', 'n', n), putActor({ ...actor('a1'), seq: n })], n % 2 ? 'commit' : 'flush');
        expect(await store.getRecord('c', 'n')).toBe(n);
        expect((await store.getActor(id('a1')))?.seq).toBe(n);
      }
    });
  });

  if (under.reopen) {
    const reopen = under.reopen;
    describe(`${name} store: durable`, () => {
      it('keeps every commit it acknowledged, at either durability level, across a reopen', async () => {
        let store = await under.open();
        try {
          await store.commit(jobTree().map((record) => putActor(record)), 'commit');
          await store.commit([putJournal('job', 1), putJournal('job', 2), putRecord('c', ['x', 1], { deep: [1] })], 'flush');
          await store.putMeta('note', 'kept');
          store = await reopen(store);
          expect(await store.countActors({ root: id('job') })).toBe(6);
          expect(await store.getActor(id('job/a/x'))).toEqual(jobTree().find((record) => record.id === 'job/a/x'));
          expect(await list(store.journal(id('job')))).toEqual([entry(1), entry(2)]);
          expect(await store.getRecord('c', ['x', 1])).toEqual({ deep: [1] });
          expect(await store.getMeta('note')).toBe('kept');
        } finally {
          await store.close();
        }
      });
    });
  }
}
