import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open } from 'lmdb';
import { decodeJournalEntry, encodeJournalEntry } from '../../../src/persistence/journal-codec.js';
import { openLmdbStore, STORE_FORMAT_VERSION } from '../../../src/persistence/lmdb-store.js';
import { encodeRecord } from '../../../src/persistence/record-codec.js';
import type { ActorRecord, ActorId, Mutation, RecordKey } from '../../../src/persistence/store.js';
import { tempFolder } from '../../helpers/temp-store.js';

const record = (state: string, status: ActorRecord['status'] = 'active'): ActorRecord => ({
  id: 'a1' as ActorId,
  machine: 'm',
  version: '1',
  root: 'a1' as ActorId,
  status,
  state,
  snapshot: { value: state, context: {}, status: 'active' },
  seq: 1,
  effects: {},
  timers: {},
  createdAt: 0,
  updatedAt: 0,
});

describe('LMDB store commits', () => {
  it('applies the mutations of one commit in order: two steps of one actor leave only the second', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    try {
      const first = record('a');
      const second = record('b');
      const third = record('c', 'done');
      const timer = { due: 5, actor: first.id, id: 't', event: { type: 'tick' } };
      const mutations: Mutation[] = [
        { op: 'putActor', record: first },
        { op: 'putTimer', timer },
        { op: 'putActor', record: second, previous: first },
        { op: 'deleteTimer', due: 5, actor: first.id, id: 't' },
        { op: 'putActor', record: third, previous: second },
      ];
      await store.commit(mutations, 'flush');
      expect([...store.timers()]).toEqual([]);
      expect(store.getActor(first.id)?.state).toBe('c');
      expect(store.countActors({ machine: 'm' })).toBe(1);
      expect(store.countActors({ status: 'active' })).toBe(0);
      expect([...store.queryActors({ machine: 'm', state: 'c' })]).toHaveLength(1);
      expect([...store.queryActors({ machine: 'm', state: 'a' })]).toHaveLength(0);
    } finally {
      await store.close();
    }
  });
});

describe('LMDB store: steps of one actor in one commit', () => {
  it('writes the last record of a chain, with the index changes from the first previous record', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    try {
      const stored = record('a');
      await store.commit([{ op: 'putActor', record: stored }], 'flush');
      const b = { ...record('b'), seq: 2 };
      const c = { ...record('c', 'done'), seq: 3 };
      await store.commit([{ op: 'putActor', record: b, previous: stored }, { op: 'putActor', record: c, previous: b }], 'flush');
      expect(store.getActor(stored.id)).toMatchObject({ state: 'c', seq: 3, status: 'done' });
      expect(store.countActors({ machine: 'm', state: 'a' })).toBe(0);
      expect(store.countActors({ machine: 'm', state: 'b' })).toBe(0);
      expect(store.countActors({ machine: 'm', state: 'c' })).toBe(1);
      expect(store.countActors({ status: 'done' })).toBe(1);
      expect(store.countActors({ status: 'active' })).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('applies a put after a delete of the same actor as a new record', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    try {
      const first = record('a');
      await store.commit([{ op: 'putActor', record: first }], 'flush');
      const again = record('z');
      await store.commit([{ op: 'deleteActor', record: first }, { op: 'putActor', record: again }], 'flush');
      expect(store.getActor(first.id)?.state).toBe('z');
      expect(store.countActors({ machine: 'm', state: 'a' })).toBe(0);
      expect(store.countActors({ machine: 'm', state: 'z' })).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe('LMDB store: journal entries', () => {
  it('returns entries as committed, with and without a snapshot, in seq order', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    try {
      const id = 'a1' as ActorId;
      const plain = { seq: 1, event: 'xstate.init', from: '', to: 'a', at: 10, durationMs: 0 };
      const withSnapshot = { seq: 2, event: 'go', from: 'a', to: 'b', at: 11, durationMs: 3, snapshot: { value: 'b', context: { n: 1 }, status: 'active' as const } };
      await store.commit([{ op: 'putJournal', actor: id, entry: withSnapshot }, { op: 'putJournal', actor: id, entry: plain }], 'flush');
      expect([...store.journal(id)]).toEqual([plain, withSnapshot]);
      expect([...store.journal(id, { fromSeq: 2 })]).toEqual([withSnapshot]);
    } finally {
      await store.close();
    }
  });

  it('keeps a step that stayed in its state with no duration in a short entry, and reads it back whole', () => {
    const stayed = { seq: 3, event: 'parent.created', from: 'awaiting', to: 'awaiting', at: 1_795_698_589_759, durationMs: 0 };
    const bytes = encodeJournalEntry(stayed);
    expect(bytes.subarray(4).toString()).toBe('["parent.created","awaiting",0,1795698589759]');
    expect(decodeJournalEntry(3, bytes, 'journal')).toEqual(stayed);
    const moved = { ...stayed, to: 'creating', durationMs: 2 };
    expect(decodeJournalEntry(3, encodeJournalEntry(moved), 'journal')).toEqual(moved);
  });

  it('reads a format 1 entry (an object) and refuses an entry of the wrong shape as RECORD_CORRUPT', () => {
    const old = { seq: 4, event: 'e', from: 'a', to: 'b', at: 1, durationMs: 0 };
    expect(decodeJournalEntry(4, encodeRecord(old), 'journal')).toEqual(old);
    expect(decodeJournalEntry(5, encodeJournalEntry({ ...old, seq: 5 }), 'journal')).toEqual({ ...old, seq: 5 });
    expect(decodeJournalEntry(7, encodeRecord(['e', 'a', 'b', 1, 0]), 'journal')).toEqual({ ...old, seq: 7 }); // format 2
    expect(() => decodeJournalEntry(6, encodeRecord(['e', 'a', 2, 1, 0]), 'journal')).toThrow(expect.objectContaining({ code: 'RECORD_CORRUPT' }));
    expect(() => decodeJournalEntry(6, encodeRecord('e'), 'journal')).toThrow(expect.objectContaining({ code: 'RECORD_CORRUPT' }));
  });

  it('stamps a format 1 store with the current format when it opens it for writing', async () => {
    const folder = join(tempFolder(), 'store');
    let store = openLmdbStore(folder);
    await store.putMeta('format', 1);
    await store.close();
    store = openLmdbStore(folder);
    try {
      expect(store.getMeta('format')).toBe(STORE_FORMAT_VERSION);
      expect(STORE_FORMAT_VERSION).toBe(3);
    } finally {
      await store.close();
    }
  });
});

describe('LMDB store: a job is the union of its root range and its children range', () => {
  const actor = (name: string, parent?: string): ActorRecord => ({
    ...record('a'),
    id: name as ActorId,
    root: 'job' as ActorId,
    ...(parent ? { parent: parent as ActorId } : {}),
  });
  const tree = [actor('job'), actor('job/b', 'job'), actor('job/a', 'job'), actor('job/a/x', 'job/a'), actor('job/c', 'job')];

  it('lists, counts and pages every actor of a job in id order, direct children included', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    try {
      await store.commit(tree.map((record) => ({ op: 'putActor', record })), 'flush');
      const ids = ['job', 'job/a', 'job/a/x', 'job/b', 'job/c'];
      expect([...store.actorIds({ root: 'job' as ActorId })]).toEqual(ids);
      expect([...store.queryActors({ root: 'job' as ActorId, offset: 1, limit: 3 })].map((r) => r.id)).toEqual(ids.slice(1, 4));
      expect(store.countActors({ root: 'job' as ActorId })).toBe(5);
      expect(store.countActors({})).toBe(5);
      await store.commit([{ op: 'deleteActor', record: tree[1]! }], 'flush');
      expect(store.countActors({ root: 'job' as ActorId })).toBe(4);
    } finally {
      await store.close();
    }
  });

  it('reads a format 2 store as it is when read-only, and drops the root keys it kept for direct children when opened for writing', async () => {
    const folder = join(tempFolder(), 'store');
    let store = openLmdbStore(folder);
    await store.commit(tree.map((record) => ({ op: 'putActor', record })), 'flush');
    await store.putMeta('format', 2);
    await store.close();
    const env = open<Buffer, (string | number)[]>({ path: join(folder, 'data.mdb'), maxDbs: 12 });
    const index = env.openDB<Buffer, (string | number)[]>({ name: 'index', encoding: 'binary', compression: false });
    for (const child of ['job/a', 'job/b', 'job/c']) await index.put(['r', 'job', child], Buffer.from([1])); // as format 2 wrote them
    await env.close();

    // Read as it is (read-only changes nothing): its root range alone holds the job, each actor once.
    const reader = openLmdbStore(folder, { readOnly: true });
    try {
      expect(reader.countActors({ root: 'job' as ActorId })).toBe(5);
      expect([...reader.actorIds({ root: 'job' as ActorId })]).toEqual(['job', 'job/a', 'job/a/x', 'job/b', 'job/c']);
    } finally {
      await reader.close();
    }
    store = openLmdbStore(folder);
    try {
      expect(store.getMeta('format')).toBe(STORE_FORMAT_VERSION);
      expect(store.countActors({ root: 'job' as ActorId })).toBe(5);
      expect([...store.actorIds({ root: 'job' as ActorId })]).toEqual(['job', 'job/a', 'job/a/x', 'job/b', 'job/c']);
    } finally {
      await store.close();
    }
  });
});

describe('LMDB store: scanning records from a cursor', () => {
  it('starts just after `after` (exclusive, present or not), never outside the prefix, in key order', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    try {
      const keys: (string | number)[][] = [['j0', 'z'], ['j1', 'a'], ['j1', 'b'], ['j1', 'd'], ['j2', 'a'], ['n', 1], ['n', 2], ['n', 10]];
      await store.commit([...keys.map((key): Mutation => ({ op: 'putRecord', collection: 'c', key, value: key.join('/') })), { op: 'putRecord', collection: 'c2', key: ['j1', 'c'], value: 'other' }], 'flush');
      const scan = (prefix: (string | number)[] | undefined, after: (string | number)[] | string) => [...store.scanRecords<string>('c', prefix, { after })].map(({ value }) => value);
      expect(scan(['j1'], ['j1', 'a'])).toEqual(['j1/b', 'j1/d']);
      expect(scan(['j1'], ['j1', 'c'])).toEqual(['j1/d']); // no such key: the next one
      expect(scan(['j1'], ['j1', 'd'])).toEqual([]);
      expect(scan(['j1'], ['j0', 'z'])).toEqual(['j1/a', 'j1/b', 'j1/d']); // before the prefix: from its start
      expect(scan(['j1'], ['j1'])).toEqual(['j1/a', 'j1/b', 'j1/d']);
      expect(scan(['j1'], ['j2', 'a'])).toEqual([]); // past the prefix: nothing
      expect(scan(['j1'], 'zz')).toEqual([]);
      expect(scan(['n'], ['n', 2])).toEqual(['n/10']); // numbers in number order
      expect(scan(undefined, ['j1', 'b'])).toEqual(['j1/d', 'j2/a', 'n/1', 'n/2', 'n/10']); // the collection's end, not the next one's
      expect([...store.scanRecords('c', ['j1'], {})].map(({ key }) => key)).toEqual([['j1', 'a'], ['j1', 'b'], ['j1', 'd']]);
      expect([...store.scanRecords('c', ['j1'], { after: ['j1', 'a'] })].map(({ key }) => key)).toEqual([['j1', 'b'], ['j1', 'd']]);
    } finally {
      await store.close();
    }
  });

  it('pages a scan with the last key each page returned, a key deleted between pages included', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    try {
      const ids = Array.from({ length: 25 }, (_, n) => `i${String(n).padStart(2, '0')}`);
      await store.commit(ids.map((id): Mutation => ({ op: 'putRecord', collection: 'c', key: ['job', id], value: id })), 'flush');
      const seen: string[] = [];
      let after: RecordKey | undefined;
      for (let page = 0; page < 10; page++) {
        const rows = [...store.scanRecords<string>('c', ['job'], after === undefined ? {} : { after })].slice(0, 10);
        if (rows.length === 0) break;
        seen.push(...rows.map((row) => row.value));
        after = rows[rows.length - 1]!.key;
        if (page === 0) await store.commit([{ op: 'deleteRecord', collection: 'c', key: after }], 'flush'); // the cursor's own record goes
      }
      expect(seen).toEqual(ids);
    } finally {
      await store.close();
    }
  });
});
