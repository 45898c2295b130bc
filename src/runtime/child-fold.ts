/**
 * Folding, retention's second half: an actor whose machine declares
 * `foldChildren` (a data load, whose per-file results live in its `entries`
 * and `registrations` records) keeps its own record once it has been final
 * for the retention period, but its final children go: their records, index
 * entries, journals, messages and timers. The `folded` record under the
 * parent's id counts them by state, so views and `verifyStore` know they
 * existed (a load of 1,000 files kept 546 of its 1,002 pages in them).
 *
 * What is never folded: a parent that is not final (it may still read or
 * message its children), a child that is not final (parked: a person may
 * retry it), one finished more recently than the retention, one held in
 * memory here (a step of it may be committing), and one with children of its
 * own (they would be orphans).
 *
 * Crash-safe per page: each page of at most PAGE children is one commit with
 * the parent's updated count, through the runtime's committer (in order with
 * steps), so a kill leaves every page folded or not; the next pass finds the
 * parent again (final, with children left) and goes on.
 * Keys read: the index by machine and status, by parent; `folded` [parent].
 */
import type { ActorId, ActorRecord, ActorStatus, Mutation, Store } from '../persistence/store.js';
import { listOf } from '../persistence/sync-store.js';

/** The records collection the runtime owns: a folded parent's count of its folded children, keyed by its id. */
export const FOLDED = 'folded';

/** What a `folded` record holds. */
export interface FoldedChildren {
  /** Children folded, in all. */
  children: number;
  /** The same by the state each ended in (`registered`, `skipped`...). */
  states: Record<string, number>;
  /** When the last page was folded. */
  at: number;
}

/** Children read and removed per commit. */
const PAGE = 256;
const FINAL: readonly ActorStatus[] = ['done', 'error', 'stopped'];

/** What the fold needs of the runtime: the store's reads, its machines' flags, its commit path. */
export interface FoldPorts {
  /** Its reads may answer now or later (store.ts); the fold is background work and awaits them. */
  store: Pick<Store, 'queryActors' | 'actorIds' | 'getActor' | 'getRecord'>;
  /** Names of the machines whose finished actors' children may be folded. */
  foldable(): readonly string[];
  /** True when the actor is in memory here (stepping, committing): it is left for a later pass. */
  held(id: ActorId): boolean;
  /** Removes the children with `extra` in one commit (actor-host.ts `foldChildren`). */
  removeChildren(parent: ActorId, children: readonly ActorRecord[], extra: Mutation[]): Promise<void>;
}

export interface FoldOptions {
  /** Asked between commits: true ends the pass there. */
  stopped?: () => boolean;
  /** Children per commit. @default 256 */
  page?: number;
}

/** One pass: folds the final children of every foldable parent final since `now - olderThanMs`. Resolves with how many went. */
export async function foldPass(ports: FoldPorts, now: number, olderThanMs: number, options: FoldOptions = {}): Promise<{ children: number; parents: number }> {
  const { stopped = () => false, page = PAGE } = options;
  const finalBefore = now - olderThanMs;
  const total = { children: 0, parents: 0 };
  // Ids first: the index is not read across the commits below.
  const parents: ActorId[] = [];
  for (const machine of ports.foldable()) {
    for (const status of FINAL) for (const record of await listOf(ports.store.queryActors({ machine, status }))) if (record.updatedAt <= finalBefore) parents.push(record.id);
  }
  for (const parent of parents) {
    if (stopped()) break;
    const folded = await foldChildrenOf(ports, parent, now, finalBefore, page, stopped);
    total.children += folded;
    if (folded > 0) total.parents++;
  }
  return total;
}

/** Folds one parent's final children, a page per commit; returns how many went. */
async function foldChildrenOf(ports: FoldPorts, parent: ActorId, now: number, finalBefore: number, page: number, stopped: () => boolean): Promise<number> {
  let kept = 0; // children passed over so far: they stay, and come first in the index
  let folded = 0;
  while (!stopped()) {
    // The parent is final: no step of it lands between these reads and the commit.
    const record = await readable(ports.store, parent);
    if (!record || !FINAL.includes(record.status) || record.updatedAt > finalBefore) return folded;
    const children: ActorRecord[] = [];
    // One more than a page: whether more are left to read.
    const read = await listOf(ports.store.queryActors({ parent, offset: kept, limit: page + 1 }));
    const more = read.length > page;
    for (const child of read.slice(0, page)) {
      if (await foldable(ports, child, finalBefore)) children.push(child);
      else kept++;
    }
    if (children.length === 0 && !more) return folded;
    if (children.length === 0) continue; // a page of children that stay: read on past them
    const count = (await ports.store.getRecord<FoldedChildren>(FOLDED, parent)) ?? { children: 0, states: {}, at: 0 };
    const states = { ...count.states };
    for (const child of children) states[child.state] = (states[child.state] ?? 0) + 1;
    const next: FoldedChildren = { children: count.children + children.length, states, at: now };
    await ports.removeChildren(parent, children, [{ op: 'putRecord', collection: FOLDED, key: parent, value: next }]);
    folded += children.length;
    if (!more) return folded; // the whole list was read: nothing left to fold
    await new Promise((resolve) => setImmediate(resolve)); // steps commit between pages
  }
  return folded;
}

async function foldable(ports: FoldPorts, child: ActorRecord, finalBefore: number): Promise<boolean> {
  if (!FINAL.includes(child.status) || child.updatedAt > finalBefore || ports.held(child.id)) return false;
  return (await listOf(ports.store.actorIds({ parent: child.id, limit: 1 }))).length === 0; // none of its own
}

/** A parent whose record does not decode is left as it is: the scrub parks it. */
async function readable(store: FoldPorts['store'], id: ActorId): Promise<ActorRecord | undefined> {
  try {
    return await store.getActor(id);
  } catch {
    return undefined;
  }
}
