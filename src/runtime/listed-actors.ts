/**
 * Actors as the views list them (`holdfast jobs`, `job ID`, the inspector):
 * a record that does not decode is listed, not dropped, as a parked actor
 * with RECORD_CORRUPT, where the index says it stood (its job, its parent, its
 * machine when known). Read-only: a reader beside the owner cannot park it,
 * and the owner parks it for good when it next touches it (actor-host.ts).
 */
import { toHoldfastError } from '../errors.js';
import type { ActorFilter, ActorId, ActorRecord, SyncStore } from '../persistence/store.js';
import { standInFor } from './parked-records.js';

type Reader = Pick<SyncStore, 'getActor' | 'actorIds' | 'identityOf'>;

/** The record of `id`, or a parked stand-in when it does not decode; undefined when there is none. */
export function readListedActor(store: Reader, id: ActorId | string): ActorRecord | undefined {
  try {
    return store.getActor(id as ActorId);
  } catch (error) {
    return unreadable(store, id as ActorId, error);
  }
}

/**
 * The actors of a filter the index answers alone (`parent`, `root`, `topOnly`,
 * `status`), unreadable ones included as parked stand-ins.
 */
export function* listedActors(store: Reader, filter: ActorFilter): Iterable<ActorRecord> {
  let listed = 0;
  for (const id of store.actorIds({ ...filter, limit: undefined as never })) {
    const record = readListedActor(store, id);
    if (!record) continue;
    yield record;
    if (++listed === filter.limit) return;
  }
}

/** Parked actors by error code (`parked 2: RECORD_CORRUPT`). */
export function parkedByCode(records: Iterable<ActorRecord>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) if (record.status === 'parked') counts[record.error?.code ?? 'PARKED'] = (counts[record.error?.code ?? 'PARKED'] ?? 0) + 1;
  return counts;
}

function unreadable(store: Reader, id: ActorId, error: unknown): ActorRecord {
  let identity;
  try {
    identity = store.identityOf(id);
  } catch {
    identity = undefined;
  }
  const failure = toHoldfastError(error, 'RECORD_CORRUPT');
  return { ...standInFor(id, identity, 0), status: 'parked', error: { code: failure.code, message: failure.reason } };
}
