/**
 * `verifyStore()`: the invariants of RELIABILITY.md checked over a closed (or
 * read-only) store, run after every crash test. Later kinds of work add their
 * own checks (counts of their parents, files on disk) through `checks`.
 * Children folded by retention are not missing: their parent's `folded`
 * record counts them (child-fold.ts), and is checked to add up.
 * Any store: it reads through `sync` when the store has it, else awaits the port.
 */
import type { ActorRecord, ActorStatus, MaybePromise, Store } from '../persistence/store.js';
import { FOLDED, type FoldedChildren } from './child-fold.js';
import { readsOf } from './store-reads.js';

export interface StoreViolation {
  invariant: 'I2' | 'I4' | 'I5' | 'I6' | 'I7' | 'I8';
  id?: string;
  message: string;
}

export interface StoreReport {
  actors: number;
  byStatus: Record<ActorStatus, number>;
  /** Active actors with no effect, timer or message pending: waiting on the outside world. */
  waiting: string[];
  /** Children folded by retention (child-fold.ts), counted on their parents: not missing, gone on purpose. */
  folded: number;
  violations: StoreViolation[];
}

export interface VerifyOptions<S extends Store = Store> {
  /** Extra checks per actor (counters of a parent against its children...), given the store `verifyStore` was given. */
  checks?: (record: ActorRecord, store: S) => MaybePromise<StoreViolation[]>;
  /** Every actor must be at rest (done, error, stopped or parked): no active work left. */
  expectSettled?: boolean;
}

/** Checks every actor, timer, message and folded count of `store`; resolves with what it found (violations are reported, not thrown). */
export async function verifyStore<S extends Store>(port: S, options: VerifyOptions<S> = {}): Promise<StoreReport> {
  const store = readsOf(port);
  const violations: StoreViolation[] = [];
  const byStatus: Record<ActorStatus, number> = { active: 0, done: 0, error: 0, stopped: 0, parked: 0 };
  const waiting: string[] = [];
  const timersByActor = new Map<string, Set<string>>();
  for await (const timer of store.timers()) {
    const ids = timersByActor.get(timer.actor) ?? new Set<string>();
    ids.add(timer.id);
    timersByActor.set(timer.actor, ids);
  }
  const inboxTargets = new Set<string>();
  for await (const message of store.inbox()) inboxTargets.add(message.to);

  for (const corrupt of await store.corruptActors()) {
    violations.push({ invariant: 'I7', id: corrupt.id, message: `record does not decode and was not parked: ${corrupt.reason}` });
  }
  let actors = 0;
  for await (const record of store.queryActors({})) {
    actors++;
    byStatus[record.status]++;
    const storedTimers = timersByActor.get(record.id) ?? new Set<string>();
    timersByActor.delete(record.id);
    for (const id of Object.keys(record.timers)) {
      if (!storedTimers.has(id)) violations.push({ invariant: 'I2', id: record.id, message: `timer ${id} is on the record but not stored: it would never fire` });
    }
    if (record.status === 'parked' && !record.error) violations.push({ invariant: 'I7', id: record.id, message: 'parked without an error code' });
    if (record.status === 'active') {
      const pending = Object.keys(record.effects).length + storedTimers.size + (inboxTargets.has(record.id) ? 1 : 0);
      if (pending === 0) waiting.push(record.id);
      if (options.expectSettled) violations.push({ invariant: 'I2', id: record.id, message: `still active in state ${record.state}` });
    }
    if (options.checks) violations.push(...(await options.checks(record, port)));
  }
  for (const [actor, ids] of timersByActor) {
    const record = await safeGet(store, actor);
    if (!record || record.status !== 'parked') {
      violations.push({ invariant: 'I2', id: actor, message: `timers ${[...ids].join(', ')} belong to no active actor` });
    }
  }
  for (const target of inboxTargets) {
    const record = await safeGet(store, target);
    if (!record) violations.push({ invariant: 'I2', id: target, message: 'messages wait for an actor that does not exist' });
    else if (record.status !== 'active' && record.status !== 'parked') violations.push({ invariant: 'I4', id: target, message: `messages wait for an actor that is ${record.status}` });
  }
  // A folded count belongs to a parent that is final: one still running may read its children.
  let folded = 0;
  for await (const { key, value } of store.scanRecords<FoldedChildren>(FOLDED)) {
    const parent = await safeGet(store, String(key));
    const states = Object.values(value?.states ?? {}).reduce((sum, n) => sum + n, 0);
    if (!parent) violations.push({ invariant: 'I5', id: String(key), message: `${value?.children} folded children counted for an actor that does not exist` });
    else if (parent.status === 'active' || parent.status === 'parked') violations.push({ invariant: 'I5', id: parent.id, message: `children were folded while it is ${parent.status}` });
    if (!Number.isInteger(value?.children) || states !== value.children) violations.push({ invariant: 'I5', id: String(key), message: `folded count ${value?.children} does not match its states (${states})` });
    folded += value?.children ?? 0;
  }
  return { actors, byStatus, waiting, folded, violations };
}

/** An actor's record, or undefined when it is absent or does not decode (corruptActors reports those). */
async function safeGet(store: Store, id: string): Promise<ActorRecord | undefined> {
  try {
    return await store.getActor(id as ActorRecord['id']);
  } catch {
    return undefined;
  }
}
