/**
 * Composite keys of the `index` database. Each actor appears under:
 *   ['p', parent or '', id]        children of a parent; '' lists the top actors
 *   ['r', root, id]                every actor of one job (tree)
 *   ['m', machine, state, id]      by machine and state
 *   ['s', status, id]              by status; recovery scans ['s', 'active']
 */
import type { ActorFilter, ActorRecord } from './store.js';

export type IndexKey = (string | number)[];

/** Sorts after every id: ordered-binary puts numbers before strings. */
export const HIGH = '\uffff\uffff';

export function indexKeysOf(record: ActorRecord): IndexKey[] {
  return [
    ['p', record.parent ?? '', record.id],
    ['r', record.root, record.id],
    ['m', record.machine, record.state, record.id],
    ['s', record.status, record.id],
  ];
}

/** The keys to delete and to put when `previous` becomes `next`. */
export function indexChanges(previous: ActorRecord | undefined, next: ActorRecord): { removed: IndexKey[]; added: IndexKey[] } {
  const added = indexKeysOf(next);
  if (!previous) return { removed: [], added };
  const before = indexKeysOf(previous);
  const removed: IndexKey[] = [];
  const changed: IndexKey[] = [];
  for (let i = 0; i < added.length; i++) {
    const a = added[i]!;
    const b = before[i]!;
    if (a.length !== b.length || a.some((part, j) => part !== b[j])) {
      removed.push(b);
      changed.push(a);
    }
  }
  return { removed, added: changed };
}

/** The index range answering a filter: the most selective condition given. */
export function rangeFor(filter: ActorFilter): { start: IndexKey; end: IndexKey } {
  const span = (prefix: IndexKey) => ({ start: prefix, end: [...prefix, HIGH] });
  if (filter.parent !== undefined) return span(['p', filter.parent]);
  if (filter.topOnly) return span(['p', '']);
  if (filter.machine !== undefined && filter.state !== undefined) return span(['m', filter.machine, filter.state]);
  if (filter.root !== undefined) return span(['r', filter.root]);
  if (filter.machine !== undefined) return span(['m', filter.machine]);
  if (filter.status !== undefined) return span(['s', filter.status]);
  return span(['r']);
}

/** True when the range of `rangeFor(filter)` holds exactly the actors the filter asks for: counting needs no record. */
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
