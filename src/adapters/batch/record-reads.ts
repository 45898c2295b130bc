/**
 * The keyed reads batch code makes (item pages, a batch's progress), as an effect's
 * context gives them (`records`) and the runtime's `records` do: reads that may answer
 * later (a store over a network), so every one is awaited and every scan read with
 * `for await`. Over LMDB or memory they answer at once. Batch code reads through the
 * runtime or its effect context, never the store.
 */
import type { EffectRecords } from '../../runtime/effect-runner.js';
import type { MaybePromise, RecordKey } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';

export interface RecordReads {
  getRecord<T = unknown>(collection: string, key: RecordKey): MaybePromise<T | undefined>;
  scanRecords<T = unknown>(collection: string, prefix?: RecordKey): Iterable<{ key: RecordKey; value: T }> | AsyncIterable<{ key: RecordKey; value: T }>;
}

/** The runtime's records, as the reads batch code makes. */
export function recordReads(runtime: Pick<Runtime, 'records'>): RecordReads {
  return {
    getRecord: (collection, key) => runtime.records.get(collection, key),
    scanRecords: (collection, prefix) => runtime.records.iterate(collection, prefix),
  };
}

/** An effect's records (its context's), as the reads batch code makes. */
export function effectReads(records: Pick<EffectRecords, 'get' | 'iterate'>): RecordReads {
  return {
    getRecord: (collection, key) => records.get(collection, key),
    scanRecords: (collection, prefix) => records.iterate(collection, prefix),
  };
}
