/**
 * How the runtime reads a store whose reads may answer now or later (store.ts: `MaybePromise`,
 * `Scan`). It reads through `store.sync` when the store offers it (LMDB, memory: no promise per
 * read on the step loop's path) and through the port's own reads otherwise (a store over a
 * network). Code written with `andThen` and `forEach` continues in the same tick on a value and
 * after the answer on a promise, so one path serves both stores. Nothing read is kept.
 */
import { HoldfastError } from '../errors.js';
import type { MaybePromise, Scan, Store, SyncStore } from '../persistence/store.js';
import { SYNC_READ_NAMES, syncStoreOf } from '../persistence/sync-store.js';

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

/** True when the store answers its reads at once. */
export function readsAtOnce(port: Store): boolean {
  return port.sync !== undefined;
}


/**
 * `runtime.store` over a store without synchronous reads: writes and `close` pass through, a read
 * throws STORE_READS_ASYNC naming the read, since its callers expect an answer at once.
 */
export function syncViewRefusing(port: Store): SyncStore {
  const refusing = new Map<PropertyKey, () => never>();
  for (const name of SYNC_READ_NAMES) refusing.set(name, () => {
    throw readsAsync(`store.${name}`, port.path);
  });
  return new Proxy(port, {
    get(target, name) {
      if (name === 'sync') return undefined;
      const refuse = refusing.get(name);
      if (refuse !== undefined) return refuse;
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as SyncStore;
}

/** The error of a synchronous view asked of a store whose reads are asynchronous. */
export function readsAsync(view: string, path: string): HoldfastError {
  return new HoldfastError(
    'STORE_READS_ASYNC',
    `${view} answers at once, and the store at ${path} reads only asynchronously (it offers no \`sync\` reads): use runtime.get or runtime.query, which await the store`,
    { details: { view, path } },
  );
}
