/**
 * The records parking writes: the stand-in for a record that cannot be read,
 * placed where the index says it stood, and the report that tells a parent
 * its running child was parked (actor-host.ts). Pure: no store, no clock.
 */
import type { HoldfastError } from '../errors.js';
import type { ActorId, ActorRecord, InboxMessage, IndexedIdentity } from '../persistence/store.js';
import { CHILD_PARKED, type ChildParked } from './machine-protocol.js';

/** The machine of a record whose machine nobody can tell. */
export const UNKNOWN_MACHINE = 'unknown';

/**
 * A record for an actor whose own record does not decode: its parent, job, machine, state and
 * status as the index keeps them; an actor the index does not know is a top actor of machine `unknown`.
 */
export function standInFor(id: ActorId, identity: IndexedIdentity | undefined, now: number): ActorRecord {
  return {
    id,
    machine: identity?.machine ?? UNKNOWN_MACHINE,
    version: '',
    root: identity?.root ?? id,
    ...(identity?.parent !== undefined ? { parent: identity.parent } : {}),
    status: identity?.status ?? 'active',
    state: identity?.state ?? '',
    snapshot: null,
    seq: 0,
    effects: {},
    timers: {},
    createdAt: now,
    updatedAt: now,
  };
}

/** The message telling `child`'s parent that it was parked, as its final report would have. */
export function parkedReport(child: ActorRecord & { parent: ActorId }, error: HoldfastError, seq: number, now: number): InboxMessage {
  const { parent } = child;
  const event: ChildParked = {
    type: CHILD_PARKED,
    child: child.id,
    key: child.id.startsWith(`${parent}/`) ? child.id.slice(parent.length + 1) : child.id,
    ...(child.machine !== UNKNOWN_MACHINE ? { machine: child.machine } : {}),
    ...(child.state !== '' ? { state: child.state } : {}),
    error: { code: error.code, message: error.reason },
    at: now,
  };
  return { to: parent, seq, event: event as unknown as InboxMessage['event'], from: child.id };
}
