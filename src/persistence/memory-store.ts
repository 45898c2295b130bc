/**
 * The Store held in memory: the whole port with the LMDB store's semantics,
 * for tests and for host apps that want no disk. Nothing survives the process.
 *
 * The same seven tables as lmdb-store.ts, with the same keys, written by the
 * same key writer (ordered-keys.ts, so ranges come out in LMDB's order) and
 * the same value codecs (so a value that LMDB cannot store fails here too, and
 * a read hands back a fresh copy, never the stored object).
 *
 * One commit is one transaction: its mutations are applied in order to drafts
 * of the tables (sorted-tree.ts), and the drafts are published together only
 * once every mutation applied; a mutation that throws drops them all. A commit
 * is applied before `commit` returns, so commits land in the order they were
 * started, and none is ever queued behind one that failed (the commit chain of
 * the LMDB store holds trivially). Each read works on the tables as published
 * when it was called: a scan still being read while a commit lands goes on
 * seeing the version it started on, as an LMDB read transaction does.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HoldfastError } from '../errors.js';
import { asyncReads } from './async-reads.js';
import { decodeActorRecord, encodeActorRecord } from './actor-codec.js';
import { indexedIdentity } from './indexed-identity.js';
import { HIGH, indexChanges, indexKeysOf, matches, mergeIds, rangeAnswers, rangesFor, type IndexRange } from './index-keys.js';
import { decodeJournalEntry, encodeJournalEntry } from './journal-codec.js';
import { STORE_FORMAT_VERSION } from './lmdb-store.js';
import { checkMemoryIntegrity, writeLmdbCopy } from './memory-copy.js';
import { journalSpansIn, pruneJournalIn, stripSnapshotsIn, usageIn } from './memory-retention.js';
import { decodeKey, encodeKey, type Key } from './ordered-keys.js';
import { checksumMatches, decodeRecord, encodeRecord } from './record-codec.js';
import { bytesOf, draftsOf, emptyTables, publish, stored, type Drafts, type Tables } from './memory-tables.js';
import type { KeyRange } from './sorted-tree.js';
import type {
  ActorFilter,
  ActorId,
  ActorRecord,
  CorruptEntry,
  Durability,
  IndexedIdentity,
  InboxMessage,
  IntegrityCounts,
  IntegrityVisitor,
  JournalEntry,
  JournalPrune,
  JournalSpan,
  Mutation,
  PruneCount,
  RecordKey,
  ScanOptions,
  Store,
  SyncReads,
  SyncStore,
  StoreUsage,
  TimerEntry,
} from './store.js';
import { SET_ASIDE } from './store.js';

const PRESENT = '\x01'; // the LMDB store's one-byte index value
const LAST_SEQ = Number.MAX_SAFE_INTEGER;

export interface MemoryStoreOptions {
  /**
   * The folder that what lives beside a store uses (an owner's socket, a task archive, temporary
   * files); the memory store itself writes nothing there.
   * @default a fresh name under the OS temp folder, not created
   */
  path?: string;
  /**
   * `async`: every read answers with a promise or an async iterable a turn of the event loop later,
   * and the store offers no `sync`, as a store over a network (async-reads.ts). For testing what
   * awaits the port; the runtime runs on it awaiting each read (docs/store-port.md).
   * @default 'sync'
   */
  reads?: 'sync' | 'async';
}

let opened = 0;

/**
 * Opens an empty store held in memory: nothing is written to disk and nothing survives the
 * process. `createRuntime({ store: openMemoryStore(), machines })` runs a runtime on it.
 * Durability levels are accepted and mean nothing here: a commit resolves once applied.
 */
export function openMemoryStore(options: MemoryStoreOptions & { reads: 'async' }): Store;
export function openMemoryStore(options?: MemoryStoreOptions & { reads?: 'sync' }): SyncStore;
export function openMemoryStore(options: MemoryStoreOptions = {}): Store {
  const store = new MemoryStore(resolve(options.path ?? join(tmpdir(), `holdfast-memory-${process.pid}-${++opened}`)));
  return options.reads === 'async' ? asyncReads(store) : store;
}

class MemoryStore implements Store, SyncReads {
  readonly readOnly = false;
  /** Every read answers at once, from the tables as published. */
  readonly sync: SyncReads = this;
  private tables: Tables;
  private closed = false;

  constructor(readonly path: string) {
    const drafts = draftsOf(emptyTables());
    drafts.meta.set(encodeKey(['format']), stored(encodeRecord(STORE_FORMAT_VERSION)));
    this.tables = publish(drafts);
  }

  /** Applies every mutation in order to drafts of the tables, then publishes them at once. */
  async commit(mutations: readonly Mutation[], _durability: Durability, onWritten?: () => void): Promise<void> {
    this.assertOpen();
    const drafts = draftsOf(this.tables);
    for (const mutation of mutations) apply(mutation, drafts, this.tables);
    this.tables = publish(drafts);
    onWritten?.();
  }

  getActor(id: ActorId): ActorRecord | undefined {
    return actorIn(this.read(), id);
  }

  queryActors(filter: ActorFilter): Iterable<ActorRecord> {
    return queryIn(this.read(), filter);
  }

  actorIds(filter: ActorFilter): Iterable<ActorId> {
    return actorIdsIn(this.read(), filter);
  }

  countActors(filter: ActorFilter): number {
    const tables = this.read();
    if (rangeAnswers(filter)) return rangesFor(filter).reduce((sum, range) => sum + count(tables.index.entries(indexRange(range))), 0);
    return count(queryIn(tables, { ...filter, limit: undefined as never }));
  }

  /** Reads index keys ['s', status, id], ['p', parent, id], ['m', machine, state, id] and the last journal entry of `id`. */
  identityOf(id: ActorId, machines: readonly string[] = []): IndexedIdentity | undefined {
    const { index, journal } = this.read();
    return indexedIdentity(
      {
        has: (key) => index.get(encodeKey(key)) !== undefined,
        keys: (range) => take(map(index.entries(indexRange(range)), ([key]) => decodeKey(key)), range.limit),
        lastState: (actor) => {
          for (const [key, value] of journal.entries({ start: encodeKey([actor, LAST_SEQ]), end: encodeKey([actor, 0]), reverse: true })) {
            try {
              return decodeJournalEntry(decodeKey(key)[1] as number, bytesOf(value), `journal of ${actor}`).to;
            } catch {
              return undefined; // as the LMDB store: the machine index is scanned instead
            }
          }
          return undefined;
        },
      },
      id,
      machines,
    );
  }

  /** Reads `actors` values from just after [after]; decodes none. */
  checkActorPage(after: ActorId | undefined, limit: number): { failed: ActorId[]; last: ActorId | undefined } {
    const failed: ActorId[] = [];
    let last: ActorId | undefined;
    const range = after === undefined ? {} : { start: encodeKey([after]), exclusiveStart: true };
    for (const [key, value] of take(this.read().actors.entries(range), limit)) {
      last = decodeKey(key)[0] as ActorId;
      if (!checksumMatches(bytesOf(value))) failed.push(last);
    }
    return { failed, last };
  }

  corruptActors(): CorruptEntry[] {
    const corrupt: CorruptEntry[] = [];
    for (const [key, value] of this.read().actors.entries()) {
      const id = decodeKey(key)[0] as ActorId;
      try {
        decodeActorRecord(id, bytesOf(value));
      } catch (error) {
        corrupt.push({ id, reason: (error as Error).message });
      }
    }
    return corrupt;
  }

  inbox(to?: ActorId): Iterable<InboxMessage> {
    const range = to === undefined ? {} : { start: encodeKey([to]), end: encodeKey([to, LAST_SEQ]) };
    return map(this.read().inbox.entries(range), ([, value]) => decodeRecord<InboxMessage>(bytesOf(value), 'inbox message'));
  }

  timers(): Iterable<TimerEntry> {
    return map(this.read().timers.entries(), ([, value]) => decodeRecord<TimerEntry>(bytesOf(value), 'timer'));
  }

  journal(id: ActorId, options: { fromSeq?: number; limit?: number } = {}): Iterable<JournalEntry> {
    const range = { start: encodeKey([id, options.fromSeq ?? 0]), end: encodeKey([id, LAST_SEQ]) };
    const entries = map(this.read().journal.entries(range), ([key, value]) => decodeJournalEntry(decodeKey(key)[1] as number, bytesOf(value), `journal of ${id}`));
    return take(entries, options.limit || undefined); // as lmdb-js: a limit of 0 is none
  }

  getRecord<T>(collection: string, key: RecordKey): T | undefined {
    const bytes = this.read().records.get(encodeKey(recordKey(collection, key)));
    return bytes === undefined ? undefined : decodeRecord<T>(bytesOf(bytes), `${collection} record`);
  }

  /** Reads `records` keys [collection, ...prefix, ...] from just after [collection, ...after] when given. */
  scanRecords<T>(collection: string, prefix?: RecordKey, options: ScanOptions = {}): Iterable<{ key: RecordKey; value: T }> {
    const records = this.read().records;
    const start = encodeKey(prefix === undefined ? [collection] : recordKey(collection, prefix));
    const end = encodeKey([...(prefix === undefined ? [collection] : recordKey(collection, prefix)), HIGH]);
    const after = options.after === undefined ? undefined : encodeKey(recordKey(collection, options.after));
    // As the LMDB store: a cursor before the prefix starts at the prefix; one past its end reads nothing.
    if (after !== undefined && after >= end) return [];
    const range: KeyRange = after !== undefined && after >= start ? { start: after, end, exclusiveStart: true } : { start, end };
    return map(records.entries(range), ([key, value]) => {
      const rest = decodeKey(key).slice(1);
      return { key: rest.length === 1 ? rest[0]! : rest, value: decodeRecord<T>(bytesOf(value), `${collection} record`) };
    });
  }

  getMeta<T>(key: string): T | undefined {
    const bytes = this.read().meta.get(encodeKey([key]));
    return bytes === undefined ? undefined : decodeRecord<T>(bytesOf(bytes), `meta ${key}`);
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    this.assertOpen();
    const drafts = draftsOf(this.tables);
    drafts.meta.set(encodeKey([key]), stored(encodeRecord(value)));
    this.tables = publish(drafts);
  }

  /** Runs the LMDB store's checks over the tables as published now (memory-copy.ts). */
  async checkIntegrity(visitor: IntegrityVisitor): Promise<IntegrityCounts> {
    return checkMemoryIntegrity(this.read(), visitor);
  }

  journalSpans(after: ActorId | undefined, limit: number): JournalSpan[] {
    return journalSpansIn(this.read(), after, limit);
  }

  async pruneJournal(prunes: readonly JournalPrune[], finalBefore: number): Promise<PruneCount> {
    this.assertOpen();
    const { tables, count } = pruneJournalIn(this.tables, prunes, finalBefore);
    this.tables = tables;
    return count;
  }

  async stripJournalSnapshots(actor: ActorId, fromSeq: number, throughSeq: number, before: number): Promise<{ entries: number; bytes: number; through: number }> {
    this.assertOpen();
    const { tables, result } = stripSnapshotsIn(this.tables, actor, fromSeq, throughSeq, before);
    this.tables = tables;
    return result;
  }

  /** Bytes held, counted in 4 KiB pages: the memory store has no pages of its own. */
  usage(): StoreUsage {
    return usageIn(this.read());
  }

  /** Writes the tables as published now into a new LMDB store in `folder` (memory-copy.ts). */
  async backup(folder: string): Promise<void> {
    await writeLmdbCopy(this.read(), folder);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tables = emptyTables(); // let the data go, as closing LMDB unmaps it
  }

  private read(): Tables {
    this.assertOpen();
    return this.tables;
  }

  private assertOpen(): void {
    if (this.closed) throw new HoldfastError('STORE_CLOSED', `store ${this.path} is closed`);
  }
}

/**
 * One mutation into the drafts, as lmdb-store.ts plans it into puts and removes. Keys: DESIGN.md's
 * store layout. `before` is the store as the commit found it: the LMDB store plans `deleteJournal`
 * and `setAsideActor` by reading it before any write of the commit, and so do these (an entry put
 * earlier in the same commit is not deleted; docs/store-port.md).
 */
function apply(mutation: Mutation, drafts: Drafts, before: Tables): void {
  switch (mutation.op) {
    case 'putActor': {
      const { record, previous } = mutation;
      drafts.actors.set(encodeKey([record.id]), stored(encodeActorRecord(record)));
      const { removed, added } = indexChanges(previous, record);
      for (const key of removed) drafts.index.delete(encodeKey(key));
      for (const key of added) drafts.index.set(encodeKey(key), PRESENT);
      return;
    }
    case 'deleteActor':
      drafts.actors.delete(encodeKey([mutation.record.id]));
      for (const key of indexKeysOf(mutation.record)) drafts.index.delete(encodeKey(key));
      return;
    case 'putJournal':
      drafts.journal.set(encodeKey([mutation.actor, mutation.entry.seq]), stored(encodeJournalEntry(mutation.entry)));
      return;
    case 'deleteJournal': {
      const range = { start: encodeKey([mutation.actor, 0]), end: encodeKey([mutation.actor, LAST_SEQ]) };
      for (const [key] of before.journal.entries(range)) drafts.journal.delete(key);
      return;
    }
    case 'putInbox':
      drafts.inbox.set(encodeKey([mutation.message.to, mutation.message.seq]), stored(encodeRecord(mutation.message)));
      return;
    case 'deleteInbox':
      drafts.inbox.delete(encodeKey([mutation.to, mutation.seq]));
      return;
    case 'putTimer':
      drafts.timers.set(encodeKey([mutation.timer.due, mutation.timer.actor, mutation.timer.id]), stored(encodeRecord(mutation.timer)));
      return;
    case 'deleteTimer':
      drafts.timers.delete(encodeKey([mutation.due, mutation.actor, mutation.id]));
      return;
    case 'setAsideActor': {
      const bytes = before.actors.get(encodeKey([mutation.id]));
      if (bytes === undefined) return;
      drafts.records.set(encodeKey(recordKey(SET_ASIDE, mutation.id)), stored(encodeRecord({ bytes: bytesOf(bytes).toString('base64'), at: Date.now() })));
      return;
    }
    case 'putRecord':
      drafts.records.set(encodeKey(recordKey(mutation.collection, mutation.key)), stored(encodeRecord(mutation.value)));
      return;
    case 'deleteRecord':
      drafts.records.delete(encodeKey(recordKey(mutation.collection, mutation.key)));
      return;
    default: {
      const unknown: never = mutation;
      throw new HoldfastError('INVALID_INPUT', `unknown store mutation ${JSON.stringify((unknown as { op?: unknown }).op)}`);
    }
  }
}

function actorIn(tables: Tables, id: ActorId): ActorRecord | undefined {
  const bytes = tables.actors.get(encodeKey([id]));
  return bytes === undefined ? undefined : decodeActorRecord(id, bytesOf(bytes));
}

/** As the LMDB store: ids from the index, each record read and checked against the whole filter, then paged. */
function* queryIn(tables: Tables, filter: ActorFilter): Iterable<ActorRecord> {
  let skipped = 0;
  let yielded = 0;
  for (const id of actorIdsIn(tables, filter)) {
    let record: ActorRecord | undefined;
    try {
      record = actorIn(tables, id);
    } catch {
      continue; // reported by corruptActors(), never decoded into nonsense
    }
    if (!record || !matches(record, filter)) continue;
    if (skipped < (filter.offset ?? 0)) {
      skipped++;
      continue;
    }
    yield record;
    if (++yielded === filter.limit) return;
  }
}

function actorIdsIn(tables: Tables, filter: ActorFilter): Iterable<ActorId> {
  const [first, second] = rangesFor(filter).map((range) => map(tables.index.entries(indexRange(range)), ([key]) => decodeKey(key).at(-1) as ActorId));
  return second === undefined ? first! : mergeIds(first!, second);
}

function indexRange(range: IndexRange): KeyRange {
  return { start: encodeKey(range.start), end: encodeKey(range.end) };
}

function recordKey(collection: string, key: RecordKey): Key {
  return typeof key === 'object' ? [collection, ...key] : [collection, key];
}

function* map<T, U>(items: Iterable<T>, mapper: (item: T) => U): Generator<U> {
  for (const item of items) yield mapper(item);
}

function* take<T>(items: Iterable<T>, limit: number | undefined): Generator<T> {
  if (limit === undefined) return yield* items;
  if (limit <= 0) return;
  let taken = 0;
  for (const item of items) {
    yield item;
    if (++taken >= limit) return;
  }
}

function count(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}
