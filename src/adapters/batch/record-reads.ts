/**
 * The keyed reads batch code makes (item pages, a batch's progress): a Store has
 * them, and so does a runtime's `records` (get, iterate), both synchronous, so a
 * chunk reads its items without a promise per read. Batch code above the
 * runtime reads through the runtime, never the store.
 */
import type { SyncStore } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';

export type RecordReads = Pick<SyncStore, 'getRecord' | 'scanRecords'>;

/** The runtime's records, as the reads batch code makes. */
export function recordReads(runtime: Pick<Runtime, 'records'>): RecordReads {
  return {
    getRecord: (collection, key) => runtime.records.get(collection, key),
    scanRecords: (collection, prefix, options) => runtime.records.iterate(collection, prefix, options),
  };
}
