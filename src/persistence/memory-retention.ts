/**
 * Retention's storage operations on the memory store (the Store port's
 * `journalSpans`, `pruneJournal`, `stripJournalSnapshots` and `usage`), with the
 * LMDB store's semantics (lmdb-retention.ts): each call is one transaction over
 * drafts of the tables, published at once.
 */
import { decodeActorRecord } from './actor-codec.js';
import { decodeJournalEntry, encodeJournalEntry } from './journal-codec.js';
import { bytesOf, draftsOf, publish, stored, TABLES, type Tables } from './memory-tables.js';
import { decodeKey, encodeKey } from './ordered-keys.js';
import type { ActorId, ActorStatus, JournalPrune, JournalSpan, PruneCount, StoreUsage } from './store.js';

const FINAL: ReadonlySet<ActorStatus> = new Set<ActorStatus>(['done', 'error', 'stopped']);
const LAST_SEQ = Number.MAX_SAFE_INTEGER;
/** The memory store has no pages: its usage counts the bytes it holds in pages of this size. */
const PAGE_BYTES = 4_096;

export function journalSpansIn(tables: Tables, after: ActorId | undefined, limit: number): JournalSpan[] {
  const spans: JournalSpan[] = [];
  let start = after === undefined ? undefined : encodeKey([after, LAST_SEQ]);
  while (spans.length < limit) {
    const first = firstOf(tables.journal.entries(start === undefined ? {} : { start, exclusiveStart: true }));
    if (!first) return spans;
    const [actor, firstSeq] = decodeKey(first[0]) as [ActorId, number];
    const last = firstOf(tables.journal.entries({ start: encodeKey([actor, LAST_SEQ]), end: encodeKey([actor, -1]), reverse: true }));
    spans.push({ actor, first: firstSeq, last: last ? (decodeKey(last[0])[1] as number) : firstSeq });
    start = encodeKey([actor, LAST_SEQ]);
  }
  return spans;
}

/** Returns the tables with the prunes applied, and what they removed. */
export function pruneJournalIn(tables: Tables, prunes: readonly JournalPrune[], finalBefore: number): { tables: Tables; count: PruneCount } {
  const drafts = draftsOf(tables);
  const count: PruneCount = { entries: 0, actors: 0, bytes: 0, skipped: 0 };
  for (const prune of prunes) {
    if (!stillFinal(tables, prune.actor, finalBefore)) {
      count.skipped++;
      continue;
    }
    const range = { start: encodeKey([prune.actor, prune.fromSeq]), end: encodeKey([prune.actor, prune.throughSeq + 1]) };
    const keys: string[] = [];
    for (const [key, value] of drafts.journal.entries(range)) {
      keys.push(key);
      count.bytes += value.length;
    }
    for (const key of keys) drafts.journal.delete(key);
    count.entries += keys.length;
    const left = firstOf(drafts.journal.entries({ start: encodeKey([prune.actor, 0]), end: encodeKey([prune.actor, LAST_SEQ]) }));
    if (keys.length > 0 && !left) count.actors++;
  }
  return { tables: publish(drafts), count };
}

export function stripSnapshotsIn(tables: Tables, actor: ActorId, fromSeq: number, throughSeq: number, before: number): { tables: Tables; result: { entries: number; bytes: number; through: number } } {
  const drafts = draftsOf(tables);
  const result = { entries: 0, bytes: 0, through: throughSeq };
  for (const [key, value] of tables.journal.entries({ start: encodeKey([actor, fromSeq]), end: encodeKey([actor, throughSeq + 1]) })) {
    const seq = decodeKey(key)[1] as number;
    let entry;
    try {
      entry = decodeJournalEntry(seq, bytesOf(value), `journal of ${actor}`);
    } catch {
      continue; // left as it is: checkIntegrity reports it
    }
    if (entry.at > before) {
      result.through = seq - 1;
      break;
    }
    if (entry.snapshot === undefined) continue;
    const { snapshot: _dropped, ...rest } = entry;
    const smaller = encodeJournalEntry(rest);
    drafts.journal.set(key, stored(smaller));
    result.bytes += value.length - smaller.length;
    result.entries++;
  }
  return { tables: publish(drafts), result };
}

export function usageIn(tables: Tables): StoreUsage {
  let bytes = 0;
  for (const table of TABLES) for (const [key, value] of tables[table].entries()) bytes += key.length + value.length;
  const pages = Math.ceil(bytes / PAGE_BYTES);
  return { pageSize: PAGE_BYTES, usedPages: pages, filePages: pages };
}

function stillFinal(tables: Tables, id: ActorId, finalBefore: number): boolean {
  const bytes = tables.actors.get(encodeKey([id]));
  if (bytes === undefined) return false;
  try {
    const record = decodeActorRecord(id, bytesOf(bytes));
    return FINAL.has(record.status) && record.updatedAt <= finalBefore;
  } catch {
    return false;
  }
}

function firstOf<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}
