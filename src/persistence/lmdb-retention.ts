/**
 * Retention's storage operations on LMDB (the Store port's `journalSpans`,
 * `pruneJournal` and `usage`), kept apart from the commit path of
 * lmdb-store.ts: pruning never rides in a step's commit, and a step never waits
 * on a prune longer than one small transaction.
 */
import type { Database, RootDatabase } from 'lmdb';
import { decodeActorRecord } from './actor-codec.js';
import { decodeJournalEntry, encodeJournalEntry } from './journal-codec.js';
import type { ActorId, ActorStatus, JournalPrune, JournalSpan, PruneCount, StoreUsage } from './store.js';

type Key = (string | number)[];
type Db = Database<Buffer, Key>;

/** Statuses after which an actor takes no further step: its journal is history only. */
const FINAL: ReadonlySet<ActorStatus> = new Set<ActorStatus>(['done', 'error', 'stopped']);
const LAST_SEQ = Number.MAX_SAFE_INTEGER;

/** Reads `journal` keys only: per actor its first key, then its last (one reverse seek), then skips past it. */
export function readJournalSpans(journal: Db, after: ActorId | undefined, limit: number): JournalSpan[] {
  const spans: JournalSpan[] = [];
  let start: Key | undefined = after === undefined ? undefined : [after, LAST_SEQ];
  while (spans.length < limit) {
    const range = start === undefined ? { limit: 1 } : { start, exclusiveStart: true, limit: 1 };
    const first = firstOf(journal.getKeys(range));
    if (!isJournalKey(first)) return spans;
    const actor = first[0] as ActorId;
    const last = firstOf(journal.getKeys({ start: [actor, LAST_SEQ], end: [actor, -1], reverse: true, limit: 1 }));
    spans.push({ actor, first: first[1] as number, last: isJournalKey(last) ? (last[1] as number) : (first[1] as number) });
    start = [actor, LAST_SEQ];
  }
  return spans;
}

/**
 * One write transaction (lmdb-js `transaction`: its callback runs inside it, so the
 * records it reads are those the removals commit against). Reads `actors` [id] of each
 * prune; removes `journal` [id, seq] for seq in fromSeq..throughSeq when the record is
 * still final and last changed at or before `finalBefore`.
 */
export function pruneJournalEntries(root: RootDatabase<Buffer, Key>, dbs: { actors: Db; journal: Db }, prunes: readonly JournalPrune[], finalBefore: number): Promise<PruneCount> {
  return root.transaction(() => {
    const count: PruneCount = { entries: 0, actors: 0, bytes: 0, skipped: 0 };
    for (const prune of prunes) {
      if (!stillFinal(dbs.actors, prune.actor, finalBefore)) {
        count.skipped++;
        continue;
      }
      const keys: Key[] = [];
      for (const { key, value } of dbs.journal.getRange({ start: [prune.actor, prune.fromSeq], end: [prune.actor, prune.throughSeq + 1] })) {
        keys.push(key);
        count.bytes += value.length;
      }
      for (const key of keys) dbs.journal.removeSync(key);
      count.entries += keys.length;
      // Counted once its journal is empty: a long one split over several transactions counts in the last.
      if (keys.length > 0 && firstOf(dbs.journal.getKeys({ start: [prune.actor, 0], end: [prune.actor, LAST_SEQ], limit: 1 })) === undefined) count.actors++;
    }
    return count;
  });
}

/**
 * One write transaction: reads `journal` [actor, fromSeq..throughSeq] in order, stops at the
 * first entry written after `before`, and puts back each older one that carries a snapshot
 * without it. An entry that does not decode is left as it is (checkIntegrity reports it).
 */
export function stripSnapshots(root: RootDatabase<Buffer, Key>, journal: Db, actor: ActorId, fromSeq: number, throughSeq: number, before: number): Promise<{ entries: number; bytes: number; through: number }> {
  return root.transaction(() => {
    const result = { entries: 0, bytes: 0, through: throughSeq };
    const rewrites: [Key, Buffer][] = [];
    let stoppedAt: number | undefined;
    for (const { key, value } of journal.getRange({ start: [actor, fromSeq], end: [actor, throughSeq + 1] })) {
      const seq = key[1] as number;
      let entry;
      try {
        entry = decodeJournalEntry(seq, value, `journal of ${actor}`);
      } catch {
        continue;
      }
      if (entry.at > before) {
        stoppedAt = seq;
        break;
      }
      if (entry.snapshot === undefined) continue;
      const { snapshot: _dropped, ...rest } = entry;
      const smaller = encodeJournalEntry(rest);
      rewrites.push([key, smaller]);
      result.bytes += value.length - smaller.length;
    }
    // Removed, then put back smaller: LMDB merges a page that fell under a quarter full only on a
    // delete, so rewriting in place left a watch's journal pages 13% full (168 pages for 48 KB; 49 this way).
    for (const [key] of rewrites) journal.removeSync(key);
    for (const [key, value] of rewrites) journal.putSync(key, value);
    result.entries = rewrites.length;
    if (stoppedAt !== undefined) result.through = stoppedAt - 1;
    return result;
  });
}

/** Sums every named database's pages and the main database's (which names them); `lastPageNumber` is the file's reach. */
export function usageOf(root: RootDatabase<Buffer, Key>, dbs: readonly Db[]): StoreUsage {
  const rootStats = root.getStats() as LmdbStats & { lastPageNumber: number };
  let usedPages = pagesOf(rootStats);
  for (const db of dbs) usedPages += pagesOf(db.getStats() as LmdbStats);
  return { pageSize: rootStats.pageSize, usedPages, filePages: rootStats.lastPageNumber + 1 };
}

interface LmdbStats {
  pageSize: number;
  treeBranchPageCount: number;
  treeLeafPageCount: number;
  overflowPages: number;
}

function pagesOf(stats: LmdbStats): number {
  return stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages;
}

/** A record that is gone or does not decode is not final as far as retention knows: its journal stays. */
function stillFinal(actors: Db, id: ActorId, finalBefore: number): boolean {
  const bytes = actors.get([id]);
  if (bytes === undefined) return false;
  try {
    const record = decodeActorRecord(id, bytes);
    return FINAL.has(record.status) && record.updatedAt <= finalBefore;
  } catch {
    return false; // the scrub parks it; its journal may help whoever looks at it
  }
}

function firstOf<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}

function isJournalKey(key: unknown): key is Key {
  return Array.isArray(key) && key.length === 2 && typeof key[1] === 'number';
}
