/**
 * The port's two ways of reading, joined: `syncStoreOf` gives the runtime a store whose reads answer
 * at once (or says there is none), and `listOf` reads a scan whichever way its store answers.
 */
import type { Scan, Store, SyncReads, SyncStore } from './store.js';

/** The port's reads, by name: what `sync` answers at once. */
export const SYNC_READ_NAMES: readonly (keyof SyncReads)[] = [
  'getActor',
  'queryActors',
  'actorIds',
  'countActors',
  'identityOf',
  'checkActorPage',
  'corruptActors',
  'inbox',
  'timers',
  'journal',
  'getRecord',
  'scanRecords',
  'getMeta',
  'journalSpans',
  'usage',
];

/**
 * `store` with its reads answered by `store.sync`: the store itself when it answers on itself (LMDB,
 * memory), else a view that reads through `sync` and does everything else on `store` itself (its
 * methods run with `store` as `this`, so its own state stays its own). Undefined when the store
 * offers no synchronous reads.
 */
export function syncStoreOf(store: Store): SyncStore | undefined {
  const sync = store.sync;
  if (sync === undefined) return undefined;
  if (sync === (store as unknown)) return store as SyncStore;
  const bound = new Map<PropertyKey, unknown>();
  for (const name of SYNC_READ_NAMES) bound.set(name, (sync[name] as (...args: unknown[]) => unknown).bind(sync));
  return new Proxy(store, {
    get(target, name) {
      const read = bound.get(name);
      if (read !== undefined) return read;
      const value = Reflect.get(target, name, target) as unknown;
      if (typeof value !== 'function') return value;
      let method = bound.get(name);
      if (method === undefined) bound.set(name, (method = (value as (...args: unknown[]) => unknown).bind(target)));
      return method;
    },
  }) as SyncStore;
}

/** Every item of a scan: at once from an iterable (no promise per item), awaited from an async one. */
export async function listOf<T>(scan: Scan<T>): Promise<T[]> {
  if (Symbol.iterator in scan) return [...scan];
  const items: T[] = [];
  for await (const item of scan) items.push(item);
  return items;
}
