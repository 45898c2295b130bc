/**
 * Bounds on concurrent effects: one global cap, one per named queue, and one
 * per key (a user, a dataset). Waiters are served first come, first served
 * among those that fit, so a busy key never starves the others and no one
 * waits behind a waiter that cannot run.
 *
 * Waiters are kept in one FIFO per (queue, key) class, each tagged with its
 * arrival number; a freed slot goes to the oldest class head that fits. A
 * class that cannot run is skipped in one step, not waiter by waiter (a scan
 * of 20,000 stuck waiters per release made 20,000 other effects take 3 s).
 */
export interface Limits {
  /** Effects running at once across the runtime. @default 64 */
  concurrency?: number;
  /** Per named queue. */
  queues?: Record<string, number>;
  /** Per key, for effects whose options name a key. @default unlimited */
  perKey?: number;
}

interface Waiter {
  seq: number;
  start: () => void;
  /** Started or aborted: no longer waiting. */
  done: boolean;
}

/** The waiters of one (queue, key) class, oldest first; `head` skips the ones already started. */
interface WaiterClass {
  queue: string | undefined;
  key: string | undefined;
  waiters: Waiter[];
  head: number;
}

export class Limiter {
  private running = 0;
  private readonly perQueue = new Map<string, number>();
  private readonly perKey = new Map<string, number>();
  private readonly classes = new Map<string, WaiterClass>();
  private waitingCount = 0;
  private seq = 0;

  constructor(private readonly limits: Required<Pick<Limits, 'concurrency'>> & Limits) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.waitingCount;
  }

  /** Effects running and waiting per named queue (read-only, for metrics); unnamed ones are under ''. */
  queueDepths(): Record<string, { running: number; waiting: number }> {
    const depths: Record<string, { running: number; waiting: number }> = {};
    const at = (queue: string | undefined) => (depths[queue ?? ''] ??= { running: 0, waiting: 0 });
    for (const queue of Object.keys(this.limits.queues ?? {})) at(queue); // a configured queue shows its zeros
    for (const [queue, running] of this.perQueue) at(queue).running = running;
    at(undefined).running = this.running - [...this.perQueue.values()].reduce((sum, n) => sum + n, 0);
    for (const waiterClass of this.classes.values()) {
      for (let i = waiterClass.head; i < waiterClass.waiters.length; i++) if (!waiterClass.waiters[i]!.done) at(waiterClass.queue).waiting++;
    }
    return depths;
  }

  /** Runs `task` once a slot is free; the slot is freed when it settles. */
  run<T>(queue: string | undefined, key: string | undefined, task: () => Promise<T>, abort?: { readonly signal: AbortSignal }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.take(queue, key);
        let work: Promise<T>;
        try {
          work = task();
        } catch (error) {
          work = Promise.reject(error); // the slot is given back for a task that throws at once, too
        }
        // The caller hears first, then the slot goes to the next waiter.
        void work.then(resolve, reject).finally(() => this.release(queue, key));
      };
      if (this.waitingCount === 0 && this.fits(queue, key)) return start();
      const waiter: Waiter = { seq: this.seq++, start, done: false };
      this.classOf(queue, key).waiters.push(waiter);
      this.waitingCount++;
      // Only a task that waits needs the signal (an AbortController or a LazyAbort makes it then).
      const signal = abort?.signal;
      signal?.addEventListener(
        'abort',
        () => {
          if (waiter.done) return;
          waiter.done = true;
          this.waitingCount--;
          reject(signal.reason);
        },
        { once: true },
      );
      this.drain();
    });
  }

  private classOf(queue: string | undefined, key: string | undefined): WaiterClass {
    const name = `${queue ?? ''}\u0000${key ?? ''}`;
    let waiterClass = this.classes.get(name);
    if (!waiterClass) this.classes.set(name, (waiterClass = { queue, key, waiters: [], head: 0 }));
    return waiterClass;
  }

  private fits(queue: string | undefined, key: string | undefined): boolean {
    if (this.running >= this.limits.concurrency) return false;
    if (queue !== undefined) {
      const cap = this.limits.queues?.[queue];
      if (cap !== undefined && (this.perQueue.get(queue) ?? 0) >= cap) return false;
    }
    if (key !== undefined && this.limits.perKey !== undefined && (this.perKey.get(key) ?? 0) >= this.limits.perKey) return false;
    return true;
  }

  private take(queue: string | undefined, key: string | undefined): void {
    this.running++;
    if (queue !== undefined) this.perQueue.set(queue, (this.perQueue.get(queue) ?? 0) + 1);
    if (key !== undefined) this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
  }

  /** Gives a finished task's slot back and starts the waiters it lets in. */
  private release(queue: string | undefined, key: string | undefined): void {
    this.running--;
    if (queue !== undefined) decrement(this.perQueue, queue);
    if (key !== undefined) decrement(this.perKey, key);
    this.drain();
  }

  /** Starts the oldest waiters that fit, while slots last. */
  private drain(): void {
    while (this.waitingCount > 0 && this.running < this.limits.concurrency) {
      let oldest: WaiterClass | undefined;
      for (const [name, waiterClass] of this.classes) {
        const head = this.headOf(waiterClass);
        if (!head) {
          this.classes.delete(name);
          continue;
        }
        if ((!oldest || head.seq < this.headOf(oldest)!.seq) && this.fits(waiterClass.queue, waiterClass.key)) oldest = waiterClass;
      }
      if (!oldest) return;
      const waiter = this.headOf(oldest)!;
      oldest.head++;
      waiter.done = true;
      this.waitingCount--;
      waiter.start();
    }
  }

  /** The first waiter of a class still waiting; compacts the array now and then. */
  private headOf(waiterClass: WaiterClass): Waiter | undefined {
    while (waiterClass.head < waiterClass.waiters.length && waiterClass.waiters[waiterClass.head]!.done) waiterClass.head++;
    if (waiterClass.head > 1024 && waiterClass.head * 2 > waiterClass.waiters.length) {
      waiterClass.waiters = waiterClass.waiters.slice(waiterClass.head);
      waiterClass.head = 0;
    }
    return waiterClass.waiters[waiterClass.head];
  }
}

function decrement(map: Map<string, number>, name: string): void {
  const left = (map.get(name) ?? 1) - 1;
  if (left === 0) map.delete(name);
  else map.set(name, left);
}
