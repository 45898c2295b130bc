/**
 * A runtime's store read at once, for a test beside a runtime over LMDB or memory that reads in
 * a listener, or passes the store to a helper that takes a `SyncStore`. `runtime.store` is the
 * port as given, whose reads may answer by promise; a store over a network offers no `sync`.
 */
import { syncStoreOf } from '../../src/persistence/sync-store.js';
import type { Store, SyncStore } from '../../src/persistence/store.js';

/** `runtime.store` through its `sync` reads; throws over a store that has none (the test needs one that reads locally). */
export function syncReads(runtime: { readonly store: Store }): SyncStore {
  const store = syncStoreOf(runtime.store);
  if (store === undefined) throw new Error(`this test reads ${runtime.store.path} at once, and its store offers no sync reads: run it on LMDB or memory`);
  return store;
}
