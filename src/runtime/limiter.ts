/**
 * Bounds on concurrent effects: one global cap, one per named queue, and one
 * per key (a user, a dataset). Waiters are served first come, first served
 * among those that fit, so a busy key never starves the others and no one
 * waits behind a waiter that cannot run.
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
  queue: string | undefined;
  key: string | undefined;
  start: () => void;
  signal: AbortSignal | undefined;
}

export class Limiter {
  private running = 0;
  private readonly perQueue = new Map<string, number>();
  private readonly perKey = new Map<string, number>();
  private waiters: Waiter[] = [];
  /** Index of the first live waiter: shifting a 100k-long array per release would be quadratic. */
  private head = 0;

  constructor(private readonly limits: Required<Pick<Limits, 'concurrency'>> & Limits) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.waiters.length - this.head;
  }

  /** Runs `task` once a slot is free; the slot is freed when it settles. */
  run<T>(queue: string | undefined, key: string | undefined, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.take(queue, key);
        task()
          .then(resolve, reject)
          .finally(() => {
            this.give(queue, key);
            this.drain();
          });
      };
      if (this.fits(queue, key)) return start();
      const waiter: Waiter = { queue, key, start, signal };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        const index = this.waiters.indexOf(waiter, this.head);
        if (index < 0) return;
        this.waiters.splice(index, 1);
        reject(signal.reason);
      }, { once: true });
    });
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

  private give(queue: string | undefined, key: string | undefined): void {
    this.running--;
    if (queue !== undefined) decrement(this.perQueue, queue);
    if (key !== undefined) decrement(this.perKey, key);
  }

  private drain(): void {
    let i = this.head;
    while (i < this.waiters.length && this.running < this.limits.concurrency) {
      const waiter = this.waiters[i]!;
      if (!this.fits(waiter.queue, waiter.key)) {
        i++;
        continue;
      }
      if (i === this.head) i = ++this.head;
      else this.waiters.splice(i, 1);
      waiter.start();
    }
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
  }
}

function decrement(map: Map<string, number>, name: string): void {
  const left = (map.get(name) ?? 1) - 1;
  if (left === 0) map.delete(name);
  else map.set(name, left);
}
