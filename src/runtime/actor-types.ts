/**
 * The shapes the runtime shows to the layers above it: an actor's id and record,
 * a journal entry. They are the `Store` port's own types, passed up unchanged, so
 * adapters (the inspector, task workers) name them from the runtime and never
 * import `src/persistence` (DESIGN.md, layers).
 */
export type { ActorFilter, ActorId, ActorRecord, ActorStatus, JournalEntry } from '../persistence/store.js';
