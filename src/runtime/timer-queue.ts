/**
 * Durable time (contract 5): delayed events are stored with an absolute due
 * time (xstate#5331: XState does not restore `after` delays) and held here in
 * due order, with one host timer armed for the earliest. After a restart, a
 * timer that fell due while the process was down fires at once, once.
 */
import type { ActorId, TimerEntry } from '../persistence/store.js';
import type { Clock } from './clock.js';

/** setTimeout's ceiling; longer waits re-arm. */
const MAX_DELAY = 2_147_483_647;

export class TimerQueue {
  private readonly entries: TimerEntry[] = [];
  private handle: unknown;
  private armedFor = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (timer: TimerEntry) => void,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  add(timer: TimerEntry): void {
    this.entries.splice(this.insertionPoint(timer.due), 0, timer);
    if (timer.due < this.armedFor) this.arm();
  }

  /** Forgets a timer that was cancelled by a committed step. */
  remove(actor: ActorId, id: string): void {
    const index = this.entries.findIndex((entry) => entry.actor === actor && entry.id === id);
    if (index >= 0) this.entries.splice(index, 1);
  }

  /** Forgets every timer of an actor (it reached a final state, or was deleted). */
  removeActor(actor: ActorId): void {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.actor === actor) this.entries.splice(i, 1);
  }

  close(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.entries.length = 0;
  }

  private insertionPoint(due: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle]!.due <= due) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private arm(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = Infinity;
    const first = this.entries[0];
    if (!first) return;
    this.armedFor = first.due;
    const delay = Math.min(Math.max(0, first.due - this.clock.now()), MAX_DELAY);
    this.handle = this.clock.setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.handle = undefined;
    const now = this.clock.now();
    let due = 0;
    while (due < this.entries.length && this.entries[due]!.due <= now) due++;
    const fired = this.entries.splice(0, due);
    this.arm();
    for (const timer of fired) this.fire(timer);
  }
}
