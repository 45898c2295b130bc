/** The conformance suite on the memory store: nothing to reopen, since nothing outlives it. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import { openMemoryStore } from '../../src/persistence/memory-store.js';
import { tempFolder } from '../helpers/temp-store.js';
import { actor, list, putActor, putRecord, type StoreUnderTest } from './conformance-fixtures.js';
import { storeCommits } from './store-commits.js';
import { storeOperations } from './store-operations.js';
import { storeRetention } from './store-retention.js';

const memory: StoreUnderTest = { open: async () => openMemoryStore() };
// The same store with every read answered later, as over a network (async-reads.ts): the async path of the port.
const asyncMemory: StoreUnderTest = { open: async () => openMemoryStore({ reads: 'async' }) };

storeOperations('memory', memory);
storeCommits('memory', memory);
storeRetention('memory', memory);
storeOperations('memory (async reads)', asyncMemory);
storeCommits('memory (async reads)', asyncMemory);
storeRetention('memory (async reads)', asyncMemory);

describe('memory store: its own', () => {
  it('shares nothing between two stores, and keeps the path it was given for what lives beside it', async () => {
    const first = openMemoryStore({ path: '/tmp/holdfast-beside' });
    const second = openMemoryStore();
    try {
      await first.commit([putRecord('c', 'k', 1)], 'flush');
      expect(await second.getRecord('c', 'k')).toBeUndefined();
      expect(first.path).toBe('/tmp/holdfast-beside');
      expect(second.path).not.toBe(first.path);
      expect(first.readOnly).toBe(false);
    } finally {
      await first.close();
      await second.close();
    }
    expect(() => first.getRecord('c', 'k')).toThrow(expect.objectContaining({ code: 'STORE_CLOSED' }));
  });

  it('backs up more than one copy transaction holds, as of the moment it began', async () => {
    const store = openMemoryStore();
    try {
      await store.commit([...Array.from({ length: 4_500 }, (_, i) => putRecord('c', i, i)), ...Array.from({ length: 300 }, (_, i) => putActor(actor(`a${i}`)))], 'flush');
      const folder = join(tempFolder('holdfast-memory-backup-'), 'copy');
      const backup = store.backup(folder);
      await store.commit([putRecord('c', 'later', 1)], 'flush'); // lands while the copy is written: not in it
      await backup;
      const copy = openLmdbStore(folder);
      try {
        expect(await list(copy.scanRecords('c'))).toHaveLength(4_500);
        expect(await copy.countActors({})).toBe(300);
      } finally {
        await copy.close();
      }
    } finally {
      await store.close();
    }
  });
});
