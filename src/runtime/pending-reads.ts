/**
 * Reads of actor records under way, over a store whose reads answer later (the step loop,
 * actor-host.ts): one read per id however many callers come meanwhile, and its callers answered
 * in the order they came, one after the other in one tick, so deliveries stay in order. Over a
 * store with `sync` nothing is ever pending here. Only callers are kept, never a record.
 */
import type { HoldfastError } from '../errors.js';
import type { ActorId } from '../persistence/store.js';
import type { LiveActor } from './live-actor.js';

/** A caller waiting for an actor: `failure` when the read failed for the store's own reason. */
export type ActorWaiter = (actor: LiveActor | undefined, failure?: HoldfastError) => void;

interface PendingRead {
  waiters: ActorWaiter[];
  /** The read failed for a reason other than the record (the store closed, a network fault): nothing is parked for it. */
  failure?: HoldfastError;
  /** Parked or deleted meanwhile: the record read is out of date, and nobody gets an actor from it. */
  stale: boolean;
}

export class PendingReads {
  private readonly reading = new Map<ActorId, PendingRead>();

  constructor(private readonly hooks: { settled(actor: LiveActor): void; onError(error: unknown): void }) {}

  has(id: ActorId): boolean {
    return this.reading.has(id);
  }

  /** Adds a caller to the read of `id` under way; false when none is. */
  join(id: ActorId, waiter: ActorWaiter): boolean {
    const pending = this.reading.get(id);
    if (!pending) return false;
    pending.waiters.push(waiter);
    return true;
  }

  /** Callers of the read of `id`, the one that began it included. */
  waiting(id: ActorId): number {
    return this.reading.get(id)?.waiters.length ?? 0;
  }

  /** True when the read of `id` under way was overtaken by a park or a delete. */
  isStale(id: ActorId): boolean {
    return this.reading.get(id)?.stale === true;
  }

  /** Marks a read of `id` under way as out of date (the actor was parked or deleted meanwhile). */
  markStale(id: ActorId): void {
    const pending = this.reading.get(id);
    if (pending) pending.stale = true;
  }

  /** Notes that the read of `id` failed for the store's own reason: its callers are told. */
  fail(id: ActorId, failure: HoldfastError): void {
    const pending = this.reading.get(id);
    if (pending) pending.failure = failure;
  }

  /** Holds the callers of `id` until `answer` settles, then answers each in order (a caller that comes meanwhile joins the end). */
  start(id: ActorId, answer: Promise<LiveActor | undefined>, first: ActorWaiter): void {
    const pending: PendingRead = { waiters: [first], stale: false };
    this.reading.set(id, pending);
    const settle = (actor: LiveActor | undefined) => {
      for (let index = 0; index < pending.waiters.length; index++) pending.waiters[index]!(actor, pending.failure);
      if (this.reading.get(id) === pending) this.reading.delete(id);
      if (actor) this.hooks.settled(actor); // rehydrated for a caller that may have handed it nothing to do
    };
    answer.then(settle, (error: unknown) => {
      // Not a read's failure (those park the actor or are noted with `fail`): a bug in rehydrating; nobody waits for ever.
      this.hooks.onError(error);
      settle(undefined);
    });
  }
}
