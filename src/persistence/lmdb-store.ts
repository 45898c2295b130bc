/**
 * The Store on LMDB (lmdb-js). One environment, named databases, ordered array
 * keys. Values carry a checksum (record-codec.ts). No LMDB type leaves this file.
 *
 * Durability (RELIABILITY.md, "known hazards"): lmdb-js shows a write to readers
 * before its fsync, and with its default `overlappingSync` a write's promise can
 * resolve before the data is on disk, so the `flush` level awaits `flushed` too.
 * `overlappingSync` stays on although, with it, another process opening and closing
 * the store read-only beside this writer made far more of its commits be refused
 * (~10,000 in 10 s against 24 to 720 without it, lmdb-js 3.5.6): without it, a commit
 * that fails on a full disk reaches the process as lmdb-js's uncaught "Commit failed"
 * without the ENOSPC the storage-full guard knows, and the owner died (the nemesis
 * test). The refusals are retried by the committer (runtime/passing-failures.ts) and
 * stale reads are read again (fresh()).
 * Never `noSync`, `useWritemap` or `noMetaSync` here.
 */
import { EventEmitter } from 'node:events';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareKeys, IF_EXISTS, open, type Database, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';
import { HoldfastError } from '../errors.js';
import { preallocateLockFile } from './lock-file.js';
import { actorChains, type PutActor } from './actor-chains.js';
import { decodeActorRecord, encodeActorRecord } from './actor-codec.js';
import { CommitChain, landedByMarker } from './commit-chain.js';
import { indexedIdentity } from './indexed-identity.js';
import { HIGH, indexChanges, indexKeysOf, matches, mergeIds, rangeAnswers, rangesFor, type IndexRange } from './index-keys.js';
import { describeFree, freeBytes, hasNoRoom, isStorageFull, recentlyFull, trackWritableStore } from './disk-space.js';
import { assertLmdbEnvironment } from './lmdb-header.js';
import { checkLmdbIntegrity } from './lmdb-integrity.js';
import { decodeJournalEntry, encodeJournalEntry } from './journal-codec.js';
import { pruneJournalEntries, readJournalSpans, stripSnapshots, usageOf } from './lmdb-retention.js';
import { checksumMatches, decodeRecord, encodeRecord } from './record-codec.js';
import { acquireStoreLock } from './store-lock.js';
import { beginCreation, type Creation } from './store-creation.js';
import { assertStoreFolder, DATA_FILE } from './store-folder.js';
import { readStoreStats } from './store-stats.js';
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
  StoreStats,
  StoreUsage,
  TimerEntry,
} from './store.js';
import { SET_ASIDE } from './store.js';

/**
 * Bumped when the layout changes; a store written by a newer holdfast is refused.
 * 2: journal entries are compact arrays (journal-codec.ts).
 * 3: actor records are compact arrays (actor-codec.ts), journal entries shorter.
 * Older stores are read as they are and stamped with this format when opened for writing.
 */
export const STORE_FORMAT_VERSION = 3;
export { isStorageFull } from './disk-space.js';
const PRESENT = Buffer.from([1]);
/** Meta key prefix of the commit chain's marker (see LmdbStore.commit). */
const CHAIN = 'commitChain';
/**
 * Address space reserved for the map up front (not disk: without a write map the
 * file grows only as written). lmdb-js starts at 128 KB and, growing, keeps every
 * earlier map alive until close, so a store read through maps of 1, 2, 4... MB
 * counted about twice its size in resident memory (1.7 GB for a 795 MB store).
 * A larger store still grows past this, as before.
 */
const MAP_SIZE = 64 * 1024 ** 3;

type Key = (string | number)[];
type Bytes = Buffer;
/** A commit's puts, and removes (a write without a value), in order: three columns, no tuple a write. */
class Writes {
  readonly dbs: Database<Bytes, Key>[] = [];
  readonly keys: Key[] = [];
  readonly values: (Bytes | undefined)[] = [];

  push(db: Database<Bytes, Key>, key: Key, value: Bytes | undefined): void {
    this.dbs.push(db);
    this.keys.push(key);
    this.values.push(value);
  }

  clear(): void {
    this.dbs.length = this.keys.length = this.values.length = 0;
  }
}

export interface OpenStoreOptions {
  /** Read beside a running owner: takes no lock, writes nothing. */
  readOnly?: boolean;
  /** Injected clock for the lock record. */
  now?: () => number;
}

/**
 * Opens (creating if needed) the store in `folder`.
 * @throws STORE_LOCKED when another live process owns it (unless readOnly)
 * @throws STORE_FORMAT_TOO_NEW, STORE_CORRUPT; STORE_MISSING when readOnly and the folder holds no store
 */
export function openLmdbStore(folder: string, options: OpenStoreOptions = {}): SyncStore {
  const path = resolve(folder);
  const readOnly = options.readOnly ?? false;
  const dataFile = join(path, DATA_FILE);
  if (readOnly) assertStoreFolder(path, true); // a reader never creates a store
  else mkdirSync(path, { recursive: true, mode: 0o700 });
  const lock = readOnly ? undefined : acquireStoreLock(path);
  const release = lock ? releaseBoth(() => lock.release(), trackWritableStore(path)) : () => {};
  let root: RootDatabase<Bytes, Key>;
  let creation: Creation | undefined;
  try {
    if (readOnly) assertLmdbEnvironment(dataFile, path); // lmdb-js segfaults on a damaged environment: refuse it first
    else {
      assertStoreFolder(path, false); // checked again under the lock
      creation = beginCreation(path); // checks an existing data.mdb as above
      preallocateLockFile(dataFile);
    }
  } catch (error) {
    creation?.abandoned();
    release();
    throw error;
  }
  try {
    creation?.opening();
    // noReadAhead, MDB_NORDAHEAD (madvise MADV_RANDOM on the map): a page read from disk reads that page,
    // not the device's read-ahead window around it. A step touches a few pages spread over the store: with
    // read-ahead each fault read about 4 MB here (read_ahead_kb 8192), and an import whose store outgrew a
    // 400 MB memory budget read 154 GB for a 437 MB store, at 289 objects/s; without it, 1.3 GB and 875/s
    // (issue 21). LMDB's page size stays 4 KB, as lmdb-js asks of this flag. Its types leave the option out.
    const options: RootDatabaseOptionsWithPath & { noReadAhead: boolean } = { path: dataFile, encoding: 'binary', maxDbs: 12, readOnly, compression: false, mapSize: MAP_SIZE, noReadAhead: true };
    root = open<Bytes, Key>(options);
  } catch (cause) {
    creation?.abandoned(); // nothing half-made is left to read as a damaged store (store-folder.ts)
    release();
    if (creation && isStorageFull(cause, path)) throw new HoldfastError('STORAGE_FULL', `store ${path} cannot be created: no space left (${describeFree(path)})`, { cause, details: { path } });
    throw openFailure(cause, path);
  }
  try {
    const store = new LmdbStore(path, root, readOnly, release);
    creation?.finished(); // the constructor's synchronous transactions are on disk
    lock?.publish((options.now ?? Date.now)()); // owner.lock only once data.mdb exists: see store-folder.ts
    return store;
  } catch (error) {
    void root.close();
    creation?.abandoned();
    release();
    // Opening its databases writes (the first time): on a full disk that is STORAGE_FULL, said plainly.
    if (!readOnly && !(error instanceof HoldfastError) && isStorageFull(error, path)) {
      throw new HoldfastError('STORAGE_FULL', `store ${path} cannot be opened: no space left (${describeFree(path)}); free space, then run the command again`, { cause: error, details: { path } });
    }
    throw error;
  }
}

class LmdbStore implements Store, SyncReads {
  private readonly actors: Database<Bytes, Key>;
  private readonly index: Database<Bytes, Key>;
  private readonly inboxDb: Database<Bytes, Key>;
  private readonly timersDb: Database<Bytes, Key>;
  private readonly journalDb: Database<Bytes, Key>;
  private readonly records: Database<Bytes, Key>;
  private readonly meta: Database<Bytes, Key>;
  private closed = false;
  /** Orders pipelined commits (commit-chain.ts). */
  private readonly chain = new CommitChain();
  /** Read-only over a store of format 1 or 2: its index has a root key for every actor (index-keys.ts). */
  private layout = { rootKeyForEveryActor: false };
  /** Settles once every commit handed to lmdb-js so far has. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Commits not yet settled, by chain marker: what each one awaits and since when (a stall report, diagnostics()). */
  private readonly commitsUnderWay = new Map<number, { phase: 'committed' | 'flushed'; since: number }>();
  /** The last commits that failed (at most 8), oldest first, with what they were told. */
  private readonly failedCommits: { at: string; base: number; marker: number; writes: number; error: string }[] = [];
  /** Every read of this store answers at once (lmdb-js reads the memory map). */
  readonly sync: SyncReads = this;

  constructor(
    readonly path: string,
    private readonly root: RootDatabase<Bytes, Key>,
    readonly readOnly: boolean,
    private readonly release: () => void,
  ) {
    const db = (name: string) => root.openDB<Bytes, Key>({ name, encoding: 'binary', compression: false });
    this.actors = db('actors');
    this.index = db('index');
    this.inboxDb = db('inbox');
    this.timersDb = db('timers');
    this.journalDb = db('journal');
    this.records = db('records');
    this.meta = db('meta');
    this.checkFormat();
    if (!readOnly) {
      this.resetChain();
      const renewed = () => void (this.renewed = true);
      // An event lmdb-js emits but leaves out of its typings; its own `on` passes it to a `super.on` that does not exist.
      for (const database of [root, this.actors, this.index, this.inboxDb, this.timersDb, this.journalDb, this.records, this.meta]) EventEmitter.prototype.on.call(database, 'begin-transaction', renewed);
    }
  }

  /** lmdb-js began a read transaction since the last check (its 'begin-transaction' event): see fresh(). */
  private renewed = true;

  /**
   * Read-your-writes. Measured with lmdb-js 3.5.6: while another process opened and closed the store
   * read-only, a read made here just after a commit was acknowledged sometimes missed it (68 reads of
   * 17,800), its read transaction an older snapshot; a watch's actor rehydrated from such a read dropped
   * its own durable timer and stalled. So a read transaction lmdb-js has just begun is checked against
   * the commit chain: it must hold the marker of the last commit acknowledged here, or it is dropped
   * and begun again (test/integration/reliability/reader-beside-owner.test.ts).
   */
  private fresh(): void {
    if (this.readOnly || !this.chainStarted) return;
    const applied = this.chain.appliedMarker;
    // A read transaction begun before the last acknowledged commit landed may still be in use too.
    if (!this.renewed && applied === this.checkedAt) return;
    for (let attempt = 1; ; attempt++) {
      const marker = this.chainMarker();
      this.renewed = false;
      if (marker >= applied) {
        this.checkedAt = applied;
        return;
      }
      if (attempt === FRESH_ATTEMPTS) return this.noteStillStale(marker, applied);
      this.staleReads++;
      this.root.resetReadTxn();
      if (attempt > 1) Atomics.wait(PAUSE, 0, 0, attempt); // a moment for the writer's state to settle
    }
  }

  /** The applied marker the read transaction in use was last found to show. */
  private checkedAt = -1;
  /** Set once the chain's first marker is written (resetChain): reads before it have nothing to check. */
  private chainStarted = false;

  /** Read transactions found older than the last acknowledged commit, and begun again (diagnostics). */
  private staleReads = 0;

  private noteStillStale(marker: number, applied: number): void {
    this.warnOnce('stale', `reads of the store at ${this.path} showed commit ${marker} after commit ${applied} was acknowledged, through ${FRESH_ATTEMPTS} read transactions`, 'HOLDFAST_STALE_READ');
  }

  /**
   * Says once per guard on stderr (a process warning) that a commit was acknowledged by a guard,
   * not by lmdb-js: nothing is lost, but the stall it covered is worth a report.
   */
  private noteGuard(by: string): void {
    this.warnOnce(by, `a commit to the store at ${this.path} was acknowledged by ${by} after lmdb-js left it unsettled for ${LANDED_CHECK_MS} ms; nothing is lost`, 'HOLDFAST_COMMIT_GUARD');
  }

  /** A process warning, given once per store for each `key`. */
  private warnOnce(key: string, message: string, code: string): void {
    if (this.guardsNoted.has(key)) return;
    this.guardsNoted.add(key);
    process.emitWarning(`${message} (said once per store)`, { code });
  }

  private readonly guardsNoted = new Set<string>();

  /** The chain marker the store holds now (-1 when none). */
  private chainMarker(): number {
    let marker = -1;
    for (const key of this.meta.getKeys({ start: [CHAIN], end: [CHAIN, HIGH] })) marker = Math.max(marker, Number((key as Key)[1]));
    return marker;
  }

  /** Starts the chain at marker 0, dropping a marker left by an earlier owner. */
  private resetChain(): void {
    for (const key of this.meta.getKeys({ start: [CHAIN], end: [CHAIN, HIGH] })) this.meta.removeSync(key);
    this.meta.putSync([CHAIN, 0], PRESENT);
    this.chainStarted = true;
  }

  /** Refuses a store written by a newer format; stamps a new store with ours. */
  private checkFormat(): void {
    const format = this.getMeta<number>('format');
    this.layout = { rootKeyForEveryActor: this.readOnly && format !== undefined && format < 3 };
    if (format !== undefined && format > STORE_FORMAT_VERSION) {
      throw new HoldfastError(
        'STORE_FORMAT_TOO_NEW',
        `store ${this.path} has format ${format}; this holdfast reads up to ${STORE_FORMAT_VERSION}: upgrade holdfast`,
        { details: { path: this.path, format, supported: STORE_FORMAT_VERSION } },
      );
    }
    if ((format === undefined || format < STORE_FORMAT_VERSION) && !this.readOnly) {
      this.root.transactionSync(() => {
        if (format !== undefined && format < 3) this.dropChildRootKeys();
        this.meta.put(['format'], encodeRecord(STORE_FORMAT_VERSION));
      });
    }
  }

  /** Format 3 keeps no ['r', root, id] key for a child of its root: ['p', root, id] lists it (index-keys.ts). */
  private dropChildRootKeys(): void {
    const redundant = [...this.index.getKeys({ start: ['r'], end: ['r', HIGH] })].filter(([, root, id]) => this.index.doesExist(['p', root!, id!]));
    for (const key of redundant) this.index.remove(key);
  }

  async commit(mutations: readonly Mutation[], durability: Durability, onWritten?: () => void): Promise<void> {
    this.assertWritable();
    // Deleting a journal reads its keys: let every earlier commit land first, so none is missed.
    if (mutations.some((mutation) => mutation.op === 'deleteJournal')) await this.tail;
    // Encode before the batch so a value that cannot be stored fails the commit, not the write thread.
    // In order: two steps of one actor in one batch may put a key and then remove it (a timer set, then fired).
    const writes = new Writes();
    const chains = actorChains(mutations);
    for (let i = 0; i < mutations.length; i++) {
      if (chains.superseded.has(i)) continue;
      const from = chains.firstPrevious.get(i);
      this.plan(from === undefined ? mutations[i]! : { ...(mutations[i] as PutActor), previous: from.previous }, writes);
    }
    const link = this.chain.link();
    let applying = true;
    try {
      const committed = this.meta.ifVersion([CHAIN, link.base], IF_EXISTS, () => {
        // Each write's own promise rejects with the batch's failure too: the batch reports it, once.
        // Inside a batch lmdb-js hands most writes one shared promise: handle each promise once.
        let handled: Promise<unknown> | undefined;
        const { dbs, keys, values } = writes;
        for (let w = 0; w < dbs.length; w++) {
          const value = values[w];
          const written = value === undefined ? dbs[w]!.remove(keys[w]!) : dbs[w]!.put(keys[w]!, value);
          if (written !== handled) (handled = written).then(undefined, reportedByBatch);
        }
        this.meta.remove([CHAIN, link.base]);
        this.meta.put([CHAIN, link.marker], PRESENT);
      });
      this.chain.queued(link);
      this.tail = committed.then(undefined, reportedByBatch);
      writes.clear(); // handed to lmdb-js (the callback ran): not kept alive through the commit's wait
      // lmdb-js's `flushed` follows its latest write: take this transaction's before a later one is queued.
      const flushed = durability === 'flush' ? thisFlush(this.root) : undefined;
      flushed?.then(undefined, reportedByBatch); // a failed commit is reported by `committed`
      onWritten?.(); // queued in order: a commit started now lands after this one, and only if this one did
      // A guard: under heavy load acknowledgements were seen to stop after the commits had landed;
      // the chain marker in the store says whether this one did, whatever became of lmdb-js's promise.
      const marked = landedByMarker(this.chain, link, () => this.chainMarker(), LANDED_CHECK_MS);
      const underWay = { phase: 'committed' as 'committed' | 'flushed', since: Date.now() };
      this.commitsUnderWay.set(link.marker, underWay);
      try {
        if (!(await settledOrStalled(Promise.race([committed, marked.landed]), this.path))) throw notApplied(this.path);
      } finally {
        marked.stop();
      }
      if (marked.fired()) this.noteGuard('the chain marker');
      applying = false;
      this.chain.landed(link);
      underWay.phase = 'flushed';
      underWay.since = Date.now();
      if (flushed && (await flushedOrSynced(flushed, this.root as unknown as EnvSync))) this.noteGuard('an environment sync');
    } catch (cause) {
      if (applying) this.chain.broken(link);
      const error = storageError(await commitCause(cause), this.path);
      this.failedCommits.push({ at: new Date().toISOString(), base: link.base, marker: link.marker, writes: mutations.length, error: error instanceof Error ? error.message : String(error) });
      if (this.failedCommits.length > 8) this.failedCommits.shift();
      throw error;
    } finally {
      this.commitsUnderWay.delete(link.marker);
    }
  }

  /** The commit chain and the commits under way, for a stall report (read-only). */
  diagnostics(): Record<string, unknown> {
    const now = Date.now();
    return {
      chain: this.chain.describe(),
      markerInStore: this.readOnly ? undefined : this.chainMarker(),
      commitsUnderWay: [...this.commitsUnderWay].map(([marker, { phase, since }]) => ({ marker, awaiting: phase, ms: now - since })),
      failedCommits: [...this.failedCommits],
      staleReads: this.staleReads,
    };
  }

  /** Turns one mutation into puts and removes (a write without a value). Keys: see DESIGN.md's store layout. */
  private plan(mutation: Mutation, writes: Writes): void {
    switch (mutation.op) {
      case 'putActor': {
        const { record, previous } = mutation;
        writes.push(this.actors, [record.id], encodeActorRecord(record));
        const { removed, added } = indexChanges(previous, record);
        for (const key of removed) writes.push(this.index, key, undefined);
        for (const key of added) writes.push(this.index, key, PRESENT);
        return;
      }
      case 'deleteActor':
        writes.push(this.actors, [mutation.record.id], undefined);
        for (const key of indexKeysOf(mutation.record)) writes.push(this.index, key, undefined);
        return;
      case 'putJournal':
        writes.push(this.journalDb, [mutation.actor, mutation.entry.seq], encodeJournalEntry(mutation.entry));
        return;
      case 'putInbox':
        writes.push(this.inboxDb, [mutation.message.to, mutation.message.seq], encodeRecord(mutation.message));
        return;
      case 'deleteInbox':
        writes.push(this.inboxDb, [mutation.to, mutation.seq], undefined);
        return;
      case 'putTimer':
        writes.push(this.timersDb, [mutation.timer.due, mutation.timer.actor, mutation.timer.id], encodeRecord(mutation.timer));
        return;
      case 'deleteJournal':
        for (const key of this.journalDb.getKeys({ start: [mutation.actor, 0], end: [mutation.actor, Number.MAX_SAFE_INTEGER] })) writes.push(this.journalDb, key, undefined);
        return;
      case 'setAsideActor': {
        const bytes = this.actors.get([mutation.id]);
        if (bytes === undefined) return;
        const value = { bytes: Buffer.from(bytes).toString('base64'), at: Date.now() };
        writes.push(this.records, recordKey(SET_ASIDE, mutation.id), encodeRecord(value));
        return;
      }
      case 'deleteTimer':
        writes.push(this.timersDb, [mutation.due, mutation.actor, mutation.id], undefined);
        return;
      case 'putRecord':
        writes.push(this.records, recordKey(mutation.collection, mutation.key), encodeRecord(mutation.value));
        return;
      case 'deleteRecord':
        writes.push(this.records, recordKey(mutation.collection, mutation.key), undefined);
        return;
    }
  }

  /** Reads the environment's stat and data.mdb's size (store-stats.ts); writes nothing. */
  stats(): StoreStats {
    return readStoreStats(this.root, this.path);
  }

  getActor(id: ActorId): ActorRecord | undefined {
    this.fresh();
    const bytes = this.actors.get([id]);
    return bytes === undefined ? undefined : decodeActorRecord(id, bytes);
  }

  *queryActors(filter: ActorFilter): Iterable<ActorRecord> {
    let skipped = 0;
    let yielded = 0;
    for (const id of this.actorIds(filter)) {
      let record: ActorRecord | undefined;
      try {
        record = this.getActor(id);
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

  actorIds(filter: ActorFilter): Iterable<ActorId> {
    this.fresh();
    const [first, second] = rangesFor(filter, this.layout).map((range) => this.idsIn(range));
    return second === undefined ? first! : mergeIds(first!, second);
  }

  private *idsIn(range: IndexRange): Iterable<ActorId> {
    for (const key of this.index.getKeys(range)) yield key[key.length - 1] as ActorId;
  }

  countActors(filter: ActorFilter): number {
    this.fresh();
    if (rangeAnswers(filter)) return rangesFor(filter, this.layout).reduce((sum, range) => sum + this.index.getKeysCount(range), 0);
    let count = 0;
    for (const _ of this.queryActors({ ...filter, limit: undefined as never })) count++;
    return count;
  }

  /** Reads index keys ['s', status, id], ['p', parent, id], ['m', machine, state, id] and the last journal entry of `id`. */
  identityOf(id: ActorId, machines: readonly string[] = []): IndexedIdentity | undefined {
    this.fresh();
    return indexedIdentity(
      {
        has: (key) => this.index.doesExist(key),
        keys: (range) => this.index.getKeys(range),
        lastState: (actor) => {
          for (const { key, value } of this.journalDb.getRange({ start: [actor, Number.MAX_SAFE_INTEGER], end: [actor, 0], reverse: true, limit: 1 })) {
            try {
              return decodeJournalEntry(key[1] as number, value, `journal of ${actor}`).to;
            } catch {
              return undefined; // a damaged journal entry: the machine index is scanned instead
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
    const range = after === undefined ? { limit } : { start: [after], exclusiveStart: true, limit };
    for (const { key, value } of this.actors.getRange(range)) {
      last = actorKeyId(key);
      if (!checksumMatches(value)) failed.push(last);
    }
    return { failed, last };
  }

  corruptActors(): CorruptEntry[] {
    const corrupt: CorruptEntry[] = [];
    for (const { key, value } of this.actors.getRange({})) {
      try {
        decodeActorRecord(actorKeyId(key), value);
      } catch (error) {
        corrupt.push({ id: actorKeyId(key), reason: (error as Error).message });
      }
    }
    return corrupt;
  }

  *inbox(to?: ActorId): Iterable<InboxMessage> {
    this.fresh();
    const range = to === undefined ? {} : { start: [to], end: [to, Number.MAX_SAFE_INTEGER] };
    for (const { value } of this.inboxDb.getRange(range)) yield decodeRecord<InboxMessage>(value, 'inbox message');
  }

  *timers(): Iterable<TimerEntry> {
    this.fresh();
    for (const { value } of this.timersDb.getRange({})) yield decodeRecord<TimerEntry>(value, 'timer');
  }

  *journal(id: ActorId, options: { fromSeq?: number; limit?: number } = {}): Iterable<JournalEntry> {
    this.fresh();
    const range = { start: [id, options.fromSeq ?? 0], end: [id, Number.MAX_SAFE_INTEGER], ...(options.limit ? { limit: options.limit } : {}) };
    for (const { key, value } of this.journalDb.getRange(range)) yield decodeJournalEntry(key[1] as number, value, `journal of ${id}`);
  }

  getRecord<T>(collection: string, key: RecordKey): T | undefined {
    this.fresh();
    const bytes = this.records.get(recordKey(collection, key));
    return bytes === undefined ? undefined : decodeRecord<T>(bytes, `${collection} record`);
  }

  /** Reads `records` keys [collection, ...prefix, ...] from just after [collection, ...after] when given. */
  *scanRecords<T>(collection: string, prefix?: RecordKey, options: ScanOptions = {}): Iterable<{ key: RecordKey; value: T }> {
    this.fresh();
    const start = prefix === undefined ? [collection] : recordKey(collection, prefix);
    const end = [...start, HIGH];
    const after = options.after === undefined ? undefined : recordKey(collection, options.after);
    // A cursor before the prefix starts at the prefix; one past its end reads nothing.
    if (after !== undefined && compareKeys(after, end) >= 0) return;
    const range = after !== undefined && compareKeys(after, start) >= 0 ? { start: after, end, exclusiveStart: true } : { start, end };
    for (const { key, value } of this.records.getRange(range)) {
      const rest = key.slice(1);
      yield { key: rest.length === 1 ? rest[0]! : rest, value: decodeRecord<T>(value, `${collection} record`) };
    }
  }

  getMeta<T>(key: string): T | undefined {
    this.fresh();
    const bytes = this.meta.get([key]);
    return bytes === undefined ? undefined : decodeRecord<T>(bytes, `meta ${key}`);
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    this.assertWritable();
    await this.meta.put([key], encodeRecord(value));
    await this.root.flushed;
  }

  /** Reads every database through one read transaction (lmdb-integrity.ts); writes nothing. */
  async checkIntegrity(visitor: IntegrityVisitor): Promise<IntegrityCounts> {
    this.assertOpen();
    const transaction = this.root.useReadTransaction();
    try {
      const dbs = { actors: this.actors, index: this.index, inbox: this.inboxDb, timers: this.timersDb, journal: this.journalDb, records: this.records, meta: this.meta };
      return checkLmdbIntegrity(dbs, transaction, { rootKeyForEveryActor: this.layout.rootKeyForEveryActor, markerPrefix: CHAIN }, visitor);
    } catch (cause) {
      if (cause instanceof HoldfastError) throw cause;
      // LMDB's own errors (MDB_CORRUPTED, MDB_PAGE_NOTFOUND...): a page it cannot follow.
      throw new HoldfastError('STORE_CORRUPT', `store ${this.path} cannot be read to its end: ${(cause as Error).message}`, { cause, details: { path: this.path } });
    } finally {
      transaction.done();
    }
  }

  /**
   * mdb_env_copy2 with MDB_CP_COMPACT (lmdb-js `backup(path, true)`): copies the pages in
   * use, as of one read transaction, beside a writer, into `folder`/data.mdb. LMDB writes
   * the copy with O_DIRECT but does not fsync it: it is fsynced here before this resolves.
   */
  async backup(folder: string): Promise<void> {
    this.assertOpen();
    const target = join(resolve(folder), DATA_FILE);
    if (existsSync(target)) throw new HoldfastError('INVALID_INPUT', `${folder} already holds a store`, { details: { path: folder } });
    try {
      await this.root.backup(target, true);
      const handle = openSync(target, 'r');
      try {
        fsyncSync(handle);
      } finally {
        closeSync(handle);
      }
    } catch (cause) {
      throw storageError(cause, resolve(folder));
    }
  }

  /** Retention (lmdb-retention.ts): reads `journal` keys. */
  journalSpans(after: ActorId | undefined, limit: number): JournalSpan[] {
    this.assertOpen();
    return readJournalSpans(this.journalDb, after, limit);
  }

  /** Retention (lmdb-retention.ts): reads `actors` [id], removes `journal` [id, seq]; its own small transaction, off the commit chain. */
  async pruneJournal(prunes: readonly JournalPrune[], finalBefore: number): Promise<PruneCount> {
    this.assertWritable();
    try {
      return await pruneJournalEntries(this.root, { actors: this.actors, journal: this.journalDb }, prunes, finalBefore);
    } catch (cause) {
      throw storageError(await commitCause(cause), this.path);
    }
  }

  /** Retention (lmdb-retention.ts): rewrites `journal` [actor, seq] without snapshots; its own small transaction. */
  async stripJournalSnapshots(actor: ActorId, fromSeq: number, throughSeq: number, before: number): Promise<{ entries: number; bytes: number; through: number }> {
    this.assertWritable();
    try {
      return await stripSnapshots(this.root, this.journalDb, actor, fromSeq, throughSeq, before);
    } catch (cause) {
      throw storageError(await commitCause(cause), this.path);
    }
  }

  usage(): StoreUsage {
    this.assertOpen();
    return usageOf(this.root, [this.actors, this.index, this.inboxDb, this.timersDb, this.journalDb, this.records, this.meta]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // On a full disk lmdb-js may never settle a failed write's flush or its close: nothing acknowledged
      // waits on them (every acknowledged commit awaited its own), so the process is not held by them.
      if (!this.readOnly) await settledOrStalled(Promise.resolve(this.root.flushed), this.path).catch(ignoreStalled);
      await settledOrStalled(this.root.close(), this.path).catch(ignoreStalled);
    } finally {
      this.release();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new HoldfastError('STORE_CLOSED', `store ${this.path} is closed`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new HoldfastError('STORE_LOCKED', `store ${this.path} is open read-only`);
  }
}

/** The id of an `actors` key: lmdb-js reads a one-element key [id] back as `id` itself. */
function actorKeyId(key: Key | string): ActorId {
  return String(Array.isArray(key) ? key[0] : key) as ActorId;
}

function recordKey(collection: string, key: RecordKey): Key {
  return typeof key === 'object' ? [collection, ...key] : [collection, key];
}

/**
 * Why lmdb-js could not open the environment. Two of its answers come from other
 * processes opening and closing the store at that instant, not from damage
 * (lmdb-js 3.5.6; measured with bench/tools/reader-churn.ts, docs/guarantees.md):
 * STORE_BUSY, whose advice is not STORE_CORRUPT's (verify, restore a backup).
 * This process keeps lmdb-js's half-opened environment, and opening the store
 * again here was measured to fail again; a new process opens it.
 */
export function openFailure(cause: unknown, path: string): HoldfastError {
  const message = (cause as Error | undefined)?.message ?? String(cause);
  if (/^Invalid argument: (No transaction to renew|Attempting to setup locks)/.test(message)) {
    return new HoldfastError(
      'STORE_BUSY',
      `store ${path} could not be opened while other processes were opening and closing it (lmdb-js: ${message}); it is not damaged: start again in a new process, and have other processes open it less often while it is in use`,
      { cause, details: { path } },
    );
  }
  return new HoldfastError('STORE_CORRUPT', `store ${path} cannot be opened: ${message}`, { cause, details: { path } });
}

/** A commit skipped because one queued before it failed: the caller commits it again. */
function notApplied(path: string): HoldfastError {
  return new HoldfastError('STORE_CORRUPT', `store ${path}: commit not applied because an earlier one failed; commit it again`, { details: { path, notApplied: true } });
}

/** Maps a failed write to STORAGE_FULL when the disk or map is full; keeps the cause. */
export function storageError(cause: unknown, path: string): HoldfastError {
  if (cause instanceof HoldfastError) return cause;
  const message = (cause as Error)?.message ?? String(cause);
  if (isStorageFull(cause, path) || (cause instanceof UnexplainedCommitFailure && (hasNoRoom(path) || recentlyFull()))) {
    const details = { path, freeBytes: freeBytes(path) ?? null };
    return new HoldfastError('STORAGE_FULL', `store ${path}: no space left (${describeFree(path)}); work waits and carries on when space returns`, { cause, details });
  }
  return new HoldfastError('STORE_CORRUPT', `store ${path}: write failed: ${message}`, { cause, details: { path } });
}

/**
 * lmdb-js rejects a failed commit's writes with "Commit failed (see commitError
 * for details)"; the reason (ENOSPC, EIO...) is in the `commitError` promise.
 * Awaiting it also handles that promise's rejection. lmdb-js settles it in the
 * callback that reports the failure, but when its writer sees the failed
 * transaction after that callback, it hands out a fresh `commitError` that
 * nothing ever settles (lmdb 3.x write.js, rejectCommit; seen here about one
 * run in three on a full tmpfs): awaiting it hung the committer for good. So it
 * is given COMMIT_REASON_WAIT_MS, then the failure is judged without its reason.
 */
async function commitCause(cause: unknown): Promise<unknown> {
  const inner = (cause as { commitError?: unknown } | undefined)?.commitError;
  if (typeof (inner as PromiseLike<unknown> | undefined)?.then !== 'function') return cause;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unknownReason = new Promise<unknown>((resolve) => (timer = setTimeout(() => resolve(new UnexplainedCommitFailure(cause)), COMMIT_REASON_WAIT_MS)));
  try {
    return await Promise.race([Promise.resolve(inner as PromiseLike<unknown>).then(() => cause), unknownReason]);
  } catch (reason) {
    return reason;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * On a full disk lmdb-js can leave a failed transaction neither resolved nor
 * rejected (found by the nemesis: the process then ran out of work and exited
 * 13 with its commit still awaited, or waited for ever after space returned).
 * While the disk has no room, or had none in the last 30 s, a commit not
 * settled after COMMIT_STALL_MS fails as a commit without a reason, which the
 * committer retries as it stands once space returns; otherwise it is waited
 * for, with a timer that keeps the process alive meanwhile.
 */
async function settledOrStalled<T>(committed: Promise<T>, path: string): Promise<T> {
  let timer: ReturnType<typeof setInterval> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (hasNoRoom(path) || recentlyFull()) reject(new UnexplainedCommitFailure(new Error(`lmdb-js left a commit unsettled for ${COMMIT_STALL_MS} ms on a full disk`)));
    }, COMMIT_STALL_MS);
  });
  try {
    return await Promise.race([committed, stalled]);
  } finally {
    clearInterval(timer);
  }
}

const COMMIT_STALL_MS = 5_000;
/** Read transactions begun at most to find one that shows the last acknowledged commit (see fresh()). */
const FRESH_ATTEMPTS = 6;
/** Waited on (never woken) for a pause of a few milliseconds inside a synchronous read. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
/** How often a commit whose promise has not settled looks at the chain marker. */
const LANDED_CHECK_MS = 2_000;

/** A close that stalled on a full disk ends; any other failure stands. */
function ignoreStalled(error: unknown): void {
  if (!(error instanceof UnexplainedCommitFailure)) throw error;
}

/** The reason arrives in the same event-loop turn as the failure, when it arrives at all. */
const COMMIT_REASON_WAIT_MS = 250;

/** A failed commit whose reason lmdb-js never gave: a full disk when the store has no room, else a failure. */
class UnexplainedCommitFailure extends Error {
  constructor(readonly failure: unknown) {
    super(`${(failure as Error)?.message ?? String(failure)} (no reason given)`);
  }
}

/**
 * Waits for a landed commit's `flushed`; if lmdb-js has not settled it after
 * `waitMs`, syncs the environment itself (mdb_env_sync: everything committed
 * is then on disk) and resolves with that instead. A guard: under heavy load a
 * watch saw acknowledgements stop for good after its last commits had landed,
 * and `flushed` (whose resolvers lmdb-js keeps per write session) is one of the
 * two promises a commit waits on; `committed`, the other, is backed by the chain
 * marker (landedByMarker). A sync that fails is the commit's failure. True when
 * the guard synced.
 */
export async function flushedOrSynced(flushed: Promise<void>, root: EnvSync, waitMs = FLUSH_WAIT_MS): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const synced = new Promise<true>((resolve, reject) => {
    timer = setTimeout(() => void root.sync((error?: unknown) => (error ? reject(error) : resolve(true))), waitMs);
  });
  try {
    return (await Promise.race([flushed.then(() => false), synced])) === true;
  } finally {
    clearTimeout(timer);
  }
}

/** lmdb-js's root `sync(callback)` (mdb_env_sync in its write thread), which its typings leave out. */
export interface EnvSync {
  sync(callback: (error?: unknown) => void): unknown;
}

/** Long enough for a slow disk's fsync to finish on its own; a sync after it costs one more fsync. */
const FLUSH_WAIT_MS = 2_000;

/** The flush of the transaction committed last, read now: `flushed` is a thenable that reads it when `then` is called. */
function thisFlush(root: RootDatabase<Bytes, Key>): Promise<void> {
  return new Promise<void>((resolve, reject) => void root.flushed.then(() => resolve(), reject));
}

/** A write's own rejection inside a batch: the batch's promise carries the same failure. */
function reportedByBatch(): void {}

function releaseBoth(first: () => void, second: () => void): () => void {
  return () => {
    try {
      first();
    } finally {
      second();
    }
  };
}
