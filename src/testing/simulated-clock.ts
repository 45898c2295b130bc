/**
 * A Clock for tests (STYLE.md: time is injected): time stands still until
 * `advance(ms)` moves it, firing every timeout that falls due on the way, in
 * due order (ties in the order they were set), each seeing `now()` equal to
 * its own due time. Timeouts set by a firing callback fire in the same
 * `advance` if they fall due within it.
 */
import type { Clock } from '../runtime/clock.js';

interface Timeout {
  id: number;
  due: number;
  callback: () => void;
}

export class SimulatedClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timeouts = new Map<number, Timeout>();

  /** @param start the initial time in epoch milliseconds. @default 0 */
  constructor(start = 0) {
    this.time = start;
  }

  now = (): number => this.time;

  setTimeout = (callback: () => void, ms: number): number => {
    const id = this.nextId++;
    this.timeouts.set(id, { id, due: this.time + Math.max(0, Number.isFinite(ms) ? ms : 0), callback });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    if (typeof handle === 'number') this.timeouts.delete(handle);
  };

  /** Timeouts set and not yet fired or cleared. */
  get pending(): number {
    return this.timeouts.size;
  }

  /** The due time of the earliest pending timeout, if any. */
  get nextDue(): number | undefined {
    return this.earliest()?.due;
  }

  /**
   * Moves time forward by `ms` (0 fires what is already due), firing due
   * timeouts in order. A callback that throws stops the advance and rethrows;
   * time then stands at that callback's due time.
   * @throws RangeError for a negative or non-finite `ms`
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms) needs a finite, non-negative ms; got ${ms}`);
    const target = this.time + ms;
    for (let next = this.earliest(); next && next.due <= target; next = this.earliest()) {
      this.timeouts.delete(next.id);
      this.time = Math.max(this.time, next.due);
      next.callback();
    }
    this.time = target;
  }

  /** Sets the time to `time` (not earlier than now), firing what falls due. */
  advanceTo(time: number): void {
    this.advance(Math.max(0, time - this.time));
  }

  private earliest(): Timeout | undefined {
    let best: Timeout | undefined;
    for (const timeout of this.timeouts.values()) {
      if (!best || timeout.due < best.due || (timeout.due === best.due && timeout.id < best.id)) best = timeout;
    }
    return best;
  }
}
