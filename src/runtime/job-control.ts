/**
 * Job control beside the step loop: a person pauses and unpauses a job (its
 * actors take no step and start no effect meanwhile), the runtime parks an actor
 * with an error (the rest run), and a person retries a parked one (unpark).
 * The step loop (actor-host.ts) asks here whether an actor or an effect is held,
 * and hands over the actors to park; every change commits through it.
 */
import { HoldfastError } from '../errors.js';
import type { ActorId, ActorRecord, MaybePromise, Store } from '../persistence/store.js';
import type { Clock } from './clock.js';
import type { EffectLauncher } from './effect-launcher.js';
import type { EffectRunner } from './effect-runner.js';
import type { Delivery, LiveActor } from './live-actor.js';
import { parkedReport } from './parked-records.js';
import type { EventHub } from './runtime-events.js';
import { emptyPlan, type StepPlan } from './step-plan.js';
import { forEach, isPromise, andThen } from './store-reads.js';
import type { TimerQueue } from './timer-queue.js';

/** The record of a paused job, keyed by its root id. */
export const PAUSED = 'paused';

/** What job control needs of the step loop. */
export interface ControlledHost {
  live(id: ActorId): LiveActor | undefined;
  /** Drops an actor from memory (its effects and timers are the caller's to cancel). */
  forget(id: ActorId): void;
  load(id: ActorId): MaybePromise<LiveActor | undefined>;
  deliverTo(id: ActorId, delivery: Delivery): void;
  commit(owner: ActorId, plan: StepPlan, after: () => void, failed: (error: HoldfastError) => void): void;
  /** Lets a held actor step again when it has deliveries waiting. */
  requeue(actor: LiveActor): void;
  nextMessageSeq(): number;
  passivateIfIdle(actor: LiveActor): void;
}

export interface JobControlOptions {
  /** Read at once through its `sync` reads when it has them (store-reads.ts). */
  store: Store;
  effects: EffectRunner;
  timers: TimerQueue;
  events: EventHub;
  clock: Clock;
  /** Errors that belong to no caller: a park that could not be stored. */
  onError: (error: unknown) => void;
}

export class JobControl {
  /** Jobs (root ids) paused by a person: their actors take no step and start no effect. */
  private readonly pausedRoots = new Set<string>();
  /** Actors and effects held back by a pause, released by unpause. */
  private readonly heldActors = new Set<LiveActor>();
  private readonly heldEffects: { id: ActorId; invokeId: string }[] = [];
  /** Actors whose park is committing. */
  private readonly parking = new Set<ActorId>();

  constructor(
    private readonly host: ControlledHost,
    private readonly launcher: Pick<EffectLauncher, 'start' | 'resume' | 'startResumed'>,
    private readonly o: JobControlOptions,
  ) {}

  /** Marks a job paused at open (from its stored record). */
  restorePause(root: string): void {
    this.pausedRoots.add(root);
  }

  isPaused(root: string): boolean {
    return this.pausedRoots.has(root);
  }

  /** What pauses and parking hold, for a stall report. */
  diagnostics(): { paused: number; heldActors: number; heldEffects: number; parking: number } {
    return { paused: this.pausedRoots.size, heldActors: this.heldActors.size, heldEffects: this.heldEffects.length, parking: this.parking.size };
  }

  /** True while the park of `id` is committing: a record read meanwhile is out of date. */
  isParking(id: ActorId): boolean {
    return this.parking.has(id);
  }

  /** True (and the actor held until unpause) when its job is paused. */
  holdActor(actor: LiveActor): boolean {
    if (!this.pausedRoots.has(actor.record.root)) return false;
    this.heldActors.add(actor);
    return true;
  }

  /** True (and the effect held until unpause) when its actor's job is paused. */
  holdEffect(actor: LiveActor, invokeId: string): boolean {
    if (!this.pausedRoots.has(actor.record.root)) return false;
    this.heldEffects.push({ id: actor.record.id, invokeId });
    return true;
  }

  /** Forgets a deleted job's pause (its record is deleted in the same commit). */
  forgetJob(root: ActorId): void {
    this.pausedRoots.delete(root);
  }

  /** Pauses a job: its actors finish the effects already running, then take no step until unpaused. */
  pause(root: ActorId): Promise<void> {
    const plan = emptyPlan();
    plan.mutations.push({ op: 'putRecord', collection: PAUSED, key: root, value: { at: this.o.clock.now() } });
    this.pausedRoots.add(root);
    return new Promise((resolve, reject) => this.host.commit(root, plan, resolve, reject));
  }

  /** Lets a paused job run again: held deliveries are stepped and held effects start. */
  unpause(root: ActorId): Promise<void> {
    const plan = emptyPlan();
    plan.mutations.push({ op: 'deleteRecord', collection: PAUSED, key: root });
    return new Promise((resolve, reject) =>
      this.host.commit(root, plan, () => {
        this.pausedRoots.delete(root);
        for (const actor of [...this.heldActors]) {
          if (actor.record.root !== root) continue;
          this.heldActors.delete(actor);
          this.host.requeue(actor);
        }
        // Every held effect is started again: one of a job still paused is held again at its start.
        const held = this.heldEffects.splice(0);
        for (const effect of held) this.launcher.start(effect.id, effect.invokeId);
        resolve();
      }, reject),
    );
  }

  /**
   * Retries a parked actor: it becomes active again, its effects run again
   * (attempt incremented) and its waiting messages are delivered. An actor that
   * fails again is parked again, with the new error.
   */
  unpark(record: ActorRecord): Promise<void> {
    if (!record.snapshot) return Promise.reject(new HoldfastError('RECORD_CORRUPT', `actor ${record.id} has no readable snapshot to retry from`));
    const next: ActorRecord = { ...record, status: 'active', recoveries: 0, updatedAt: this.o.clock.now() };
    delete next.error;
    const plan = emptyPlan();
    plan.mutations.push({ op: 'putActor', record: next, previous: record });
    return new Promise((resolve, reject) =>
      this.host.commit(record.id, plan, () => {
        const resumed = andThen(this.host.load(record.id), (actor) => {
          if (actor && Object.keys(actor.record.effects).length > 0) {
            this.launcher.resume(actor);
            this.launcher.startResumed();
          }
          const timers = forEach(this.o.store.timers(), (timer) => {
            if (timer.actor === record.id) this.o.timers.add(timer);
          });
          return andThen(timers, () =>
            andThen(forEach(this.o.store.inbox(record.id), (message) => this.host.deliverTo(record.id, { kind: 'inbox', seq: message.seq, event: message.event })), () => {
              if (actor) this.host.passivateIfIdle(actor);
            }),
          );
        });
        if (isPromise(resumed)) resumed.then(resolve, reject);
        else resolve();
      }, reject),
    );
  }

  /**
   * Parks an actor with an error: it stops running until a person retries it; the rest run.
   * A child parked while it ran tells its parent in the same commit (`holdfast.child.parked`),
   * so the parent counts it as failed and its job never waits on it.
   */
  park(record: ActorRecord, error: HoldfastError, options: { setAside?: boolean; unindexed?: boolean } = {}): void {
    // Met again before its park is durable (a second message to it, the scrub): parked once, its parent told once.
    if (this.parking.has(record.id)) return;
    this.parking.add(record.id);
    const live = this.host.live(record.id);
    const previous = live?.record ?? record;
    for (const invokeId of Object.keys(previous.effects)) this.o.effects.cancel(record.id, invokeId, 'parked');
    this.o.timers.removeActor(record.id);
    this.host.forget(record.id);
    // A child parked while it ran is reported to its parent, which counts it as failed: noted on it, so `retry` will not report it twice.
    const tellsParent = previous.status === 'active' && previous.parent !== undefined;
    const stored = error.toJSON();
    const parked: ActorRecord = { ...previous, status: 'parked', error: tellsParent ? { ...stored, details: { ...stored.details, parentTold: true } } : stored, updatedAt: this.o.clock.now() };
    const plan = emptyPlan();
    if (options.setAside) plan.mutations.push({ op: 'setAsideActor', id: record.id });
    plan.mutations.push({ op: 'putActor', record: parked, previous: options.unindexed ? undefined : previous });
    if (tellsParent && previous.parent !== undefined) {
      // Delivered once the park is durable, as a child's own final report is.
      const message = parkedReport({ ...previous, parent: previous.parent }, error, this.host.nextMessageSeq(), this.o.clock.now());
      plan.messages.push(message);
      plan.mutations.push({ op: 'putInbox', message });
    }
    this.host.commit(
      record.id,
      plan,
      () => {
        this.parking.delete(record.id);
        this.o.events.publish({ type: 'actor.parked', id: record.id, error: error.toJSON(), at: this.o.clock.now() });
      },
      (failure) => {
        this.parking.delete(record.id);
        // Its record stays as it was in the store, so the next open resumes it; this process runs it no more.
        this.o.onError(new HoldfastError(failure.code, `actor ${record.id} could not be parked (${error.message}): ${failure.message}; it runs again when the store is next opened`, { cause: failure, details: { id: record.id } }));
      },
    );
    if (live) for (const delivery of live.mailbox) if (delivery.kind === 'external') delivery.reject(error);
  }
}
