/**
 * `GET /metrics` (docs/metrics.md): the runtime in Prometheus's text format,
 * with prom-client on a registry of this server's own (two servers in one
 * process count apart). Counters and histograms move with the runtime's events
 * (a few additions per event, in the runtime's listener); gauges are read when
 * scraped: actors per machine and state from the inspector's live counts (no
 * index scan per scrape), queue depths and the store's size from
 * `runtime.workload()`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StateCounts, StatusCounts } from '../inspector/inspector-protocol.js';
import type { Runtime } from '../../runtime/runtime.js';

/** What the metrics read of the inspector: its live counts per machine and state, and per status. */
export interface LiveCounts {
  readonly context: { counts: StateCounts; statusCounts: StatusCounts };
}

export interface ServeMetrics {
  readonly contentType: string;
  /** The exposition text, read now. */
  scrape(): Promise<string>;
  /** Stops listening to the runtime. Idempotent. */
  close(): void;
}

/** Commits take a fraction of a millisecond (no sync) to tens of milliseconds (fsync on a busy disk). */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Group commit: one step alone when idle, up to 5,000 per transaction (committer.ts). */
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000];
/** Effects: a hash of a small file (milliseconds) to a copy of a large one or an HTTP call with retries (minutes). */
const EFFECT_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Registers holdfast's metrics for `runtime` on a registry of their own and starts counting. */
export function createServeMetrics(runtime: Runtime, live: LiveCounts): ServeMetrics {
  const registry = new Registry();
  const registers = [registry];
  const steps = new Counter({ name: 'holdfast_steps_total', help: 'Steps taken (committed transitions of one actor), by machine; rate() gives steps per second.', labelNames: ['machine'], registers });
  const spawned = new Counter({ name: 'holdfast_actors_spawned_total', help: 'Actors spawned, by machine.', labelNames: ['machine'], registers });
  const parked = new Counter({ name: 'holdfast_actors_parked_total', help: 'Actors parked (a poison actor, a corrupt record, an incompatible version), by error code.', labelNames: ['code'], registers });
  const commits = new Histogram({ name: 'holdfast_commit_duration_seconds', help: 'Time from handing a group commit to the store until it is durable.', buckets: COMMIT_BUCKETS, registers });
  const batch = new Histogram({ name: 'holdfast_commit_steps', help: 'Steps per group commit.', buckets: BATCH_BUCKETS, registers });
  const effectDuration = new Histogram({ name: 'holdfast_effect_duration_seconds', help: 'Duration of effect attempts that finished, by effect.', labelNames: ['effect'], buckets: EFFECT_BUCKETS, registers });
  const effectFailures = new Counter({ name: 'holdfast_effect_failures_total', help: 'Effect attempts that failed, by effect and whether another attempt follows (false: failed for good).', labelNames: ['effect', 'retryable'], registers });
  const storageFull = new Counter({ name: 'holdfast_storage_full_total', help: 'Times a commit found the store\'s disk full (the runtime waits for space).', registers });

  const actors = new Gauge({ name: 'holdfast_actors', help: 'Actors in the store by machine and state (the inspector\'s live counts).', labelNames: ['machine', 'state'], registers });
  const byStatus = new Gauge({ name: 'holdfast_actors_by_status', help: 'Actors in the store by status (active, done, error, stopped, parked).', labelNames: ['status'], registers });
  const running = new Gauge({ name: 'holdfast_effects_running', help: 'Effects running now, by queue ("" for effects of no named queue).', labelNames: ['queue'], registers });
  const waiting = new Gauge({ name: 'holdfast_effects_waiting', help: 'Effects waiting for a slot under the limits, by queue.', labelNames: ['queue'], registers });
  const backlog = new Gauge({ name: 'holdfast_commit_backlog', help: 'Steps computed and waiting for their group commit.', registers });
  const timers = new Gauge({ name: 'holdfast_timers_armed', help: 'Durable timers armed in memory.', registers });
  const store = {
    file: new Gauge({ name: 'holdfast_store_file_bytes', help: 'Size of the store\'s data file (data.mdb).', registers }),
    used: new Gauge({ name: 'holdfast_store_used_bytes', help: 'Bytes up to the last page the store has written.', registers }),
    map: new Gauge({ name: 'holdfast_store_map_bytes', help: 'The largest the store\'s memory map may grow to.', registers }),
    freeEntries: new Gauge({ name: 'holdfast_store_free_map_entries', help: 'Entries of LMDB\'s free map (old transactions\' freed pages, reused before the file grows).', registers }),
    freePages: new Gauge({ name: 'holdfast_store_free_map_pages', help: 'Pages the free map itself takes; growth means a long-lived reader pins old pages.', registers }),
    readers: new Gauge({ name: 'holdfast_store_readers', help: 'LMDB reader slots in use.', registers }),
  };

  const unsubscribe = runtime.subscribe((event) => {
    switch (event.type) {
      case 'actor.stepped':
        return steps.inc({ machine: event.machine });
      case 'actor.spawned':
        return spawned.inc({ machine: event.machine });
      case 'actor.parked':
        return parked.inc({ code: event.error.code });
      case 'runtime.committed':
        commits.observe(event.durationMs / 1_000);
        return batch.observe(event.steps);
      case 'effect.finished':
        return effectDuration.observe({ effect: event.src }, event.durationMs / 1_000);
      case 'effect.failed':
        return effectFailures.inc({ effect: event.src, retryable: String(event.willRetry) });
      case 'runtime.storageFull':
        return storageFull.inc();
      default:
        return;
    }
  });

  /** Gauges are set afresh at each scrape: a machine or queue that emptied shows 0 or goes, never a stale count. */
  const sample = () => {
    actors.reset();
    for (const [machine, states] of Object.entries(live.context.counts)) for (const [state, n] of Object.entries(states)) actors.set({ machine, state }, n);
    byStatus.reset();
    for (const [status, n] of Object.entries(live.context.statusCounts)) byStatus.set({ status }, n ?? 0);
    const workload = runtime.workload();
    running.reset();
    waiting.reset();
    for (const [queue, depth] of Object.entries(workload.queues)) {
      running.set({ queue }, depth.running);
      waiting.set({ queue }, depth.waiting);
    }
    backlog.set(workload.commitBacklog);
    timers.set(workload.timers);
    if (workload.store) {
      store.file.set(workload.store.fileBytes);
      store.used.set(workload.store.usedBytes);
      store.map.set(workload.store.mapBytes);
      store.freeEntries.set(workload.store.freeMapEntries);
      store.freePages.set(workload.store.freeMapPages);
      store.readers.set(workload.store.readers);
    }
  };

  let closed = false;
  return {
    contentType: registry.contentType,
    scrape: async () => {
      sample();
      return registry.metrics();
    },
    close: () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      registry.clear();
    },
  };
}
