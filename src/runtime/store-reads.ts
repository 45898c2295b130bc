/**
 * How the runtime reads a store whose reads may answer now or later (store.ts: `MaybePromise`,
 * `Scan`). It reads through `store.sync` when the store offers it (LMDB, memory: no promise per
 * read on the step loop's path) and through the port's own reads otherwise (a store over a
 * network). Code written with `andThen` and `forEach` continues in the same tick on a value and
 * after the answer on a promise, so one path serves both stores. Nothing read is kept.
 */
import type { MaybePromise, Scan, Store } from '../persistence/store.js';
import { syncStoreOf } from '../persistence/sync-store.js';

/** True for a read's answer that is still to come. */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** `next(value)` (named so that no module exports a `then`, which would make its namespace thenable): at once on a value, once it arrives on a promise. A throw from a synchronous read is thrown, not wrapped. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(next) : next(value);
}

/**
 * Calls `each` on every item of a scan, in order: in this tick over an iterable while `each`
 * answers at once; an async scan, or an `each` that answers a promise, is awaited item by item.
 */
export function forEach<T>(scan: Scan<T>, each: (item: T) => MaybePromise<void>): MaybePromise<void> {
  if (!(Symbol.iterator in scan)) {
    return (async () => {
      for await (const item of scan) await each(item);
    })();
  }
  const items = scan[Symbol.iterator]();
  for (let next = items.next(); !next.done; next = items.next()) {
    const done = each(next.value);
    if (isPromise(done)) return done.then(() => forEach({ [Symbol.iterator]: () => items }, each));
  }
  return undefined;
}

/** The store the runtime reads: its `sync` view when it has one, else the port itself (reads may be promises). */
export function readsOf(port: Store): Store {
  return syncStoreOf(port) ?? port;
}

