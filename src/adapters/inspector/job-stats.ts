/**
 * A job's tree by machine, state and status. The index has no (root, state)
 * key, so this reads the tree's records: in chunks of a few milliseconds, with
 * the event loop free between them, and again while the job changes, at most
 * as often as 20 times the last scan's cost allows (a million-actor tree takes
 * seconds to read; the runtime keeps its pace meanwhile). Only jobs that a
 * client follows are scanned.
 */
import type { ActorId, ActorRecord } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { JobStats, StateCounts, StatusCounts } from './inspector-protocol.js';

export interface JobStatsOptions {
  /** Longest run of reading before the event loop gets a turn. @default 8 */
  sliceMs?: number;
  /** Shortest time between two scans of one job. @default 1000 */
  minIntervalMs?: number;
  /** Partial results of a first scan are published this often. @default 250 */
  progressMs?: number;
}

interface Entry {
  watchers: number;
  stats: JobStats | undefined;
  scanning: boolean;
  dirty: boolean;
  nextAt: number;
}

export class JobStatsScanner {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  private readonly sliceMs: number;
  private readonly minIntervalMs: number;
  private readonly progressMs: number;

  constructor(
    private readonly runtime: Runtime,
    private readonly publish: (stats: JobStats) => void,
    options: JobStatsOptions = {},
  ) {
    this.sliceMs = options.sliceMs ?? 8;
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    this.progressMs = options.progressMs ?? 250;
  }

  /** Latest stats of a job, complete or not, if it was scanned. */
  get(root: string): JobStats | undefined {
    return this.entries.get(root)?.stats;
  }

  /** A client follows a job: scan it now if never scanned, then whenever it changes. */
  watch(root: string): JobStats | undefined {
    let entry = this.entries.get(root);
    if (!entry) this.entries.set(root, (entry = { watchers: 0, stats: undefined, scanning: false, dirty: true, nextAt: 0 }));
    entry.watchers++;
    this.schedule(root, entry, performance.now());
    return entry.stats;
  }

  unwatch(root: string): void {
    const entry = this.entries.get(root);
    if (!entry) return;
    entry.watchers--;
    if (entry.watchers <= 0 && !entry.scanning) this.entries.delete(root);
  }

  /** Something in the job's tree stepped or spawned. */
  touched(root: string): void {
    const entry = this.entries.get(root);
    if (entry) entry.dirty = true;
  }

  /** Starts the scans that are due (called every tick). */
  tick(): void {
    const now = performance.now();
    for (const [root, entry] of this.entries) this.schedule(root, entry, now);
  }

  close(): void {
    this.closed = true;
    this.entries.clear();
  }

  private schedule(root: string, entry: Entry, now: number): void {
    if (!entry.dirty || entry.scanning || entry.watchers <= 0 || now < entry.nextAt) return;
    entry.dirty = false;
    entry.scanning = true;
    void this.scan(root, entry).finally(() => {
      entry.scanning = false;
      if (entry.watchers <= 0) this.entries.delete(root);
    });
  }

  private async scan(root: string, entry: Entry): Promise<void> {
    // Never within the caller's turn: a client's request is answered before the scan's first result.
    await new Promise((resolve) => setImmediate(resolve));
    const started = Date.now();
    const total = await this.runtime.count({ root: root as ActorId });
    const byStatus: StatusCounts = {};
    const byState: StateCounts = {};
    let scanned = 0;
    let busyMs = 0;
    let lastPublished = performance.now();
    const first = entry.stats === undefined;
    const records = this.runtime.actors({ root: root as ActorId })[Symbol.asyncIterator]();
    try {
      for (;;) {
        if (this.closed || entry.watchers <= 0) return;
        const sliceStart = performance.now();
        let next: IteratorResult<ActorRecord> | undefined;
        while (performance.now() - sliceStart < this.sliceMs && !(next = await records.next()).done) {
          const record = next.value;
          byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
          const states = (byState[record.machine] ??= {});
          states[record.state] = (states[record.state] ?? 0) + 1;
          scanned++;
        }
        busyMs += performance.now() - sliceStart;
        const done = next?.done === true;
        const stats: JobStats = { id: root, total: done ? scanned : Math.max(total, scanned), scanned, complete: done, byStatus, byState, at: started };
        if (done) {
          entry.stats = stats;
          entry.nextAt = performance.now() + Math.max(this.minIntervalMs, busyMs * 20);
          this.publish(stats);
          return;
        }
        if (first && performance.now() - lastPublished >= this.progressMs) {
          lastPublished = performance.now();
          entry.stats = structuredClone(stats);
          this.publish(entry.stats);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      await records.return?.(); // closes the store's cursor when the scan stops early
    }
  }
}
