/**
 * Composite keys of the `index` database. Each actor appears under:
 *   ['p', parent or '', id]        children of a parent; '' lists the top actors
 *   ['r', root, id]                the rest of a job (tree): its top actor and actors deeper than its
 *                                  children, which ['p', root] lists already (an import's 300,000)
 *   ['m', machine, state, id]      by machine and state
 *   ['s', status, id]              by status; recovery scans ['s', 'active']
 * A job's actors are the union of ['p', root] and ['r', root] (store format 3).
 */
import type { ActorFilter, ActorRecord } from './store.js';

export type IndexKey = (string | number)[];

/** Sorts after every id: ordered-binary puts numbers before strings. */
export const HIGH = '\uffff\uffff';

export function indexKeysOf(record: ActorRecord): IndexKey[] {
  const keys: IndexKey[] = [['p', record.parent ?? '', record.id]];
  if (record.parent === undefined || record.parent !== record.root) keys.push(['r', record.root, record.id]);
  keys.push(['m', record.machine, record.state, record.id], ['s', record.status, record.id]);
  return keys;
}

/**
 * The keys to delete and to put when `previous` becomes `next`. Compared field by
 * field, so a step that changes only its state builds two keys, not eight (every
 * durable step of every actor passes here).
 */
export function indexChanges(previous: ActorRecord | undefined, next: ActorRecord): { removed: IndexKey[]; added: IndexKey[] } {
  if (!previous) return { removed: [], added: indexKeysOf(next) };
  const removed: IndexKey[] = [];
  const added: IndexKey[] = [];
  const sameId = previous.id === next.id;
  if (!sameId || previous.parent !== next.parent) {
    removed.push(['p', previous.parent ?? '', previous.id]);
    added.push(['p', next.parent ?? '', next.id]);
  }
  const rootKeyBefore = previous.parent === undefined || previous.parent !== previous.root;
  const rootKeyAfter = next.parent === undefined || next.parent !== next.root;
  if (rootKeyBefore !== rootKeyAfter || (rootKeyAfter && (!sameId || previous.root !== next.root))) {
    if (rootKeyBefore) removed.push(['r', previous.root, previous.id]);
    if (rootKeyAfter) added.push(['r', next.root, next.id]);
  }
  if (!sameId || previous.machine !== next.machine || previous.state !== next.state) {
    removed.push(['m', previous.machine, previous.state, previous.id]);
    added.push(['m', next.machine, next.state, next.id]);
  }
  if (!sameId || previous.status !== next.status) {
    removed.push(['s', previous.status, previous.id]);
    added.push(['s', next.status, next.id]);
  }
  return { removed, added };
}

export interface IndexRange {
  start: IndexKey;
  end: IndexKey;
}

/**
 * The index ranges answering a filter, from its most selective condition: one
 * range, or for a job the two that hold its actors (each actor in one of them).
 * `rootKeyForEveryActor`: the layout of formats 1 and 2, where ['r', root] alone holds a job.
 */
export function rangesFor(filter: ActorFilter, layout: { rootKeyForEveryActor?: boolean } = {}): IndexRange[] {
  const span = (prefix: IndexKey) => ({ start: prefix, end: [...prefix, HIGH] });
  // A store of format 1 or 2 read without being opened for writing still has a root key for every actor.
  if (layout.rootKeyForEveryActor && filter.parent === undefined && !filter.topOnly && filter.root !== undefined && (filter.machine === undefined || filter.state === undefined)) {
    return [span(['r', filter.root])];
  }
  if (filter.parent !== undefined) return [span(['p', filter.parent])];
  if (filter.topOnly) return [span(['p', ''])];
  if (filter.machine !== undefined && filter.state !== undefined) return [span(['m', filter.machine, filter.state])];
  if (filter.root !== undefined) return [span(['r', filter.root]), span(['p', filter.root])];
  if (filter.machine !== undefined) return [span(['m', filter.machine])];
  if (filter.status !== undefined) return [span(['s', filter.status])];
  return [span(['p'])];
}

/** True when the ranges of `rangesFor(filter)` hold exactly the actors the filter asks for: counting needs no record. */
export function rangeAnswers(filter: ActorFilter): boolean {
  const conditions = (['parent', 'root', 'machine', 'state', 'status'] as const).filter((key) => filter[key] !== undefined).length + (filter.topOnly ? 1 : 0);
  if (conditions <= 1) return true;
  return conditions === 2 && filter.machine !== undefined && filter.state !== undefined;
}

/** The remaining conditions of a filter, checked on each record the range yields. */
export function matches(record: ActorRecord, filter: ActorFilter): boolean {
  return (
    (filter.parent === undefined || (record.parent ?? '') === filter.parent) &&
    (!filter.topOnly || record.parent === undefined) &&
    (filter.root === undefined || record.root === filter.root) &&
    (filter.machine === undefined || record.machine === filter.machine) &&
    (filter.state === undefined || record.state === filter.state) &&
    (filter.status === undefined || record.status === filter.status)
  );
}

/** Two ascending id streams as one, in the store's key order (UTF-8 bytes, that is code points). */
export function* mergeIds<T extends string>(a: Iterable<T>, b: Iterable<T>): Iterable<T> {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  let x = left.next();
  let y = right.next();
  while (!x.done && !y.done) {
    if (compareCodePoints(x.value, y.value) <= 0) {
      yield x.value;
      x = left.next();
    } else {
      yield y.value;
      y = right.next();
    }
  }
  for (; !x.done; x = left.next()) yield x.value;
  for (; !y.done; y = right.next()) yield y.value;
}

function compareCodePoints(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}
