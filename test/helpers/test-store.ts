/**
 * The store a runtime test runs on: the LMDB store in `path` (the path itself), or, when
 * HOLDFAST_TEST_STORE=memory (vitest's `memory-store` project), a memory store kept under
 * that path for the test, so that a runtime closed and created again over the same path
 * finds what the first one left, as it would in the folder. Closed when the test ends.
 * HOLDFAST_TEST_STORE=async (vitest's `async-store` project): the same memory store with only
 * asynchronous reads and no `sync`, as a store over a network answers.
 */
import { afterEach } from 'vitest';
import { openMemoryStore } from '../../src/persistence/memory-store.js';
import type { Store } from '../../src/persistence/store.js';

export const testStoreKind = process.env.HOLDFAST_TEST_STORE === 'memory' ? 'memory' : process.env.HOLDFAST_TEST_STORE === 'async' ? 'async' : 'LMDB';

const memoryStores = new Map<string, Store>();

export function storeAt(path: string): string | Store {
  if (testStoreKind === 'LMDB') return path;
  let store = memoryStores.get(path);
  if (!store) memoryStores.set(path, (store = openMemoryStore({ path, reads: testStoreKind === 'async' ? 'async' : 'sync' } as never)));
  return store;
}

afterEach(async () => {
  for (const store of memoryStores.values()) await store.close();
  memoryStores.clear();
});
