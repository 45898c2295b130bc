/**
 * What a runtime is doing at one moment, read without changing anything: the
 * steps waiting for a group commit, the effects running and waiting per queue,
 * the timers armed in memory, and the store's size. `/metrics` samples it.
 */
import type { StoreStats } from '../persistence/store.js';

export interface RuntimeWorkload {
  /** Steps computed and waiting for their group commit (not those inside one). */
  commitBacklog: number;
  /** Effects running and waiting for a slot, per named queue ('' for effects of no queue). */
  queues: Record<string, { running: number; waiting: number }>;
  /** Timers armed in memory (durable ones of passivated actors are armed when due). */
  timers: number;
  /** The store's size and free map; undefined for a store that cannot tell. */
  store: StoreStats | undefined;
}
