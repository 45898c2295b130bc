/**
 * The Store port: what the runtime needs from durable storage, and nothing
 * about how it is kept. LMDB (lmdb-store.ts) and memory (memory-store.ts)
 * implement it; its reads may be asynchronous, so a shared PostgreSQL store
 * for several nodes can slot in behind it (docs/store-port.md).
 */
import type { SerializedError } from '../errors.js';

/** An actor's id. Branded so that a plain string is never passed by mistake. */
export type ActorId = string & { readonly __brand: 'ActorId' };

/** Cast a string to an ActorId at the edges (CLI arguments, stored ids). */
export const actorId = (id: string): ActorId => id as ActorId;

/** Lifecycle of an actor record: `active` runs, the rest are at rest. */
export type ActorStatus = 'active' | 'done' | 'error' | 'stopped' | 'parked';

/** An XState machine snapshot in the JSON form the store keeps. */
export interface PersistedSnapshot {
  value: unknown;
  context: unknown;
  status: 'active' | 'done' | 'error' | 'stopped';
  output?: unknown;
  error?: unknown;
  historyValue?: unknown;
}

/** An effect (an invoked promise actor) that a committed step started and no step has finished. */
export interface EffectRecord {
  src: string;
  input: unknown;
  /** Stable across re-runs of the same invocation: the actor id, the invoke id and the step that started it. */
  key: string;
  /** 1 for the first run; incremented by each retry and each recovery. */
  attempt: number;
  /** Absolute time at which the next attempt may start (retry backoff), if it waits. */
  retryAt?: number;
}

/** The durable record of one actor. */
export interface ActorRecord {
  id: ActorId;
  machine: string;
  version: string;
  parent?: ActorId;
  /** The top actor of this actor's tree (itself for a top actor): the "job". */
  root: ActorId;
  tags?: string[];
  status: ActorStatus;
  /** The state value flattened to a dotted path, such as `copying` or `running.waiting`. */
  state: string;
  snapshot: PersistedSnapshot | null;
  /** Number of steps taken; the journal key of the latest. */
  seq: number;
  effects: Record<string, EffectRecord>;
  /** Delayed events waiting to fire: send id to absolute due time. */
  timers: Record<string, number>;
  error?: SerializedError;
  /** Times this actor was found mid-effect when a store was opened: bounded, so a poison actor is parked. */
  recoveries?: number;
  createdAt: number;
  updatedAt: number;
}

/** One transition of one actor, as shown by `journal`. */
export interface JournalEntry {
  seq: number;
  event: string;
  from: string;
  to: string;
  at: number;
  durationMs: number;
  /** The snapshot after the step, so a client can show the actor at that moment. */
  snapshot?: PersistedSnapshot;
}

/** A JSON event addressed to an actor, waiting in its inbox. */
export interface InboxMessage {
  to: ActorId;
  seq: number;
  event: { type: string; [key: string]: unknown };
  from?: ActorId;
}

/** A delayed event with its absolute due time. */
export interface TimerEntry {
  due: number;
  actor: ActorId;
  /** The XState send id (`xstate.after.1000.machine.state`) or a runtime timer id. */
  id: string;
  event: { type: string; [key: string]: unknown };
}

/** Keyed records that commit with a step (results, users, stored data, secrets...). */
export type RecordKey = string | number | ReadonlyArray<string | number>;

/** Where a scan of records starts. */
export interface ScanOptions {
  /**
   * Start just after this key (exclusive), given as scans return keys: a reader
   * pages with the last key it saw, and a key since deleted still marks a place.
   * Keys outside the prefix do not widen the scan.
   */
  after?: RecordKey;
}

/** The records collection of actor records that could not be read, kept as they were (`setAsideActor`). */
export const SET_ASIDE = 'setAside';

/** One change; a commit applies a list of them atomically. */
export type Mutation =
  | { op: 'putActor'; record: ActorRecord; previous?: ActorRecord | undefined }
  | { op: 'deleteActor'; record: ActorRecord }
  | { op: 'putJournal'; actor: ActorId; entry: JournalEntry }
  | { op: 'putInbox'; message: InboxMessage }
  | { op: 'deleteInbox'; to: ActorId; seq: number }
  | { op: 'putTimer'; timer: TimerEntry }
  | { op: 'deleteTimer'; due: number; actor: ActorId; id: string }
  /** Every journal entry of an actor (deleting a job). */
  | { op: 'deleteJournal'; actor: ActorId }
  /**
   * Copies an actor's stored bytes, as they are, to the SET_ASIDE records under
   * its id, before a record that cannot be read is overwritten by its parked one:
   * nothing a person might recover is lost.
   */
  | { op: 'setAsideActor'; id: ActorId }
  | { op: 'putRecord'; collection: string; key: RecordKey; value: unknown }
  | { op: 'deleteRecord'; collection: string; key: RecordKey };

/** A range query over actors, answered from the index. */
export interface ActorFilter {
  parent?: ActorId;
  root?: ActorId;
  machine?: string;
  /** Needs `machine`; a prefix match on the dotted state path. */
  state?: string;
  status?: ActorStatus;
  /** Only top actors (no parent). */
  topOnly?: boolean;
  limit?: number;
  offset?: number;
}

/** `commit` survives a killed process; `flush` survives power loss too. */
export type Durability = 'commit' | 'flush';

/**
 * What the index still says of an actor whose record does not decode: enough to
 * park it where it stood (under its parent, in its job) and to tell its parent.
 * `machine` and `state` are undefined when no index entry names them.
 */
export interface IndexedIdentity {
  id: ActorId;
  parent?: ActorId;
  root: ActorId;
  status?: ActorStatus;
  machine?: string;
  state?: string;
}

/** A record that failed its checksum or did not decode. */
export interface CorruptEntry {
  id: string;
  reason: string;
}

/** One thing `checkIntegrity` found wrong: which kind of record, which one, what. */
export interface IntegrityProblem {
  /** `actors`, `journal`, `inbox`, `timers`, `index`, `records` or `meta`. */
  kind: IntegrityKind;
  /** The record's id or key as a person names it (`load-1`, `load-1#3`, `m/datafile/copying/f-2`). */
  id: string;
  problem: string;
}

export type IntegrityKind = 'actors' | 'journal' | 'inbox' | 'timers' | 'index' | 'records' | 'meta';

/** Records read per kind, and the `records` per collection. */
export interface IntegrityCounts {
  checked: Record<IntegrityKind, number>;
  collections: Record<string, number>;
}

/** What a caller is told while the store is read: every problem, and each record that decodes (to follow what it references). */
export interface IntegrityVisitor {
  problem(problem: IntegrityProblem): void;
  actor?(record: ActorRecord): void;
  record?(collection: string, key: RecordKey, value: unknown): void;
}

/** Where an actor's journal starts and ends, read from its keys alone (`journalSpans`). */
export interface JournalSpan {
  actor: ActorId;
  first: number;
  last: number;
}

/** Journal entries of one actor to drop (retention): those with seq from `fromSeq` through `throughSeq`. */
export interface JournalPrune {
  actor: ActorId;
  fromSeq: number;
  throughSeq: number;
}

/** What one `pruneJournal` transaction removed (`actors`: journals it left empty); `skipped` actors were no longer final and old enough. */
export interface PruneCount {
  entries: number;
  actors: number;
  /** Stored bytes of the entries removed (keys and values). */
  bytes: number;
  skipped: number;
}

/** Pages the store's data uses now, and how far its file reaches (freed pages are reused, never returned). */
export interface StoreUsage {
  pageSize: number;
  /** Pages holding data (every tree's branch, leaf and overflow pages). */
  usedPages: number;
  /** Pages of the file in use or free for reuse: the high-water mark. */
  filePages: number;
}

/** A store's size as its engine tells it (LMDB: lmdb-store.ts, store-stats.ts). */
export interface StoreStats {
  /** The data file's size on disk. */
  fileBytes: number;
  /** Pages up to the last one written, in bytes: what the file would hold without its preallocated tail. */
  usedBytes: number;
  /** The largest the map may grow to. */
  mapBytes: number;
  pageSize: number;
  /** Free-map entries: each is one old transaction's freed pages, reusable once no reader needs them. */
  freeMapEntries: number;
  /** Pages the free map itself takes (a free map that keeps growing means a long-lived reader). */
  freeMapPages: number;
  /** Reader slots in use (each open read transaction pins old pages). */
  readers: number;
}

/** A read's answer: the value itself from a store that reads locally, a promise of it from one over a network. */
export type MaybePromise<T> = T | Promise<T>;

/** A scan's answer: an iterable from a store that reads locally, an async one (a cursor, pages) from one over a network. */
export type Scan<T> = Iterable<T> | AsyncIterable<T>;

/**
 * The port's reads, answered at once. A store whose reads are local (LMDB, memory) offers them as
 * `Store.sync`, and the runtime's step loop reads through them: rehydrating an actor or checking
 * that an id is free costs no promise per read. Each method means what the one of the same name on
 * `Store` means.
 */
export interface SyncReads {
  getActor(id: ActorId): ActorRecord | undefined;
  queryActors(filter: ActorFilter): Iterable<ActorRecord>;
  actorIds(filter: ActorFilter): Iterable<ActorId>;
  countActors(filter: ActorFilter): number;
  identityOf(id: ActorId, machines?: readonly string[]): IndexedIdentity | undefined;
  checkActorPage(after: ActorId | undefined, limit: number): { failed: ActorId[]; last: ActorId | undefined };
  corruptActors(): CorruptEntry[];
  inbox(to?: ActorId): Iterable<InboxMessage>;
  timers(): Iterable<TimerEntry>;
  journal(id: ActorId, options?: { fromSeq?: number; limit?: number }): Iterable<JournalEntry>;
  getRecord<T = unknown>(collection: string, key: RecordKey): T | undefined;
  scanRecords<T = unknown>(collection: string, prefix?: RecordKey, options?: ScanOptions): Iterable<{ key: RecordKey; value: T }>;
  getMeta<T = unknown>(key: string): T | undefined;
  journalSpans(after: ActorId | undefined, limit: number): JournalSpan[];
  usage(): StoreUsage;
}

/**
 * A store that offers `sync` and answers on itself as `sync` does (LMDB, memory): its reads type as
 * values, not promises, for the callers that opened it (the CLI's store commands, tests).
 */
export type SyncStore = SyncReads & Store & { readonly sync: SyncReads };

/**
 * The port. Its reads may be asynchronous (a store over a network answers with promises and async
 * iterables), so a caller awaits them, or uses `sync` when the store offers it (docs/store-port.md).
 */
export interface Store {
  /** The folder the store lives in, for locks, sockets and secrets. */
  readonly path: string;
  readonly readOnly: boolean;
  /**
   * The same reads answered synchronously, when the store can (LMDB and memory: the store itself).
   * Absent on a store whose reads go over a network: the runtime then awaits the port's reads.
   */
  readonly sync?: SyncReads;
  /**
   * Apply the mutations in one transaction; resolves once durable at the given level.
   * `onWritten`, when the store can tell, is called once the transaction is committed but
   * before it is durable: a commit started after that is applied after this one (pipelining).
   * A store that cannot tell never calls it; the caller then waits for the promise.
   */
  commit(mutations: readonly Mutation[], durability: Durability, onWritten?: () => void): Promise<void>;
  getActor(id: ActorId): MaybePromise<ActorRecord | undefined>;
  queryActors(filter: ActorFilter): Scan<ActorRecord>;
  /** Ids from the index alone, so a caller can handle records that fail to decode one by one. */
  actorIds(filter: ActorFilter): Scan<ActorId>;
  countActors(filter: ActorFilter): MaybePromise<number>;
  /**
   * The identity the index keeps for an actor (its record is not read), or undefined
   * when the index has no entry for it. `machines` are names to try first for its
   * machine; without a match the machine index is scanned.
   */
  identityOf(id: ActorId, machines?: readonly string[]): MaybePromise<IndexedIdentity | undefined>;
  /**
   * Checks the checksums of up to `limit` actor records after `after` (from the first when
   * undefined), without decoding them: the ids that fail, and the last id checked (undefined
   * once past the end). A scrub pages through every record this way (runtime/actor-scrub.ts).
   */
  checkActorPage(after: ActorId | undefined, limit: number): MaybePromise<{ failed: ActorId[]; last: ActorId | undefined }>;
  /** Ids of records that fail to decode (reported, not thrown, so the rest can run). */
  corruptActors(): MaybePromise<CorruptEntry[]>;
  inbox(to?: ActorId): Scan<InboxMessage>;
  timers(): Scan<TimerEntry>;
  journal(id: ActorId, options?: { fromSeq?: number; limit?: number }): Scan<JournalEntry>;
  getRecord<T = unknown>(collection: string, key: RecordKey): MaybePromise<T | undefined>;
  /** Records under `prefix` in key order, from just after `options.after` when given. */
  scanRecords<T = unknown>(collection: string, prefix?: RecordKey, options?: ScanOptions): Scan<{ key: RecordKey; value: T }>;
  getMeta<T = unknown>(key: string): MaybePromise<T | undefined>;
  /**
   * Reads every record as of one moment (beside a writer, writing nothing), checks each
   * one's checksum and shape, and checks the index against the actors and every message,
   * timer and journal entry against its actor. Problems go to the visitor, not thrown.
   */
  checkIntegrity(visitor: IntegrityVisitor): Promise<IntegrityCounts>;
  /**
   * Writes a consistent, compacted copy of the store as of one moment into `folder`
   * (which must hold no store), beside a running writer. Opens with openLmdbStore(folder).
   */
  backup(folder: string): Promise<void>;
  putMeta(key: string, value: unknown): Promise<void>;
  /**
   * Up to `limit` actors that have journal entries, in id order from just after `after`,
   * each with its first and last seq (keys only: nothing is decoded).
   */
  journalSpans(after: ActorId | undefined, limit: number): MaybePromise<JournalSpan[]>;
  /**
   * Drops journal entries in one transaction, for each actor only if its record, read in that
   * transaction, is still final (done, error or stopped) and last changed at or before
   * `finalBefore`: a job deleted and made again meanwhile, or a record that does not decode,
   * keeps its journal. Retention (runtime/retention.ts) keeps each call small.
   */
  pruneJournal(prunes: readonly JournalPrune[], finalBefore: number): Promise<PruneCount>;
  /**
   * Rewrites, in one transaction, the journal entries of `actor` from `fromSeq` through `throughSeq`
   * that were written at or before `before`, without the snapshots they carry (the actor's record
   * keeps its current one): the journal of unfinished work stays whole, its old snapshots go.
   * `through` is `throughSeq`, or the seq before the first entry written after `before` (entries
   * are in time order): the next call starts after it.
   */
  stripJournalSnapshots(actor: ActorId, fromSeq: number, throughSeq: number, before: number): Promise<{ entries: number; bytes: number; through: number }>;
  /** The pages in use now (a measure of growth; `holdfast prune` reports it). */
  usage(): MaybePromise<StoreUsage>;
  /** The store's size and free map, read-only (metrics); a store that cannot tell leaves it out. */
  stats?(): StoreStats;
  /** Its own state for a stall report (the commits it is waiting on), read-only; JSON. Optional. */
  diagnostics?(): Record<string, unknown>;
  close(): Promise<void>;
}
