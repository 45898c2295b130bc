/**
 * Actor records as the store keeps them (store format 3): a positional array
 * without field names, and without what the key or the snapshot already says.
 *   [machine, version, root, parent, status, state, value, context, seq, createdAt, updatedAt - createdAt, rare?]
 *   root    0 when the actor is its own root
 *   parent  0 when it has none, 1 when it is the root
 *   state   0 when it is the snapshot's value (a top-level state)
 *   rare    an object with the fields few records have (effects in flight, timers, tags, error...)
 * An import's 300,000 settled objects and links were ~420 bytes each as JSON
 * objects, ~150 this way: the actors table, half of the store, shrinks with them.
 * Records of format 2 (JSON objects) still decode.
 */
import { HoldfastError } from '../errors.js';
import { decodeRecord, encodeRecord } from './record-codec.js';
import type { ActorId, ActorRecord, ActorStatus, PersistedSnapshot } from './store.js';

type CompactActor = [
  machine: string,
  version: string,
  root: string | 0,
  parent: string | 0 | 1,
  status: ActorStatus,
  state: string | 0,
  value: unknown,
  context: unknown,
  seq: number,
  createdAt: number,
  updatedFor: number,
  rare?: Rare,
];

/** Fields most records lack, by name. */
interface Rare {
  noSnapshot?: 1;
  snapshotStatus?: PersistedSnapshot['status'];
  output?: unknown;
  snapshotError?: unknown;
  historyValue?: unknown;
  effects?: ActorRecord['effects'];
  timers?: ActorRecord['timers'];
  tags?: string[];
  error?: ActorRecord['error'];
  recoveries?: number;
}

const STATUSES = new Set<string>(['active', 'done', 'error', 'stopped', 'parked']);

/** The stored form of a record; its id is the key. Throws SNAPSHOT_NOT_SERIALISABLE like encodeRecord. */
export function encodeActorRecord(record: ActorRecord): Buffer {
  const { snapshot } = record;
  const rare: Rare = {};
  if (snapshot === null) rare.noSnapshot = 1;
  else {
    if (snapshot.status !== record.status) rare.snapshotStatus = snapshot.status;
    if (snapshot.output !== undefined) rare.output = snapshot.output;
    if (snapshot.error !== undefined) rare.snapshotError = snapshot.error;
    if (snapshot.historyValue !== undefined) rare.historyValue = snapshot.historyValue;
  }
  if (hasKeys(record.effects)) rare.effects = record.effects;
  if (hasKeys(record.timers)) rare.timers = record.timers;
  if (record.tags !== undefined) rare.tags = record.tags;
  if (record.error !== undefined) rare.error = record.error;
  if (record.recoveries !== undefined) rare.recoveries = record.recoveries;
  const value = snapshot?.value ?? null;
  const compact: CompactActor = [
    record.machine,
    record.version,
    record.root === record.id ? 0 : record.root,
    record.parent === undefined ? 0 : record.parent === record.root ? 1 : record.parent,
    record.status,
    value === record.state ? 0 : record.state,
    value,
    snapshot === null ? null : snapshot.context,
    record.seq,
    record.createdAt,
    record.updatedAt - record.createdAt,
  ];
  if (hasKeys(rare)) compact.push(rare);
  return encodeRecord(compact);
}

/** The record stored under `id`. Throws RECORD_CORRUPT for a checksum or a shape that fails. */
export function decodeActorRecord(id: ActorId, bytes: Uint8Array): ActorRecord {
  const what = `actor ${id}`;
  const stored = decodeRecord<CompactActor | ActorRecord>(bytes, what);
  if (!Array.isArray(stored)) {
    if (typeof stored !== 'object' || stored === null) throw new HoldfastError('RECORD_CORRUPT', `${what}: not an actor record`);
    return stored; // format 2
  }
  const [machine, version, root, parent, status, state, value, context, seq, createdAt, updatedFor, rare = {}] = stored;
  if (
    typeof machine !== 'string' ||
    typeof version !== 'string' ||
    (typeof root !== 'string' && root !== 0) ||
    (typeof parent !== 'string' && parent !== 0 && parent !== 1) ||
    !STATUSES.has(status) ||
    (typeof state !== 'string' && state !== 0) ||
    typeof seq !== 'number' ||
    typeof createdAt !== 'number' ||
    typeof updatedFor !== 'number' ||
    typeof rare !== 'object' ||
    rare === null
  ) {
    throw new HoldfastError('RECORD_CORRUPT', `${what}: not an actor record`);
  }
  const rootId = (root === 0 ? id : root) as ActorId;
  let snapshot: PersistedSnapshot | null = null;
  if (rare.noSnapshot !== 1) {
    snapshot = { value, context, status: rare.snapshotStatus ?? (status as PersistedSnapshot['status']) };
    if (rare.output !== undefined) snapshot.output = rare.output;
    if (rare.snapshotError !== undefined) snapshot.error = rare.snapshotError;
    if (rare.historyValue !== undefined) snapshot.historyValue = rare.historyValue;
  }
  const record: ActorRecord = {
    id,
    machine,
    version,
    root: rootId,
    status,
    state: state === 0 ? String(value) : state,
    snapshot,
    seq,
    effects: rare.effects ?? {},
    timers: rare.timers ?? {},
    createdAt,
    updatedAt: createdAt + updatedFor,
  };
  if (parent !== 0) record.parent = (parent === 1 ? rootId : parent) as ActorId;
  if (rare.tags !== undefined) record.tags = rare.tags;
  if (rare.error !== undefined) record.error = rare.error;
  if (rare.recoveries !== undefined) record.recoveries = rare.recoveries;
  return record;
}

function hasKeys(value: object): boolean {
  for (const _ in value) return true;
  return false;
}
