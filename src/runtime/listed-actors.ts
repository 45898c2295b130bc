/**
 * Actors as the views list them (`holdfast jobs`, `job ID`, the inspector):
 * a record that does not decode is listed, not dropped, as a parked actor
 * with RECORD_CORRUPT, where the index says it stood (its job, its parent, its
 * machine when known). Read-only: a reader beside the owner cannot park it,
 * and the owner parks it for good when it next touches it (actor-host.ts).
 */
import { toHoldfastError } from '../errors.js';
import type { ActorFilter, ActorId, ActorRecord, Store } from '../persistence/store.js';
import { asyncScan } from './async-views.js';
import { standInFor } from './parked-records.js';

/** The port's reads it needs: answered at once (a store's `sync`) or later (a store over a network). */
type Reader = Pick<Store, 'getActor' | 'actorIds' | 'identityOf'>;

/** The record of `id`, or a parked stand-in when it does not decode; undefined when there is none. */
export async function readListedActor(store: Reader, id: ActorId | string): Promise<ActorRecord | undefined> {
  try {
    return await store.getActor(id as ActorId);
  } catch (error) {
    return unreadable(store, id as ActorId, error);
  }
}

/**
 * The actors of a filter the index answers alone (`parent`, `root`, `topOnly`,
 * `status`), unreadable ones included as parked stand-ins.
 */
export async function* listedActors(store: Reader, filter: ActorFilter): AsyncIterable<ActorRecord> {
  let listed = 0;
  for await (const id of asyncScan(store.actorIds({ ...filter, limit: undefined as never }))) {
    const record = await readListedActor(store, id);
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

async function unreadable(store: Reader, id: ActorId, error: unknown): Promise<ActorRecord> {
  let identity;
  try {
    identity = await store.identityOf(id);
  } catch {
    identity = undefined;
  }
  const failure = toHoldfastError(error, 'RECORD_CORRUPT');
  return { ...standInFor(id, identity, 0), status: 'parked', error: { code: failure.code, message: failure.reason } };
}
