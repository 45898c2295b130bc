/**
 * The conformance suite, part three: retention's operations (journalSpans,
 * pruneJournal, stripJournalSnapshots, usage) on any store.
 */
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/persistence/store.js';
import { actor, id, list, putActor, closedAfterEach, type StoreUnderTest } from './conformance-fixtures.js';

const withSnapshot = (seq: number, at: number): JournalEntry => ({ seq, event: `e${seq}`, from: `s${seq - 1}`, to: `s${seq}`, at, durationMs: 1, snapshot: { value: `s${seq}`, context: { seq }, status: 'active' } });

export function storeRetention(name: string, under: StoreUnderTest): void {
  const open = closedAfterEach(under);
  /** `done` finished at updatedAt 2,000; `busy` is active; each has journal entries 1 to 5 written at 100 + seq. */
  const seeded = async () => {
    const store = await open();
    const journals = ['busy', 'done'].flatMap((name) => [1, 2, 3, 4, 5].map((seq) => ({ op: 'putJournal' as const, actor: id(name), entry: withSnapshot(seq, 100 + seq) })));
    await store.commit([putActor(actor('busy')), putActor(actor('done', { status: 'done', state: 'finished' })), ...journals], 'flush');
    return store;
  };

  describe(`${name} store: retention`, () => {
    it('lists journal spans by actor, in pages', async () => {
      const store = await seeded();
      expect(await store.journalSpans(undefined, 10)).toEqual([
        { actor: 'busy', first: 1, last: 5 },
        { actor: 'done', first: 1, last: 5 },
      ]);
      expect(await store.journalSpans(undefined, 1)).toEqual([{ actor: 'busy', first: 1, last: 5 }]);
      expect(await store.journalSpans(id('busy'), 10)).toEqual([{ actor: 'done', first: 1, last: 5 }]);
    });

    it('prunes only the journals of actors final at or before the cut-off', async () => {
      const store = await seeded();
      const prunes = ['busy', 'done'].map((name) => ({ actor: id(name), fromSeq: 1, throughSeq: 5 }));
      expect(await store.pruneJournal(prunes, 1_999)).toMatchObject({ entries: 0, actors: 0, skipped: 2 }); // finished after the cut-off
      const count = await store.pruneJournal(prunes, 2_000);
      expect(count).toMatchObject({ entries: 5, actors: 1, skipped: 1 });
      expect(count.bytes).toBeGreaterThan(0);
      expect(await list(store.journal(id('done')))).toEqual([]);
      expect((await list(store.journal(id('busy')))).map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(await store.getActor(id('done'))).toMatchObject({ status: 'done' }); // the record stays
    });

    it('strips old snapshots from a journal, keeping every entry, and stops at the first newer one', async () => {
      const store = await seeded();
      const result = await store.stripJournalSnapshots(id('busy'), 1, 5, 103);
      expect(result).toMatchObject({ entries: 3, through: 3 });
      const journal = await list(store.journal(id('busy')));
      expect(journal.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(journal.map((entry) => entry.snapshot !== undefined)).toEqual([false, false, false, true, true]);
      expect(journal[0]).toMatchObject({ event: 'e1', to: 's1', at: 101 });
    });

    it('reports usage that grows with what it holds', async () => {
      const store = await open();
      const before = await store.usage();
      await store.commit(Array.from({ length: 200 }, (_, i) => putActor(actor(`a${i}`, { context: { pad: 'x'.repeat(200) } }))), 'flush');
      const after = await store.usage();
      expect(after.pageSize).toBeGreaterThan(0);
      expect(after.usedPages).toBeGreaterThan(before.usedPages);
      expect(after.filePages).toBeGreaterThanOrEqual(after.usedPages);
    });
  });
}
