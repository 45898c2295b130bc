/**
 * The conformance suite, part one: every operation of the Store port
 * (src/persistence/store.ts) does what the port says, on any store.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeActorRecord } from '../../src/persistence/actor-codec.js';
import { openLmdbStore, STORE_FORMAT_VERSION } from '../../src/persistence/lmdb-store.js';
import { SET_ASIDE, type ActorFilter, type IntegrityProblem, type Store } from '../../src/persistence/store.js';
import { tempFolder } from '../helpers/temp-store.js';
import { actor, entry, id, jobTree, list, putActor, putJournal, putRecord, closedAfterEach, type StoreUnderTest } from './conformance-fixtures.js';

export function storeOperations(name: string, under: StoreUnderTest): void {
  const open = closedAfterEach(under);

  describe(`${name} store: actors and the index`, () => {
    it('reads back a record as committed, as a copy the caller may change', async () => {
      const store = await open();
      const record = { ...actor('a1', { context: { n: 1, nested: { list: [1, 2] } } }), tags: ['t'], effects: { work: { src: 'work', input: { f: 1 }, key: 'a1:work:1', attempt: 2, retryAt: 5 } }, timers: { t1: 99 } };
      await store.commit([putActor(record)], 'flush');
      const read = (await store.getActor(id('a1')))!;
      expect(read).toEqual(record);
      (read.snapshot!.context as { n: number }).n = 2;
      expect(((await store.getActor(id('a1')))!.snapshot!.context as { n: number }).n).toBe(1);
      expect(await store.getActor(id('nobody'))).toBeUndefined();
      (record.snapshot!.context as { n: number }).n = 3; // the committed value, changed after its commit
      expect(((await store.getActor(id('a1')))!.snapshot!.context as { n: number }).n).toBe(1);
    });

    it('answers every filter from the index, in the order of its keys, and counts what it lists', async () => {
      const store = await open();
      await store.commit(jobTree().map((record) => putActor(record)), 'flush');
      const ids = async (filter: ActorFilter) => (await list(store.queryActors(filter))).map((record) => record.id);
      const cases: [ActorFilter, string[]][] = [
        [{}, ['job', 'other', 'job/a', 'job/b', 'job/c', 'job/a/x', 'job/a/y', 'other/z']], // by parent, then id
        [{ parent: id('job') }, ['job/a', 'job/b', 'job/c']],
        [{ root: id('job') }, ['job', 'job/a', 'job/a/x', 'job/a/y', 'job/b', 'job/c']],
        [{ topOnly: true }, ['job', 'other']],
        [{ machine: 'part' }, ['job/a/x', 'job/a/y']],
        [{ machine: 'worker', state: 'copying' }, ['job/b', 'other/z']],
        [{ machine: 'worker', state: 'copying.waiting' }, ['job/a']],
        [{ status: 'done' }, ['job/c', 'other']],
        [{ root: id('job'), status: 'active' }, ['job', 'job/a', 'job/a/x', 'job/b']],
        [{ parent: id('job/a'), status: 'error' }, ['job/a/y']],
        [{ machine: 'load', topOnly: true, status: 'done' }, ['other']],
      ];
      for (const [filter, expected] of cases) {
        expect(await ids(filter), JSON.stringify(filter)).toEqual(expected);
        expect(await store.countActors(filter), JSON.stringify(filter)).toBe(expected.length);
        expect(await list(store.actorIds(filter)), JSON.stringify(filter)).toEqual(expect.arrayContaining(expected));
      }
    });

    it('pages with limit and offset, every actor once', async () => {
      const store = await open();
      const records = Array.from({ length: 23 }, (_, i) => actor(`job/${String(i).padStart(2, '0')}`, { parent: 'job' }));
      await store.commit([putActor(actor('job')), ...records.map((record) => putActor(record))], 'flush');
      const seen: string[] = [];
      for (let offset = 0; offset < 30; offset += 5) {
        const page = await list(store.queryActors({ root: id('job'), limit: 5, offset }));
        expect(page.length).toBeLessThanOrEqual(5);
        seen.push(...page.map((record) => record.id));
      }
      expect(seen).toEqual(['job', ...records.map((record) => record.id)]);
      expect(await list(store.queryActors({ parent: id('job'), limit: 3, offset: 21 }))).toHaveLength(2);
    });

    it('moves an actor in the index when its state, status or machine changes, and drops it on delete', async () => {
      const store = await open();
      const first = actor('a1', { state: 'idle' });
      await store.commit([putActor(first)], 'flush');
      const second = { ...actor('a1', { state: 'busy', status: 'done' }), seq: 2 };
      await store.commit([putActor(second, first)], 'flush');
      expect(await store.countActors({ machine: 'worker', state: 'idle' })).toBe(0);
      expect(await store.countActors({ machine: 'worker', state: 'busy' })).toBe(1);
      expect(await store.countActors({ status: 'active' })).toBe(0);
      expect(await store.countActors({ status: 'done' })).toBe(1);
      await store.commit([{ op: 'deleteActor', record: second }], 'flush');
      expect(await store.getActor(id('a1'))).toBeUndefined();
      expect(await store.countActors({})).toBe(0);
      expect(await store.identityOf(id('a1'))).toBeUndefined();
    });

    it('tells the identity the index keeps, and pages the checksums of every record', async () => {
      const store = await open();
      await store.commit([...jobTree().map((record) => putActor(record)), putJournal('job/a/x', 1)], 'flush');
      expect(await store.identityOf(id('job/a/y'))).toEqual({ id: 'job/a/y', parent: 'job/a', root: 'job', status: 'error', machine: 'part', state: 'idle' });
      expect(await store.identityOf(id('job'), ['load'])).toEqual({ id: 'job', root: 'job', status: 'active', machine: 'load', state: 'running' });
      expect(await store.identityOf(id('nobody'))).toBeUndefined();
      const ids: string[] = [];
      let after: Awaited<ReturnType<Store['checkActorPage']>>['last'];
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.checkActorPage(after, 3);
        expect(page.failed).toEqual([]);
        if (page.last === undefined) break;
        ids.push(page.last);
        after = page.last;
      }
      expect(ids).toEqual(['job/a/x', 'job/c', 'other/z']); // the last of each page of 3
      expect(await store.corruptActors()).toEqual([]);
    });
  });

  describe(`${name} store: journal, inbox, timers`, () => {
    it('keeps each actor journal in seq order, from a seq, up to a limit, apart from its neighbours', async () => {
      const store = await open();
      await store.commit([putJournal('a1', 3), putJournal('a1', 1), putJournal('a10', 1), putJournal('a1', 2), putJournal('a', 5)], 'flush');
      expect(await list(store.journal(id('a1')))).toEqual([entry(1), entry(2), entry(3)]);
      expect(await list(store.journal(id('a1'), { fromSeq: 2 }))).toEqual([entry(2), entry(3)]);
      expect(await list(store.journal(id('a1'), { limit: 2 }))).toEqual([entry(1), entry(2)]);
      const withSnapshot = { ...entry(4), snapshot: { value: 'b', context: { n: 1 }, status: 'active' as const } };
      await store.commit([{ op: 'putJournal', actor: id('a1'), entry: withSnapshot }, { op: 'deleteJournal', actor: id('a10') }], 'flush');
      expect(await list(store.journal(id('a1'), { fromSeq: 4 }))).toEqual([withSnapshot]);
      expect(await list(store.journal(id('a10')))).toEqual([]);
      expect(await list(store.journal(id('a')))).toEqual([entry(5)]);
    });

    it('keeps an inbox per actor in seq order and lists all inboxes by actor', async () => {
      const store = await open();
      const message = (to: string, seq: number) => ({ to: id(to), seq, event: { type: 'ping', n: seq }, from: id('x') });
      await store.commit([message('b', 2), message('a', 10), message('b', 1), message('a', 9)].map((m) => ({ op: 'putInbox' as const, message: m })), 'flush');
      expect(await list(store.inbox(id('b')))).toEqual([message('b', 1), message('b', 2)]);
      expect((await list(store.inbox())).map((m) => `${m.to}${m.seq}`)).toEqual(['a9', 'a10', 'b1', 'b2']);
      await store.commit([{ op: 'deleteInbox', to: id('a'), seq: 9 }], 'flush');
      expect((await list(store.inbox(id('a')))).map((m) => m.seq)).toEqual([10]);
    });

    it('lists timers in due order (then actor, then id) and deletes one by its key', async () => {
      const store = await open();
      const timer = (due: number, to: string, timerId: string) => ({ due, actor: id(to), id: timerId, event: { type: 'tick' } });
      const timers = [timer(1_700_000_000_500, 'b', 't'), timer(20, 'a', 't2'), timer(1_700_000_000_000, 'a', 't'), timer(20, 'a', 't1'), timer(3, 'z', 't')];
      await store.commit(timers.map((t) => ({ op: 'putTimer' as const, timer: t })), 'flush');
      expect((await list(store.timers())).map((t) => `${t.due}/${t.actor}/${t.id}`)).toEqual(['3/z/t', '20/a/t1', '20/a/t2', '1700000000000/a/t', '1700000000500/b/t']);
      await store.commit([{ op: 'deleteTimer', due: 20, actor: id('a'), id: 't1' }], 'flush');
      expect(await list(store.timers())).toHaveLength(4);
    });
  });

  describe(`${name} store: records and meta`, () => {
    it('reads records by string, number and composite keys, and deletes them', async () => {
      const store = await open();
      await store.commit([putRecord('users', 'ann', { admin: true }), putRecord('users', 7, 'seven'), putRecord('stats', ['job', 3, 'ok'], [1, 2]), putRecord('users2', 'ann', 'other collection')], 'flush');
      expect(await store.getRecord('users', 'ann')).toEqual({ admin: true });
      expect(await store.getRecord('users', 7)).toBe('seven');
      expect(await store.getRecord('stats', ['job', 3, 'ok'])).toEqual([1, 2]);
      expect(await store.getRecord('users', 'nobody')).toBeUndefined();
      await store.commit([{ op: 'deleteRecord', collection: 'users', key: 'ann' }], 'flush');
      expect(await store.getRecord('users', 'ann')).toBeUndefined();
      expect(await store.getRecord('users2', 'ann')).toBe('other collection');
    });

    it('scans a collection in key order, under a prefix, and from just after a key, even one since deleted', async () => {
      const store = await open();
      const keys: (string | number | (string | number)[])[] = [['j1', 2], ['j1', 10], ['j2', 1], ['j1', 'x'], 5, 'z', ['j10', 1]];
      await store.commit([...keys.map((key, i) => putRecord('c', key, i)), putRecord('c2', 'a', 'not c')], 'flush');
      const scan = async (...args: Parameters<Store['scanRecords']> extends [string, ...infer Rest] ? Rest : never) => (await list(store.scanRecords('c', ...args))).map((r) => r.key);
      expect(await scan()).toEqual([5, ['j1', 2], ['j1', 10], ['j1', 'x'], ['j10', 1], ['j2', 1], 'z']); // numbers first, then by bytes
      expect(await scan('j1')).toEqual([['j1', 2], ['j1', 10], ['j1', 'x']]);
      expect(await scan('j1', { after: ['j1', 2] })).toEqual([['j1', 10], ['j1', 'x']]);
      expect(await scan('j1', { after: ['j1', 3] })).toEqual([['j1', 10], ['j1', 'x']]); // no record at j1/3: its place still counts
      expect(await scan('j1', { after: 'a' })).toEqual([['j1', 2], ['j1', 10], ['j1', 'x']]); // before the prefix: from its start
      expect(await scan('j1', { after: 'k' })).toEqual([]); // past its end
      expect(await scan(undefined, { after: ['j2', 1] })).toEqual(['z']);
      expect((await list(store.scanRecords('c', 'j2')))[0]).toEqual({ key: ['j2', 1], value: 2 });
    });

    it('orders keys as LMDB does: numbers by value before strings, strings by code point, a prefix first', async () => {
      const store = await open();
      const keys = ['\ud7ff', '\uffff', 'b', 'a/b', 'a', '', 'A', -2.5, 10, 2, -100, ['a', 1], ['a', 'b'], '\u00e9'];
      await store.commit(keys.map((key, i) => putRecord('order', key, i)), 'flush');
      const scanned = (await list(store.scanRecords('order'))).map((record) => record.key);
      // Astral chars (emoji) are left out: they sort after HIGH (index-keys.ts), the end of every range.
      expect(scanned).toEqual([-100, -2.5, 2, 10, '', 'A', 'a', ['a', 1], ['a', 'b'], 'a/b', 'b', '\u00e9', '\ud7ff', '\uffff']);
    });

    it('keeps meta values, and says which format it keeps', async () => {
      const store = await open();
      expect(await store.getMeta('format')).toBe(STORE_FORMAT_VERSION);
      await store.putMeta('migrations', ['a', 'b']);
      expect(await store.getMeta('migrations')).toEqual(['a', 'b']);
      expect(await store.getMeta('nothing')).toBeUndefined();
    });

    it('sets an actor record aside as its stored bytes, which read back as the record', async () => {
      const store = await open();
      const record = actor('a1', { state: 'odd' });
      await store.commit([putActor(record)], 'flush');
      await store.commit([{ op: 'setAsideActor', id: id('a1') }, { op: 'setAsideActor', id: id('nobody') }], 'flush');
      const aside = await store.getRecord<{ bytes: string; at: number }>(SET_ASIDE, 'a1');
      expect(decodeActorRecord(id('a1'), Buffer.from(aside!.bytes, 'base64'))).toEqual(record);
      expect(await store.getRecord(SET_ASIDE, 'nobody')).toBeUndefined();
    });
  });

  describe(`${name} store: the whole store`, () => {
    it('finds nothing wrong in a sound store, and counts what it read', async () => {
      const store = await open();
      await store.commit([...jobTree().map((record) => putActor(record)), putJournal('job', 1), putJournal('job', 2), putRecord('users', 'ann', 1), putRecord('stats', ['job', 1], 2)], 'flush');
      await store.commit([{ op: 'putInbox', message: { to: id('job'), seq: 1, event: { type: 'go' } } }, { op: 'putTimer', timer: { due: 5, actor: id('job/a'), id: 't', event: { type: 'tick' } } }], 'flush');
      const problems: IntegrityProblem[] = [];
      const actors: string[] = [];
      const counts = await store.checkIntegrity({ problem: (problem) => problems.push(problem), actor: (record) => actors.push(record.id) });
      expect(problems).toEqual([]);
      expect(actors).toHaveLength(8);
      expect(counts.checked).toMatchObject({ actors: 8, journal: 2, inbox: 1, timers: 1, records: 2 });
      expect(counts.collections).toEqual({ users: 1, stats: 1 });
    });

    it('backs up into a folder that opens as an LMDB store holding the same, and refuses a folder that holds one', async () => {
      const store = await open();
      await store.commit([...jobTree().map((record) => putActor(record)), putJournal('job', 1), putRecord('users', 'ann', { n: 1 }), putRecord('stats', ['job', 1], 2)], 'flush');
      await store.commit([{ op: 'putInbox', message: { to: id('job'), seq: 1, event: { type: 'go' } } }, { op: 'putTimer', timer: { due: 5, actor: id('job/a'), id: 't', event: { type: 'tick' } } }], 'flush');
      await store.putMeta('note', 'kept');
      const folder = join(tempFolder('holdfast-backup-'), 'copy');
      await store.backup(folder);
      const copy = openLmdbStore(folder);
      try {
        for (const filter of [{}, { root: id('job') }, { machine: 'worker', state: 'copying' }, { status: 'done' as const }]) {
          expect(await list(copy.queryActors(filter))).toEqual(await list(store.queryActors(filter)));
        }
        expect(await list(copy.journal(id('job')))).toEqual([entry(1)]);
        expect(await list(copy.scanRecords('stats'))).toEqual([{ key: ['job', 1], value: 2 }]);
        expect(await copy.getRecord('users', 'ann')).toEqual({ n: 1 });
        expect(await list(copy.inbox())).toEqual(await list(store.inbox()));
        expect(await list(copy.timers())).toEqual(await list(store.timers()));
        expect(await copy.getMeta('note')).toBe('kept');
        const problems: IntegrityProblem[] = [];
        await copy.checkIntegrity({ problem: (problem) => problems.push(problem) });
        expect(problems).toEqual([]);
      } finally {
        await copy.close();
      }
      await expect(store.backup(folder)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('refuses a commit once closed, and closes twice without harm', async () => {
      const store = await under.open();
      await store.close();
      await store.close();
      await expect(store.commit([putRecord('c', 'k', 1)], 'flush')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    });
  });
}
