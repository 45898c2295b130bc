/** The conformance suite on the memory store: nothing to reopen, since nothing outlives it. */
import { describe, expect, it } from 'vitest';
import { openMemoryStore } from '../../src/persistence/memory-store.js';
import { putRecord, type StoreUnderTest } from './conformance-fixtures.js';
import { storeCommits } from './store-commits.js';
import { storeOperations } from './store-operations.js';

const memory: StoreUnderTest = { open: async () => openMemoryStore() };

storeOperations('memory', memory);
storeCommits('memory', memory);

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
});
