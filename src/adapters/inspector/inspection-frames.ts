/**
 * A subscribed actor's life in XState's inspection shapes (`@xstate.actor`,
 * `@xstate.event`, `@xstate.snapshot`), serialised the way Stately's inspector
 * reads them: the actor id is the `sessionId`, its job's id the `rootId`.
 */
import type { ActorRecord } from '../../runtime/actor-types.js';
import { INSPECTION_VERSION, type ActorFrame, type EventFrame, type SnapshotFrame } from './inspector-protocol.js';

let sequence = 0;
const frameId = () => `hf-${Date.now().toString(36)}-${(sequence++).toString(36)}`;
const iso = (at: number) => new Date(at).toISOString();

/** The machine's JSON definition is sent once per machine per client (it is kilobytes). */
export function actorFrame(record: ActorRecord, definition: string | undefined): ActorFrame {
  return {
    type: '@xstate.actor',
    rootId: record.root,
    sessionId: record.id,
    parentId: record.parent,
    machine: record.machine,
    definition,
    snapshot: record.snapshot,
    createdAt: iso(record.createdAt),
    id: frameId(),
    _version: INSPECTION_VERSION,
  };
}

export function eventFrame(record: ActorRecord, event: string, at: number): EventFrame {
  return {
    type: '@xstate.event',
    rootId: record.root,
    sessionId: record.id,
    // Events arrive by durable message; the runtime's step event does not name the sender.
    sourceId: undefined,
    event: { type: event },
    createdAt: iso(at),
    id: frameId(),
    _version: INSPECTION_VERSION,
  };
}

export function snapshotFrame(record: ActorRecord, event: string, at: number, coalesced: number): SnapshotFrame {
  return {
    type: '@xstate.snapshot',
    rootId: record.root,
    sessionId: record.id,
    event: { type: event },
    snapshot: record.snapshot,
    status: record.status,
    ...(coalesced > 1 ? { coalesced } : {}),
    createdAt: iso(at),
    id: frameId(),
    _version: INSPECTION_VERSION,
  };
}
