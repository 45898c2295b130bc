/**
 * What every conformance test builds from: the stores under test, records,
 * and reads that await their results, so that the suite stays as it is when
 * the port's reads become asynchronous (awaiting a plain value is harmless,
 * and `for await` reads a plain iterable as well as an async one).
 */
import { afterEach } from 'vitest';
import type { ActorId, ActorRecord, ActorStatus, JournalEntry, Mutation, Store } from '../../src/persistence/store.js';

export interface StoreUnderTest {
  /** A new, empty store. */
  open(): Promise<Store>;
  /** Closes `store` and opens what it kept (a durable store only). */
  reopen?(store: Store): Promise<Store>;
}

/** `open` for a suite: each store it opens is closed when the test ends. Call inside `describe` or at a suite's top. */
export function closedAfterEach(under: StoreUnderTest): () => Promise<Store> {
  let opened: Store[] = [];
  afterEach(async () => {
    for (const store of opened) await store.close();
    opened = [];
  });
  return async () => {
    const store = await under.open();
    opened.push(store);
    return store;
  };
}

/** Every item of a read's result, whether the read returns an iterable, an async one, or a promise of either. */
export async function list<T>(read: Iterable<T> | AsyncIterable<T> | Promise<Iterable<T> | AsyncIterable<T>>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of await read) items.push(item);
  return items;
}

/** One scan's iterator, stepped with `await` whether the store's scans are iterables or async ones. */
export function iteratorOf<T>(scan: Iterable<T> | AsyncIterable<T>): { next(): Promise<IteratorResult<T>> } {
  if (Symbol.asyncIterator in scan) return scan[Symbol.asyncIterator]();
  const iterator = scan[Symbol.iterator]();
  return { next: async () => iterator.next() };
}

export const id = (name: string) => name as ActorId;

/** An actor record; `parent` given, its root is the parent's root unless `root` says otherwise. */
export function actor(name: string, options: { parent?: string; root?: string; machine?: string; state?: string; status?: ActorStatus; context?: unknown } = {}): ActorRecord {
  const state = options.state ?? 'idle';
  const status = options.status ?? 'active';
  const record: ActorRecord = {
    id: id(name),
    machine: options.machine ?? 'worker',
    version: '1',
    root: id(options.root ?? (options.parent ? options.parent.split('/')[0]! : name)),
    status,
    state,
    snapshot: { value: state, context: options.context ?? { name }, status: status === 'parked' ? 'active' : status },
    seq: 1,
    effects: {},
    timers: {},
    createdAt: 1_000,
    updatedAt: 2_000,
  };
  if (options.parent) record.parent = id(options.parent);
  return record;
}

export const putActor = (record: ActorRecord, previous?: ActorRecord): Mutation => ({ op: 'putActor', record, ...(previous ? { previous } : {}) });
export const putRecord = (collection: string, key: string | number | (string | number)[], value: unknown): Mutation => ({ op: 'putRecord', collection, key, value });
export const entry = (seq: number, to = `s${seq}`): JournalEntry => ({ seq, event: `e${seq}`, from: `s${seq - 1}`, to, at: 10 + seq, durationMs: seq % 2 });
export const putJournal = (name: string, seq: number): Mutation => ({ op: 'putJournal', actor: id(name), entry: entry(seq) });

/** A job tree: two top actors, children of three machines and states, a grandchild, statuses mixed. */
export function jobTree(): ActorRecord[] {
  return [
    actor('job', { machine: 'load', state: 'running' }),
    actor('job/b', { parent: 'job', state: 'copying' }),
    actor('job/a', { parent: 'job', state: 'copying.waiting' }),
    actor('job/c', { parent: 'job', state: 'done', status: 'done' }),
    actor('job/a/x', { parent: 'job/a', machine: 'part', state: 'idle' }),
    actor('job/a/y', { parent: 'job/a', machine: 'part', state: 'idle', status: 'error' }),
    actor('other', { machine: 'load', state: 'idle', status: 'done' }),
    actor('other/z', { parent: 'other', state: 'copying' }),
  ];
}
