import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';
import type { ActorRecord, ActorId, Mutation } from '../../../src/persistence/store.js';
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
