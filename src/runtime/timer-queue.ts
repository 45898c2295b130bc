/**
 * Durable time (contract 5): delayed events are stored with an absolute due
 * time (xstate#5331: XState does not restore `after` delays) and held here in
 * due order, with one host timer armed for the earliest. After a restart, a
 * timer that fell due while the process was down fires at once, once.
 *
 * A binary heap with lazy deletion: add and remove are O(log n) and O(1), so a
 * hundred thousand actors each re-arming a timeout stay cheap (a sorted array
 * with findIndex and splice took 12 s to remove 100,000, measured in the bench).
 */
import type { ActorId, TimerEntry } from '../persistence/store.js';
import type { Clock } from './clock.js';

/** setTimeout's ceiling; longer waits re-arm. */
const MAX_DELAY = 2_147_483_647;

const keyOf = (actor: string, id: string) => `${actor}\u0000${id}`;

/** A heap node: `seq` keeps timers due at the same moment in the order they were added. */
interface Node {
  timer: TimerEntry;
  seq: number;
}

const before = (a: Node, b: Node) => a.timer.due < b.timer.due || (a.timer.due === b.timer.due && a.seq < b.seq);

export class TimerQueue {
  /** Min-heap by due time; an entry whose key no longer maps to it was removed. */
  private readonly heap: Node[] = [];
  private seq = 0;
  private readonly live = new Map<string, TimerEntry>();
  private readonly byActor = new Map<string, Set<string>>();
  private handle: unknown;
  private armedFor = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (timer: TimerEntry) => void,
  ) {}

  get size(): number {
    return this.live.size;
  }

  add(timer: TimerEntry): void {
    const key = keyOf(timer.actor, timer.id);
    this.live.set(key, timer);
    let ids = this.byActor.get(timer.actor);
    if (!ids) this.byActor.set(timer.actor, (ids = new Set()));
    ids.add(timer.id);
    this.push(timer);
    if (timer.due < this.armedFor) this.arm();
  }

  /** True when a timer of the actor waits here. */
  hasActor(actor: ActorId): boolean {
    return this.byActor.has(actor);
  }

  /** Forgets a timer that was cancelled by a committed step. */
  remove(actor: ActorId, id: string): void {
    this.live.delete(keyOf(actor, id));
    const ids = this.byActor.get(actor);
    ids?.delete(id);
    if (ids?.size === 0) this.byActor.delete(actor);
  }

  /** Forgets every timer of an actor (it reached a final state, or was parked). */
  removeActor(actor: ActorId): void {
    for (const id of this.byActor.get(actor) ?? []) this.live.delete(keyOf(actor, id));
    this.byActor.delete(actor);
  }

  close(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.heap.length = 0;
    this.live.clear();
    this.byActor.clear();
  }

  private arm(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = Infinity;
    const first = this.peek();
    if (!first) return;
    this.armedFor = first.due;
    const delay = Math.min(Math.max(0, first.due - this.clock.now()), MAX_DELAY);
    this.handle = this.clock.setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.handle = undefined;
    const now = this.clock.now();
    const fired: TimerEntry[] = [];
    for (let next = this.peek(); next && next.due <= now; next = this.peek()) {
      this.pop();
      this.remove(next.actor, next.id);
      fired.push(next);
    }
    this.arm();
    for (const timer of fired) this.fire(timer);
  }

  /** The earliest live entry, discarding removed ones on the way. */
  private peek(): TimerEntry | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0]!.timer;
      if (this.live.get(keyOf(top.actor, top.id)) === top) return top;
      this.pop();
    }
    return undefined;
  }

  private push(timer: TimerEntry): void {
    const heap = this.heap;
    const node = { timer, seq: this.seq++ };
    heap.push(node);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(node, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = node;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
