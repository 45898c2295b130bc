/**
 * Retention: the store keeps a finished actor's record (its summary, output and
 * counts), the records it wrote (results, registrations, `loaded`, `watch.taken`)
 * and its index entries, but drops its step journal, snapshots included, once it
 * has been final for `olderThanMs`. A watch folder that runs for months thus
 * grows by what each file's record needs, not by every step it took. A parent
 * whose machine declares `foldChildren` (a data load) has its final children
 * folded too, before the journals are pruned (child-fold.ts).
 *
 * An actor that is not final (active or parked: it may step again) keeps every
 * journal entry; only the snapshots of its entries older than the retention go
 * (its record keeps its current snapshot, which is all recovery restores), and
 * only for a long journal (LONG entries or more: a watch takes a step per file),
 * where they add up. Its latest entry keeps its snapshot.
 *
 * What is never dropped: a journal entry of an actor that is not final, and
 * anything recovery reads (recovery.ts reads active actors' records, the inbox
 * and the timers; the journal only for the last state of a record that does not
 * decode: retention skips such a record, and one damaged after its journal went
 * is placed from the machine index, which `identityOf` scans when no journal
 * entry names its state). The store checks finality again inside the
 * transaction that removes, so a job deleted and made again meanwhile loses nothing.
 *
 * It runs in the owner, in the background, in small transactions: PAGE actors'
 * keys are read per turn, at most MAX_ENTRIES entries removed per transaction,
 * and the event loop turns between them, so steps commit in between and never
 * wait behind a long prune (a pass over 401 finished actors, 1,601 entries,
 * took 108 ms here on two loaded cores).
 */
import { HoldfastError } from '../errors.js';
import type { ActorId, ActorRecord, JournalPrune, JournalSpan, PruneCount, Store } from '../persistence/store.js';
import { foldPass, type FoldPorts } from './child-fold.js';
import type { Clock } from './clock.js';

/** Seven days: long enough to look into last week's work in the inspector; the default of `retention`. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Actors whose journal keys are read per turn. */
const PAGE = 256;
/** Journal entries removed or rewritten per transaction at most (seq ranges: an upper bound). */
const MAX_ENTRIES = 2_000;
/** An unfinished actor's journal this long or longer has its old snapshots stripped. */
const LONG = 64;
const FINAL = new Set(['done', 'error', 'stopped']);

/** What one pass removed, and the store's pages before and after. */
export interface PruneReport {
  olderThanMs: number;
  /** Journal entries removed. */
  entries: number;
  /** Actors whose journal was dropped. */
  actors: number;
  /** Entries of unfinished actors' journals kept without their snapshots. */
  snapshots: number;
  /** Final children of finished parents folded (child-fold.ts): their records went, a count stays. */
  folded: number;
  /** Stored bytes removed: entries dropped, snapshots stripped. */
  bytes: number;
  /** Pages holding data before and after (LMDB reuses freed pages; its file never shrinks). */
  usedPagesBefore: number;
  usedPagesAfter: number;
  pageSize: number;
  ms: number;
}

export interface RetentionHandle {
  /** Runs one pass now (after the one running, if any) with its own age. */
  prune(olderThanMs: number): Promise<PruneReport>;
  /** Stops the periodic passes; resolves once the running one has stopped between transactions. */
  stop(): Promise<void>;
}

type RetentionStore = Pick<Store, 'journalSpans' | 'pruneJournal' | 'stripJournalSnapshots' | 'getActor' | 'usage'>;

export interface PassOptions {
  /** Asked between transactions: true ends the pass there. */
  stopped?: () => boolean;
  /** How far each unfinished journal was stripped, remembered across passes. */
  marks?: Map<ActorId, number>;
  /** Entries per transaction at most. @default 2000 */
  maxEntries?: number;
}

/**
 * One pass over every actor that has a journal: drops the journals of those final for
 * `olderThanMs`, and the old snapshots of long unfinished ones.
 */
export async function prunePass(store: RetentionStore, now: number, olderThanMs: number, options: PassOptions = {}): Promise<PruneReport> {
  const { stopped = () => false, marks = new Map<ActorId, number>(), maxEntries = MAX_ENTRIES } = options;
  if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
    throw new HoldfastError('INVALID_INPUT', `a retention age is a non-negative number of milliseconds, got ${String(olderThanMs)}`);
  }
  const started = performance.now();
  const before = await store.usage();
  const finalBefore = now - olderThanMs;
  const total: PruneCount = { entries: 0, actors: 0, bytes: 0, skipped: 0 };
  let snapshots = 0;
  let after: ActorId | undefined;
  const unfinished = new Set<ActorId>();
  while (!stopped()) {
    const spans = await store.journalSpans(after, PAGE);
    if (spans.length === 0) break;
    after = spans[spans.length - 1]!.actor;
    const finished: JournalSpan[] = [];
    for (const span of spans) {
      const kind = await classify(store, span, finalBefore);
      if (kind === 'finished') {
        finished.push(span);
        marks.delete(span.actor);
      }
      if (kind !== 'unfinished') continue;
      unfinished.add(span.actor);
      // Up to the entry before the latest; from where the last pass stopped.
      let from = Math.max(span.first, (marks.get(span.actor) ?? -1) + 1);
      while (from < span.last && !stopped()) {
        const to = Math.min(span.last - 1, from + maxEntries - 1);
        const stripped = await store.stripJournalSnapshots(span.actor, from, to, finalBefore);
        snapshots += stripped.entries;
        total.bytes += stripped.bytes;
        if (stripped.through >= from) marks.set(span.actor, stripped.through);
        await nextTurn();
        if (stripped.through < to) break; // the rest is younger than the retention
        from = to + 1;
      }
    }
    for (const group of transactions(finished, maxEntries)) {
      if (stopped()) break;
      add(total, await store.pruneJournal(group, finalBefore));
      await nextTurn(); // steps commit between prunes
    }
    await nextTurn();
  }
  // A whole pass saw every long unfinished journal: marks of any other (deleted since) go.
  if (!stopped()) for (const actor of marks.keys()) if (!unfinished.has(actor)) marks.delete(actor);
  const afterUsage = await store.usage();
  return {
    olderThanMs,
    entries: total.entries,
    actors: total.actors,
    snapshots,
    folded: 0,
    bytes: total.bytes,
    usedPagesBefore: before.usedPages,
    usedPagesAfter: afterUsage.usedPages,
    pageSize: afterUsage.pageSize,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * Starts periodic passes (the first after `everyMs`), each dropping journals final for
 * `olderThanMs`; `onPruned` hears each pass that removed something, `onError` a pass that failed
 * (the next one tries again: a full disk, say).
 */
export function startRetention(
  store: RetentionStore,
  clock: Pick<Clock, 'now'>,
  options: { olderThanMs: number | false; everyMs?: number; fold?: FoldPorts },
  hooks: { onPruned?: (report: PruneReport) => void; onError: (error: unknown) => void },
): RetentionHandle {
  const { olderThanMs } = options;
  const everyMs = options.everyMs ?? (olderThanMs === false ? 0 : retentionInterval(olderThanMs));
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const marks = new Map<ActorId, number>();
  /** Passes run one at a time: a `holdfast prune` waits for the periodic one. */
  let running: Promise<unknown> = Promise.resolve();
  const run = (age: number): Promise<PruneReport> => {
    const pass = running.then(async () => {
      // Folded first: the journals of the children it removes need no pruning.
      const started = performance.now();
      const before = await store.usage();
      const folded = options.fold ? await foldPass(options.fold, clock.now(), age, { stopped: () => stopping }) : { children: 0 };
      const report = await prunePass(store, clock.now(), age, { stopped: () => stopping, marks });
      return { ...report, folded: folded.children, usedPagesBefore: before.usedPages, ms: Math.round(performance.now() - started) };
    });
    running = pass.catch(() => {});
    return pass;
  };
  const schedule = () => {
    if (stopping || olderThanMs === false) return;
    timer = setTimeout(() => {
      timer = undefined;
      run(olderThanMs).then(
        (report) => {
          if (report.entries > 0 || report.snapshots > 0 || report.folded > 0) hooks.onPruned?.(report);
        },
        (error: unknown) => {
          // A full disk is already reported by the committer (runtime.storageFull); the next pass tries again.
          if (!stopping && !(error instanceof HoldfastError && error.code === 'STORAGE_FULL')) hooks.onError(error);
        },
      ).finally(schedule);
    }, everyMs);
    timer.unref(); // retention never keeps a process alive: a closing runtime just prunes less
  };
  schedule();
  return {
    prune: (age) => {
      if (stopping) return Promise.reject(new HoldfastError('RUNTIME_CLOSED', 'the runtime is closed'));
      return run(age);
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** A tenth of the age, between one second and one hour: a 7-day retention looks hourly, a 0 one every second. */
export function retentionInterval(olderThanMs: number): number {
  return Math.min(60 * 60 * 1000, Math.max(1_000, Math.floor(olderThanMs / 10)));
}

/**
 * `finished`: final for long enough, its journal goes (the store checks again inside the
 * transaction); `unfinished`: may step again and has a long journal, its old snapshots go.
 */
async function classify(store: RetentionStore, span: JournalSpan, finalBefore: number): Promise<'finished' | 'unfinished' | 'kept'> {
  let record: ActorRecord | undefined;
  try {
    record = await store.getActor(span.actor);
  } catch {
    return 'kept'; // does not decode: the scrub parks it, its journal stays as it is
  }
  if (record === undefined) return 'kept';
  if (FINAL.has(record.status)) return record.updatedAt <= finalBefore ? 'finished' : 'kept';
  return span.last - span.first + 1 >= LONG ? 'unfinished' : 'kept';
}

/** Groups the spans into prunes of at most `maxEntries` seqs per transaction; a long journal is split. */
function* transactions(spans: readonly JournalSpan[], maxEntries: number): Iterable<JournalPrune[]> {
  let group: JournalPrune[] = [];
  let size = 0;
  for (const span of spans) {
    for (let from = span.first; from <= span.last; from += maxEntries) {
      const through = Math.min(span.last, from + maxEntries - 1);
      if (size + (through - from + 1) > maxEntries && group.length > 0) {
        yield group;
        group = [];
        size = 0;
      }
      group.push({ actor: span.actor, fromSeq: from, throughSeq: through });
      size += through - from + 1;
    }
  }
  if (group.length > 0) yield group;
}

function add(total: PruneCount, count: PruneCount): void {
  total.entries += count.entries;
  total.actors += count.actors;
  total.bytes += count.bytes;
  total.skipped += count.skipped;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
