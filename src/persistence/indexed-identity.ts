/**
 * Where an actor whose record does not decode stood, read from the index
 * (index-keys.ts), which a damaged record leaves intact: its parent, its job,
 * its status, machine and state. Parking it there keeps it under its parent and
 * in its job, and lets the runtime tell the parent (RELIABILITY.md I7).
 * Cheap in the usual case: a child's id is `<parent>/<key>` and its journal's
 * last entry names its state, so a few key lookups answer; only an actor that
 * follows neither costs a scan of one index range.
 */
import { HIGH, type IndexKey, type IndexRange } from './index-keys.js';
import type { ActorId, ActorStatus, IndexedIdentity } from './store.js';

/** What the lookup reads: key existence and key ranges of the index, and the actor's last journal state. */
export interface IdentityReader {
  has(key: IndexKey): boolean;
  keys(range: IndexRange & { limit?: number }): Iterable<IndexKey>;
  lastState(id: ActorId): string | undefined;
}

const STATUSES: readonly ActorStatus[] = ['active', 'done', 'error', 'stopped', 'parked'];
/** Parents followed up to a job's top at most: a deeper chain is a damaged index. */
const MAX_DEPTH = 64;

export function indexedIdentity(read: IdentityReader, id: ActorId, machines: readonly string[] = []): IndexedIdentity | undefined {
  const status = STATUSES.find((candidate) => read.has(['s', candidate, id]));
  const parent = parentOf(read, id);
  if (status === undefined && parent === undefined) return undefined;
  const identity: IndexedIdentity = { id, root: rootOf(read, id, parent ?? ''), ...(status !== undefined ? { status } : {}) };
  if (parent) identity.parent = parent;
  const named = machineAndState(read, id, machines);
  if (named) Object.assign(identity, named);
  return identity;
}

/** '' for a top actor, undefined when the index lists no parent. */
function parentOf(read: IdentityReader, id: ActorId): ActorId | '' | undefined {
  const slash = id.lastIndexOf('/');
  if (slash > 0 && read.has(['p', id.slice(0, slash), id])) return id.slice(0, slash) as ActorId;
  if (read.has(['p', '', id])) return '';
  for (const key of read.keys({ start: ['p'], end: ['p', HIGH] })) if (key[2] === id) return String(key[1]) as ActorId | '';
  return undefined;
}

/** The top actor above `id`: each step up is one parent lookup. */
function rootOf(read: IdentityReader, id: ActorId, parent: ActorId | ''): ActorId {
  let current = id;
  let above: ActorId | '' | undefined = parent;
  for (let depth = 0; above && depth < MAX_DEPTH; depth++) {
    current = above;
    above = parentOf(read, current);
  }
  return current;
}

function machineAndState(read: IdentityReader, id: ActorId, machines: readonly string[]): { machine: string; state: string } | undefined {
  const state = read.lastState(id);
  if (state !== undefined) {
    const machine = [...machines, ...machinesIndexed(read)].find((name) => read.has(['m', name, state, id]));
    if (machine !== undefined) return { machine, state };
  }
  for (const key of read.keys({ start: ['m'], end: ['m', HIGH] })) if (key[3] === id) return { machine: String(key[1]), state: String(key[2]) };
  return undefined;
}

/** The machine names the index holds, one seek each (a reader without a registry: the CLI's views). */
function* machinesIndexed(read: IdentityReader): Iterable<string> {
  let start: IndexKey = ['m'];
  for (let found = 0; found < 1_000; found++) {
    const [key] = read.keys({ start, end: ['m', HIGH], limit: 1 });
    if (key === undefined) return;
    yield String(key[1]);
    start = ['m', String(key[1]), HIGH];
  }
}
