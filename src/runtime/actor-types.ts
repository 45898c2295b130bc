/**
 * The shapes the runtime shows to the layers above it: an actor's id and record,
 * a journal entry, a record's key, a store's integrity findings, and the `Store`
 * port itself (which a host hands to `createRuntime`). They are the port's own
 * types, passed up unchanged, so nothing above the runtime imports
 * `src/persistence` (DESIGN.md, layers).
 */
export type {
  ActorFilter,
  ActorId,
  ActorRecord,
  ActorStatus,
  Durability,
  IntegrityKind,
  IntegrityProblem,
  JournalEntry,
  MaybePromise,
  Mutation,
  RecordKey,
  Scan,
  Store,
  StoreStats,
  SyncReads,
  SyncStore,
} from '../persistence/store.js';
// Brands a string as an actor id (no check: ids are checked where they come in).
export { actorId } from '../persistence/store.js';
