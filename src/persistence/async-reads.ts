/**
 * A store's reads made asynchronous, as a store over a network answers them: every point read
 * resolves a turn of the event loop later, every scan is an async iterable that starts reading a
 * turn later, and there is no `sync`. Writes go to the store as they are. The memory store's
 * `reads: 'async'` option is this over a memory store, so the conformance suite (and whatever else
 * awaits the port) runs the asynchronous path for real rather than only in the types.
 */
import type { ActorFilter, ActorId, IntegrityVisitor, JournalPrune, Mutation, Durability, RecordKey, Scan, ScanOptions, Store, SyncStore } from './store.js';

/** One turn of the event loop: I/O and timers run between a read's call and its answer, as over a socket. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function later<T>(read: () => T): Promise<T> {
  await turn();
  return read();
}

async function* laterScan<T>(read: () => Iterable<T>): AsyncGenerator<T> {
  await turn();
  yield* read();
}

/** `store`'s port with asynchronous reads and no `sync`; closing it closes `store`. */
export function asyncReads(store: SyncStore): Store {
  return {
    get path() {
      return store.path;
    },
    get readOnly() {
      return store.readOnly;
    },
    commit: (mutations: readonly Mutation[], durability: Durability, onWritten?: () => void) => store.commit(mutations, durability, onWritten),
    getActor: (id: ActorId) => later(() => store.getActor(id)),
    queryActors: (filter: ActorFilter) => laterScan(() => store.queryActors(filter)),
    actorIds: (filter: ActorFilter) => laterScan(() => store.actorIds(filter)),
    countActors: (filter: ActorFilter) => later(() => store.countActors(filter)),
    identityOf: (id: ActorId, machines?: readonly string[]) => later(() => store.identityOf(id, machines)),
    checkActorPage: (after: ActorId | undefined, limit: number) => later(() => store.checkActorPage(after, limit)),
    corruptActors: () => later(() => store.corruptActors()),
    inbox: (to?: ActorId) => laterScan(() => store.inbox(to)),
    timers: () => laterScan(() => store.timers()),
    journal: (id: ActorId, options?: { fromSeq?: number; limit?: number }) => laterScan(() => store.journal(id, options)),
    getRecord: <T>(collection: string, key: RecordKey) => later(() => store.getRecord<T>(collection, key)),
    scanRecords: <T>(collection: string, prefix?: RecordKey, options?: ScanOptions): Scan<{ key: RecordKey; value: T }> =>
      laterScan(() => store.scanRecords<T>(collection, prefix, options)),
    getMeta: <T>(key: string) => later(() => store.getMeta<T>(key)),
    checkIntegrity: (visitor: IntegrityVisitor) => store.checkIntegrity(visitor),
    backup: (folder: string) => store.backup(folder),
    putMeta: (key: string, value: unknown) => store.putMeta(key, value),
    journalSpans: (after: ActorId | undefined, limit: number) => later(() => store.journalSpans(after, limit)),
    pruneJournal: (prunes: readonly JournalPrune[], finalBefore: number) => store.pruneJournal(prunes, finalBefore),
    stripJournalSnapshots: (actor: ActorId, fromSeq: number, throughSeq: number, before: number) => store.stripJournalSnapshots(actor, fromSeq, throughSeq, before),
    usage: () => later(() => store.usage()),
    close: () => store.close(),
  };
}
