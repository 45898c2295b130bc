/** Where a record that does not decode stood, from the index alone (indexed-identity.ts). */
import { describe, expect, it } from 'vitest';
import { indexKeysOf, type IndexKey } from '../../../src/persistence/index-keys.js';
import { indexedIdentity, type IdentityReader } from '../../../src/persistence/indexed-identity.js';
import type { ActorId, ActorRecord } from '../../../src/persistence/store.js';

const compare = (a: IndexKey, b: IndexKey): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return String(a[i]) < String(b[i]) ? -1 : 1;
  return a.length - b.length;
};

/** An index over these records, read as the LMDB store reads it, counting the keys each lookup reads. */
function readerOf(records: Partial<ActorRecord>[], journal: Record<string, string> = {}) {
  const keys = records.flatMap((r) => indexKeysOf({ status: 'done', state: 's', machine: 'm', root: r.id, effects: {}, timers: {}, seq: 1, snapshot: null, version: '1', createdAt: 0, updatedAt: 0, ...r } as ActorRecord)).sort(compare);
  let read = 0;
  const reader: IdentityReader = {
    has: (key) => (read++, keys.some((k) => compare(k, key) === 0)),
    *keys(range) {
      let n = 0;
      for (const key of keys) {
        if (compare(key, range.start) < 0 || compare(key, range.end) >= 0) continue;
        read++;
        yield key;
        if (++n === range.limit) return;
      }
    },
    lastState: (id) => journal[id],
  };
  return { reader, read: () => read };
}

const id = (s: string) => s as ActorId;

describe('indexedIdentity: where an unreadable record stood', () => {
  const records: Partial<ActorRecord>[] = [
    { id: id('load'), machine: 'dataload', state: 'copying', status: 'active' },
    { id: id('load/f1'), parent: id('load'), root: id('load'), machine: 'datafile', state: 'copying', status: 'active' },
    { id: id('load/f1/x'), parent: id('load/f1'), root: id('load'), machine: 'probe', state: 'idle', status: 'done' },
    { id: id('odd'), parent: id('load'), root: id('load'), machine: 'datafile', state: 'stored', status: 'done' },
  ];

  it('finds a child by its id, its job by walking up, its machine from the index and its state from the journal', () => {
    const { reader } = readerOf(records, { 'load/f1/x': 'idle', 'load/f1': 'copying' });
    expect(indexedIdentity(reader, id('load/f1/x'))).toEqual({ id: 'load/f1/x', parent: 'load/f1', root: 'load', status: 'done', machine: 'probe', state: 'idle' });
    expect(indexedIdentity(reader, id('load/f1'), ['datafile'])).toEqual({ id: 'load/f1', parent: 'load', root: 'load', status: 'active', machine: 'datafile', state: 'copying' });
  });

  it('knows a top actor, and an id not of the form <parent>/<key> by a scan of the parent keys', () => {
    const { reader } = readerOf(records);
    expect(indexedIdentity(reader, id('load'))).toMatchObject({ id: 'load', root: 'load', status: 'active', machine: 'dataload', state: 'copying' });
    expect(indexedIdentity(reader, id('load'))).not.toHaveProperty('parent');
    expect(indexedIdentity(reader, id('odd'))).toMatchObject({ parent: 'load', root: 'load', machine: 'datafile', state: 'stored' });
  });

  it('reads a handful of keys when the id and the journal answer, not the index', () => {
    const many = Array.from({ length: 2_000 }, (_, i) => ({ id: id(`load/g${i}`), parent: id('load'), root: id('load'), machine: 'datafile', state: 'stored' }));
    const { reader, read } = readerOf([...records, ...many], { 'load/f1': 'copying' });
    indexedIdentity(reader, id('load/f1'), ['datafile']);
    expect(read()).toBeLessThan(20);
  });

  it('is undefined for an id the index does not hold', () => {
    expect(indexedIdentity(readerOf(records).reader, id('nobody'))).toBeUndefined();
  });
});
