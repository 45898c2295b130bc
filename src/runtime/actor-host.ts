/**
 * The actor host: live actors, their mailboxes, and the step loop.
 *
 * A delivery (inbox message, external send, effect result, due timer) becomes
 * one step: compute the next snapshot with XState's pure transition, plan the
 * mutations, hand them to the group committer, and only after the commit start
 * effects, deliver messages, arm timers and publish events (contract 1).
 * Actors with nothing to do are passivated: dropped from memory once their
 * last step is durable, rehydrated from the store when a delivery arrives
 * (contract 4: a live XState actor costs about 4 KB; a million do not fit).
 */
import type { EventObject } from 'xstate';
import { HoldfastError, toHoldfastError } from '../errors.js';
import { SET_ASIDE, type ActorId, type ActorRecord, type IndexedIdentity, type JournalEntry, type MaybePromise, type Mutation, type Store, type SyncStore } from '../persistence/store.js';
import { syncStoreOf } from '../persistence/sync-store.js';
import { standInFor } from './parked-records.js';
import type { Clock } from './clock.js';
import type { Committer } from './committer.js';
import { EffectLauncher } from './effect-launcher.js';
import type { EffectRunner } from './effect-runner.js';
import type { MachineDefinition, MachineRegistry } from './machine-registry.js';
import { pureTransition } from './pure-transition.js';
import { RUNTIME_DEFAULTS } from './runtime-defaults.js';
import type { EventHub } from './runtime-events.js';
import { restoreSnapshot } from './snapshot-codec.js';
import { faultPoint } from './fault-points.js';
import { JobControl, PAUSED } from './job-control.js';
import type { Delivery, HeldStep, LiveActor } from './live-actor.js';
import { PendingReads, type ActorWaiter } from './pending-reads.js';
import { forEach, isPromise, andThen } from './store-reads.js';
import { emptyPlan, planSpawn, planStep, type PlanContext, type StepPlan } from './step-plan.js';
import type { TimerQueue } from './timer-queue.js';
import type { BusyActor, HostDiagnostics } from './runtime-diagnostics.js';

export interface HostOptions {
  /** Read through its `sync` reads when it has them; otherwise each read is awaited (store-reads.ts). */
  store: Store;
  registry: MachineRegistry;
  committer: Committer;
  effects: EffectRunner;
  timers: TimerQueue;
  events: EventHub;
  clock: Clock;
  random: () => number;
  /** Steps computed per event-loop turn before yielding to I/O. */
  stepsPerTurn?: number;
  /** Keep each step's snapshot in its journal entry, so any past moment can be shown. */
  journalSnapshots?: boolean;
  /** Errors that belong to no caller. */
  onError: (error: unknown) => void;
}


/** Steps computed and not yet durable at most, before the host lets the disk catch up. */
const MAX_STEPS_IN_FLIGHT = 8_000;


export class ActorHost {
  private readonly live = new Map<ActorId, LiveActor>();
  private runnable: LiveActor[] = [];
  private pumping = false;
  private messageSeq: number;
  /** Steps computed but not yet durable, for backpressure. */
  private inFlightSteps = 0;
  private readonly launcher: EffectLauncher;
  /** Pause, unpause, park and unpark (job-control.ts). */
  private readonly control: JobControl;
  /** Ids an inbox message was delivered to while no such actor existed: read their inbox when they are spawned. */
  private readonly undelivered = new Set<ActorId>();
  /** One plan context for every step (its closures were allocated per step); `now` is refreshed. */
  private readonly context: PlanContext;
  /** The store's synchronous reads, when it has them: the step loop's path then holds no promise. */
  private readonly sync: SyncStore | undefined;
  /** Records being read (only over a store without `sync`): a second load of the id joins the first. */
  private readonly reading: PendingReads;
  /** Ids spawned and not yet durable: a second spawn of one is refused, not written over the first. */
  private readonly spawning = new Set<ActorId>();
  /** Ids whose delete is committing: a record read meanwhile is out of date, and is not rehydrated. */
  private readonly removing = new Set<ActorId>();
  /** The actor whose step is being planned, and the ids its spawns asked about that the store has not answered. */
  private stepping: LiveActor | undefined;
  private readonly unanswered: ActorId[] = [];
  closing = false;

  constructor(private readonly o: HostOptions) {
    this.messageSeq = o.clock.now() * 1000;
    this.sync = syncStoreOf(o.store);
    this.reading = new PendingReads({ settled: (actor) => this.maybePassivate(actor), onError: o.onError });
    this.context = {
      now: 0,
      nextMessageSeq: () => this.messageSeq++,
      definitionOf: (machine) => this.o.registry.get(machine),
      exists: (id) => this.live.has(id) || this.spawning.has(id) || this.storedExists(id),
      journalSnapshots: o.journalSnapshots ?? false,
    };
    const host = this;
    this.launcher = new EffectLauncher(
      {
        live: (id) => this.live.get(id),
        commit: (owner, plan, after, failed) => this.commit(owner, plan, after, failed),
        park: (record, error) => this.control.park(record, error),
        deliverTo: (id, delivery) => this.deliverTo(id, delivery),
        holdIfPaused: (actor, invokeId) => this.control.holdEffect(actor, invokeId),
        get closing() {
          return host.closing;
        },
      },
      o.effects,
      o.clock,
      o.events,
      o.random,
    );
    this.control = new JobControl(
      {
        live: (id) => this.live.get(id),
        forget: (id) => {
          this.live.delete(id);
          this.reading.markStale(id);
        },
        load: (id) => this.load(id),
        deliverTo: (id, delivery) => this.deliverTo(id, delivery),
        commit: (owner, plan, after, failed) => this.commit(owner, plan, after, failed),
        requeue: (actor) => {
          if (actor.mailbox.length > 0 && !actor.queued) {
            actor.queued = true;
            this.runnable.push(actor);
          }
          this.schedulePump();
        },
        nextMessageSeq: () => this.messageSeq++,
        passivateIfIdle: (actor) => this.maybePassivate(actor),
      },
      this.launcher,
      o,
    );
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** True when no step, commit or effect is pending (timers may still wait). */
  get quiet(): boolean {
    return this.runnable.length === 0 && this.inFlightSteps === 0 && this.launcher.idle && this.o.committer.backlog === 0;
  }

  /** The step loop's state and its live actors that hold work (at most `limit`), for a stall report. */
  diagnostics(limit = 50): HostDiagnostics {
    const busy: BusyActor[] = [];
    for (const actor of this.live.values()) {
      const effects = Object.entries(actor.record.effects);
      if (actor.mailbox.length === 0 && !actor.queued && actor.pendingCommits === 0 && !actor.checking && effects.length === 0) continue;
      if (busy.length === limit) break;
      busy.push({
        id: actor.record.id,
        state: actor.record.state,
        seq: actor.record.seq,
        mailbox: actor.mailbox.map((delivery) => delivery.kind),
        queued: actor.queued,
        pendingCommits: actor.pendingCommits,
        checking: actor.checking !== undefined,
        effects: effects.map(([invokeId, effect]) => ({ invokeId, src: effect.src, attempt: effect.attempt, running: this.o.effects.isRunning(actor.record.id, invokeId) })),
      });
    }
    return {
      live: this.live.size,
      busy,
      runnable: this.runnable.length,
      pumping: this.pumping,
      inFlightSteps: this.inFlightSteps,
      undelivered: this.undelivered.size,
      spawning: this.spawning.size,
      removing: this.removing.size,
      closing: this.closing,
      launcher: this.launcher.diagnostics(),
      control: this.control.diagnostics(),
    };
  }

  /** Keeps message sequence numbers above any already stored. */
  seenMessageSeq(seq: number): void {
    if (seq >= this.messageSeq) this.messageSeq = seq + 1;
  }

  /** Creates a top actor (or a child, given `parent`); resolves once it is durable. */
  spawn(definition: MachineDefinition, id: ActorId, input: unknown, options: { parent?: ActorId; root?: ActorId; tags?: string[] } = {}): Promise<ActorRecord> {
    const taken = () => Promise.reject(new HoldfastError('ACTOR_EXISTS', `actor ${id} already exists`, { details: { id } }));
    if (this.live.has(id) || this.spawning.has(id)) return taken();
    const stored = this.o.store.getActor(id);
    if (!isPromise(stored)) return stored ? taken() : this.spawnNew(definition, id, input, options);
    // Claimed while the store answers, so a second spawn of the id meanwhile is refused.
    this.spawning.add(id);
    return stored.then(
      (record) => {
        this.spawning.delete(id);
        return record || this.live.has(id) ? taken() : this.spawnNew(definition, id, input, options);
      },
      (error: unknown) => {
        this.spawning.delete(id);
        throw error;
      },
    );
  }

  private spawnNew(definition: MachineDefinition, id: ActorId, input: unknown, options: { parent?: ActorId; root?: ActorId; tags?: string[] }): Promise<ActorRecord> {
    const plan = emptyPlan();
    const root = options.root ?? id;
    const identity = { id, root, ...(options.parent ? { parent: options.parent } : {}), ...(options.tags ? { tags: options.tags } : {}) };
    let spawned;
    try {
      spawned = planSpawn(plan, definition, identity, input, this.planContext());
    } catch (error) {
      return Promise.reject(toHoldfastError(error, 'MACHINE_ERROR'));
    }
    this.spawning.add(id);
    return new Promise((resolve, reject) => {
      this.commit(
        id,
        plan,
        () => {
          this.spawning.delete(id);
          resolve(spawned.record);
        },
        (error) => {
          this.spawning.delete(id);
          reject(error);
        },
      );
    });
  }

  /** Queues an external event; resolves once the step it causes is durable. */
  send(id: ActorId, event: EventObject): Promise<void> {
    return new Promise((resolve, reject) => {
      this.withActor(id, (actor, failure) => {
        if (failure) return reject(failure);
        if (!actor) return reject(new HoldfastError('ACTOR_NOT_FOUND', `no actor ${id}`, { details: { id } }));
        if (actor.record.status === 'parked') {
          return reject(new HoldfastError('ACTOR_NOT_FOUND', `actor ${id} is parked: ${actor.record.error?.message ?? ''}`, { details: { id } }));
        }
        this.deliver(actor, { kind: 'external', event, resolve, reject });
      });
    });
  }

  /** Hands a delivery to an actor, rehydrating it if needed; deliveries that come while its record is read wait, in order. */
  deliverTo(id: ActorId, delivery: Delivery): void {
    const live = this.live.get(id);
    if (live) return this.deliver(live, delivery); // the common case (an effect's outcome): no closure
    this.withActor(id, (actor, failure) => {
      if (failure) return; // reported once; the message or timer stays stored, delivered at the next open
      if (actor) this.deliver(actor, delivery);
      else if (delivery.kind === 'inbox') this.undelivered.add(id);
    });
  }

  /** The live actor, or one rehydrated from the store; undefined when missing or parked now. At once unless the store reads asynchronously. */
  load(id: ActorId): MaybePromise<LiveActor | undefined> {
    let answered = false;
    let answer: LiveActor | undefined;
    let wake: ((actor: LiveActor | undefined) => void) | undefined;
    this.withActor(id, (actor) => {
      answered = true;
      answer = actor;
      wake?.(actor);
    });
    return answered ? answer : new Promise((resolve) => (wake = resolve));
  }

  /**
   * Calls `use` with the actor `load` gives: at once when it is in memory or the store reads
   * synchronously. Over an asynchronous store the record is read once however many callers come
   * meanwhile; they are answered in the order they came, one after the other in one tick.
   */
  private withActor(id: ActorId, use: ActorWaiter): void {
    const live = this.live.get(id);
    if (live) return use(live);
    if (this.reading.join(id, use)) return;
    let read: MaybePromise<ActorRecord | undefined>;
    try {
      read = this.o.store.getActor(id);
    } catch (error) {
      const parked = this.parkUnreadable(id, toHoldfastError(error, 'RECORD_CORRUPT'));
      if (!isPromise(parked)) return use(undefined);
      return this.reading.start(id, parked.then(() => undefined), use);
    }
    if (!isPromise(read)) return use(this.hydrate(id, read));
    this.reading.start(
      id,
      read.then(
        (record) => (this.reading.isStale(id) ? undefined : this.hydrate(id, record)),
        (error: unknown) => {
          if (this.recordUnreadable(error)) return andThen(this.parkUnreadable(id, toHoldfastError(error, 'RECORD_CORRUPT')), () => undefined);
          const failure = toHoldfastError(error, 'STORE_CORRUPT');
          this.reading.fail(id, failure);
          this.o.onError(failure);
          return undefined;
        },
      ),
      use,
    );
  }

  /**
   * True when a read failed because of the record (it does not decode): the actor is parked. A store
   * that answers later may also fail for itself (closed under the read, a network fault, named by its
   * HoldfastError's code): that parks nothing, and the caller is told.
   */
  private recordUnreadable(error: unknown): boolean {
    if (this.closing) return false;
    return !(error instanceof HoldfastError) || error.code === 'RECORD_CORRUPT';
  }

  /** A live actor from its stored record; undefined when missing, parked, or being parked. */
  private hydrate(id: ActorId, stored: ActorRecord | undefined): LiveActor | undefined {
    const live = this.live.get(id);
    if (live) return live;
    let record = stored;
    if (!record) return undefined;
    if (record.status === 'parked' || this.control.isParking(id) || this.removing.has(id)) return undefined;
    try {
      const definition = this.o.registry.get(record.machine);
      if (!record.snapshot) throw new HoldfastError('RECORD_CORRUPT', `actor ${id} has no snapshot`);
      const snapshot = restoreSnapshot(definition.machine, record.snapshot);
      if (record.version !== definition.version) record = { ...record, version: definition.version };
      const actor: LiveActor = { record, definition, snapshot, mailbox: [], queued: false, pendingCommits: 0 };
      this.live.set(id, actor);
      return actor;
    } catch (error) {
      this.park(record, toHoldfastError(error, 'RECORD_CORRUPT'));
      return undefined;
    }
  }

  /** Parks the record of `id` if it does not decode (the scrub found its checksum failing); a live actor is left alone. */
  parkIfUnreadable(id: ActorId): MaybePromise<void> {
    if (this.live.has(id) || this.reading.has(id)) return; // its next step rewrites the record; a read under way parks it
    let read: MaybePromise<ActorRecord | undefined>;
    try {
      read = this.o.store.getActor(id);
    } catch (error) {
      return this.parkUnreadable(id, toHoldfastError(error, 'RECORD_CORRUPT'));
    }
    if (!isPromise(read)) return;
    // Deliveries that come meanwhile wait for this read, as for a load: the record is read once.
    return new Promise((resolve) => {
      const answer = read.then(
        // Rehydrated only for a caller that came meanwhile.
        (record) => (this.reading.waiting(id) > 1 && !this.reading.isStale(id) ? this.hydrate(id, record) : undefined),
        (error: unknown) => {
          if (this.recordUnreadable(error)) return andThen(this.parkUnreadable(id, toHoldfastError(error, 'RECORD_CORRUPT')), () => undefined);
          this.o.onError(error); // the store's own fault: the next scrub checks the record again
          return undefined;
        },
      );
      this.reading.start(id, answer, () => resolve());
    });
  }

  /** Notes the effects a recovered actor had in flight, for `startResumedEffects` (see EffectLauncher.resume). */
  resumeEffects(actor: LiveActor): void {
    this.launcher.resume(actor);
  }

  /** Starts the effects noted by `resumeEffects`, suspects of a crash alone first. */
  startResumedEffects(): void {
    this.launcher.startResumed();
  }

  /** Marks a job paused at open (from its stored record). */
  restorePause(root: string): void {
    this.control.restorePause(root);
  }

  /** Pauses a job (job-control.ts). */
  pause(root: ActorId): Promise<void> {
    return this.control.pause(root);
  }

  /** Lets a paused job run again (job-control.ts). */
  unpause(root: ActorId): Promise<void> {
    return this.control.unpause(root);
  }

  /** True when the actor is in memory here (stepping, committing, effects in flight) or waits on a timer here. */
  holds(id: ActorId): boolean {
    return this.live.has(id) || this.o.timers.hasActor(id);
  }

  isPaused(root: string): boolean {
    return this.control.isPaused(root);
  }

  /** Retries a parked actor (job-control.ts). */
  unpark(record: ActorRecord): Promise<void> {
    return this.control.unpark(record);
  }

  /**
   * Deletes a job: every actor under `root`, their journals, messages and timers,
   * in one commit. Their live state, effects and timers here are dropped first.
   */
  deleteJob(root: ActorId, records: ActorRecord[], extra: Mutation[] = []): Promise<void> {
    return this.removeActors(root, records, extra, (record, mutations) => {
      const live = this.live.get(record.id);
      for (const invokeId of Object.keys(live?.record.effects ?? record.effects)) this.o.effects.cancel(record.id, invokeId, 'its job was deleted');
      // Sends held by the job's pause are answered, not left waiting for ever.
      for (const delivery of live?.mailbox.splice(0) ?? []) if (delivery.kind === 'external') delivery.reject(new HoldfastError('ACTOR_NOT_FOUND', `actor ${record.id} was deleted with its job`, { details: { id: record.id } }));
      this.o.timers.removeActor(record.id);
      if (record.status === 'parked') mutations.push({ op: 'deleteRecord', collection: SET_ASIDE, key: record.id });
    }, () => {
      this.control.forgetJob(root);
      return [{ op: 'deleteRecord', collection: PAUSED, key: root }];
    });
  }

  /**
   * Folds final children of `parent` (child-fold.ts): their records, index entries, journals,
   * messages and timers go, with `extra` (the parent's `folded` count), in one commit. The caller
   * chose children that are final and not held here; an idle one still cached is dropped.
   */
  foldChildren(parent: ActorId, records: readonly ActorRecord[], extra: Mutation[]): Promise<void> {
    return this.removeActors(parent, records, extra, () => {});
  }

  /**
   * Removes `records` (a deleted job's actors, folded children) with their journals, timers and
   * waiting messages, and `extra`, in one commit in order with the steps. The messages are read
   * first; the rest happens in one tick with the commit's start. `each` adds what one kind of
   * removal does per actor; `last` its closing mutations. A read under way never brings one back.
   */
  private removeActors(owner: ActorId, records: readonly ActorRecord[], extra: Mutation[], each: (record: ActorRecord, mutations: Mutation[]) => void, last: () => Mutation[] = () => []): Promise<void> {
    const inbox: Mutation[] = [];
    const read = forEach(records, (record) => forEach(this.o.store.inbox(record.id), (message) => void inbox.push({ op: 'deleteInbox', to: record.id, seq: message.seq })));
    return Promise.resolve(
      andThen(read, () => {
        const plan = emptyPlan();
        plan.mutations.push(...extra);
        for (const record of records) {
          const mutations: Mutation[] = [];
          each(record, mutations);
          this.live.delete(record.id);
          this.reading.markStale(record.id);
          this.removing.add(record.id);
          plan.mutations.push({ op: 'deleteActor', record }, { op: 'deleteJournal', actor: record.id }, ...mutations);
          for (const [id, due] of Object.entries(record.timers)) plan.mutations.push({ op: 'deleteTimer', due, actor: record.id, id });
        }
        plan.mutations.push(...inbox, ...last());
        const removed = () => {
          for (const record of records) this.removing.delete(record.id);
        };
        return new Promise<void>((resolve, reject) =>
          this.commit(
            owner,
            plan,
            () => (removed(), resolve()),
            (error) => (removed(), reject(error)),
          ),
        );
      }),
    );
  }

  /** Commits mutations that belong to no step (a delete's records) in order with the steps. */
  commitMutations(owner: ActorId, mutations: Mutation[]): Promise<void> {
    const plan = emptyPlan();
    plan.mutations.push(...mutations);
    return new Promise((resolve, reject) => this.commit(owner, plan, resolve, reject));
  }

  /** Parks an actor with an error (job-control.ts): it stops running until a person retries it; the rest run. */
  park(record: ActorRecord, error: HoldfastError, options: { setAside?: boolean; unindexed?: boolean } = {}): void {
    this.control.park(record, error, options);
  }

  /**
   * Parks a record that cannot be read under a stand-in record; the bytes it replaces are set aside first.
   * The stand-in keeps what the index says of it (parent, job, machine, state), so it stays in its job
   * and its parent is told; an actor the index does not know becomes a top actor of machine `unknown`.
   */
  private parkUnreadable(id: ActorId, error: HoldfastError): MaybePromise<void> {
    const noted = new HoldfastError(error.code, `${error.reason}; its stored bytes are kept in the setAside records`, { cause: error });
    const parkAs = (identity: IndexedIdentity | undefined) => {
      const standIn = standInFor(id, identity, this.o.clock.now());
      this.park(standIn, noted, { setAside: true, unindexed: identity === undefined });
    };
    let identity: MaybePromise<IndexedIdentity | undefined>;
    try {
      identity = this.o.store.identityOf(id, this.o.registry.names());
    } catch {
      return parkAs(undefined); // an index that cannot be read either: park it as a top actor
    }
    if (!isPromise(identity)) return parkAs(identity);
    return identity.then(parkAs, () => parkAs(undefined));
  }

  private deliver(actor: LiveActor, delivery: Delivery): void {
    if (delivery.kind === 'inbox') {
      actor.seenInbox ??= new Set();
      if (actor.seenInbox.has(delivery.seq)) return;
      actor.seenInbox.add(delivery.seq);
    }
    actor.mailbox.push(delivery);
    if (!actor.queued) {
      actor.queued = true;
      this.runnable.push(actor);
    }
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumping = false;
    if (this.o.committer.blocked) return void setTimeout(() => this.schedulePump(), 100).unref();
    const budget = this.o.stepsPerTurn ?? RUNTIME_DEFAULTS.stepsPerTurn;
    // Backpressure: while a large backlog awaits its commit, let the disk catch up.
    if (this.inFlightSteps > MAX_STEPS_IN_FLIGHT) return void setTimeout(() => this.schedulePump(), 1).unref();
    const batch = this.runnable;
    this.runnable = [];
    let steps = 0;
    let index = 0;
    for (; index < batch.length && steps < budget; index++) {
      const actor = batch[index]!;
      actor.queued = false;
      if (actor.checking) continue; // requeued once the store has answered
      if (this.control.holdActor(actor)) continue;
      const delivery = actor.mailbox.shift();
      if (delivery) {
        this.step(actor, delivery);
        steps++;
      }
      if (actor.mailbox.length > 0 && this.live.get(actor.record.id) === actor && !actor.queued) {
        actor.queued = true;
        this.runnable.push(actor);
      }
      this.maybePassivate(actor);
    }
    for (; index < batch.length; index++) this.runnable.push(batch[index]!);
    if (this.runnable.length > 0) this.schedulePump();
  }

  private step(actor: LiveActor, delivery: Delivery): void {
    const record = actor.record;
    if (record.status !== 'active') return this.refuseDelivery(actor, delivery);
    let event: EventObject;
    const extra: Mutation[] = [];
    let consumedEffect: string | undefined;
    switch (delivery.kind) {
      case 'inbox':
        event = delivery.event;
        extra.push({ op: 'deleteInbox', to: record.id, seq: delivery.seq });
        break;
      case 'external':
        event = delivery.event;
        break;
      case 'timer':
        if (record.timers[delivery.id] !== delivery.due) return this.dropStaleTimer(record, delivery); // cancelled or re-armed
        event = delivery.event;
        extra.push({ op: 'deleteTimer', due: delivery.due, actor: record.id, id: delivery.id });
        break;
      case 'effect': {
        const effect = record.effects[delivery.invokeId];
        if (!effect || effect.key !== delivery.key) return; // stale: the state was left meanwhile
        faultPoint('effect.afterRunBeforeCommit');
        const outcome = this.launcher.outcomeEvent(actor, delivery);
        if (!outcome) return; // a retry was scheduled, or the runtime is closing
        event = outcome;
        consumedEffect = delivery.invokeId;
        break;
      }
    }
    this.transition(actor, delivery, event, extra, consumedEffect);
  }

  /** The step's transition, plan and commit, once its event is known. */
  private transition(actor: LiveActor, delivery: Delivery, event: EventObject, extra: Mutation[], consumedEffect: string | undefined): void {
    const record = actor.record;
    const now = this.o.clock.now();
    const plan = emptyPlan();
    let next: ActorRecord;
    try {
      this.stepping = actor;
      const [snapshot, actions] = pureTransition(actor.definition.machine, actor.snapshot, event, record.id);
      next = planStep(plan, record, record, snapshot, actions, this.planContext(), consumedEffect);
      if (this.unanswered.length > 0) return this.checkSpawnsFirst(actor, { delivery, event, extra, consumedEffect }, this.unanswered.splice(0));
      if (consumedEffect !== undefined || delivery.kind === 'effect') delete next.recoveries; // none is 0
      actor.snapshot = snapshot;
    } catch (error) {
      const failure = toHoldfastError(error, 'MACHINE_ERROR');
      if (delivery.kind === 'external') delivery.reject(failure);
      return this.park(record, failure);
    } finally {
      this.stepping = undefined;
      this.unanswered.length = 0;
      if (actor.spawnChecks !== undefined) actor.spawnChecks = undefined; // written only when set: a LiveActor keeps its shape on the hot path
    }
    plan.mutations.push(...extra);
    const entry: JournalEntry = { seq: next.seq, event: event.type, from: record.state, to: next.state, at: now, durationMs: this.o.clock.now() - now };
    if (next.snapshot && this.keepsSnapshots(actor.definition)) entry.snapshot = next.snapshot;
    plan.mutations.push({ op: 'putJournal', actor: record.id, entry });
    actor.record = next;
    const stepped = { type: 'actor.stepped' as const, id: record.id, machine: record.machine, event: event.type, from: record.state, to: next.state, status: next.status, seq: next.seq, at: now };
    this.commit(
      record.id,
      plan,
      () => {
        this.o.events.publish(stepped);
        if (delivery.kind === 'external') delivery.resolve();
      },
      (error) => {
        if (delivery.kind === 'external') delivery.reject(error);
      },
    );
  }

  /** True when the store holds an actor of this id; over an asynchronous store, from the answers read for this step. */
  private storedExists(id: ActorId): boolean {
    if (this.sync) return this.sync.getActor(id) !== undefined;
    const answer = this.stepping?.spawnChecks?.get(id);
    if (answer === undefined) {
      this.unanswered.push(id); // the plan is dropped: the step runs again once the store has answered
      return false;
    }
    if (answer instanceof HoldfastError) throw answer;
    return answer;
  }

  /**
   * A step that spawns children by key over an asynchronous store: its plan is dropped (a pure
   * transition, computed again from the same snapshot), the store is asked whether those ids are
   * taken, and the step runs again with the answers. The actor takes no other step meanwhile.
   */
  private checkSpawnsFirst(actor: LiveActor, step: HeldStep, ids: ActorId[]): void {
    actor.checking = step;
    const answers = new Map<string, boolean | HoldfastError>();
    const asked = ids.map((id) =>
      Promise.resolve()
        .then(() => this.o.store.getActor(id))
        .then(
          (record) => void answers.set(id, record !== undefined),
          (error: unknown) => void answers.set(id, toHoldfastError(error, 'RECORD_CORRUPT')),
        ),
    );
    void Promise.all(asked).then(() => {
      actor.checking = undefined;
      if (this.live.get(actor.record.id) !== actor) {
        // Parked or deleted meanwhile: the step is not taken.
        if (step.delivery.kind === 'external') step.delivery.reject(new HoldfastError('ACTOR_NOT_FOUND', `actor ${actor.record.id} was parked or deleted before its step`, { details: { id: actor.record.id } }));
        return;
      }
      actor.spawnChecks = answers;
      this.transition(actor, step.delivery, step.event, step.extra, step.consumedEffect); // begun before any pause that came meanwhile: it is finished
      if (actor.mailbox.length > 0 && !actor.queued) {
        actor.queued = true;
        this.runnable.push(actor);
        this.schedulePump();
      }
      this.maybePassivate(actor);
    });
  }

  private refuseDelivery(actor: LiveActor, delivery: Delivery): void {
    if (delivery.kind === 'external') delivery.reject(new HoldfastError('INVALID_EVENT', `actor ${actor.record.id} is ${actor.record.status}: it takes no more events`));
    if (delivery.kind === 'inbox') {
      // A message to a finished actor is consumed, so it never looks like waiting work.
      const plan = emptyPlan();
      plan.mutations.push({ op: 'deleteInbox', to: actor.record.id, seq: delivery.seq });
      this.commit(actor.record.id, plan, () => {}, () => {});
    }
  }

  private dropStaleTimer(record: ActorRecord, timer: Extract<Delivery, { kind: 'timer' }>): void {
    const plan = emptyPlan();
    plan.mutations.push({ op: 'deleteTimer', due: timer.due, actor: record.id, id: timer.id });
    this.commit(record.id, plan, () => {}, () => {});
  }

  /** Hands the plan to the group committer; runs its consequences once durable. */
  private commit(owner: ActorId, plan: StepPlan, after: () => void, failed: (error: HoldfastError) => void): void {
    // The owner and the actors it spawned (no array built per step: most spawn none).
    this.countCommit(owner);
    for (const spawned of plan.spawned) this.countCommit(spawned.record.id);
    this.inFlightSteps++;
    this.o.committer.enqueue({
      owner,
      mutations: plan.mutations,
      after: () => {
        this.inFlightSteps--;
        this.afterCommit(plan);
        after();
        this.settle(owner, plan);
      },
      failed: (error) => {
        this.inFlightSteps--;
        const actor = this.live.get(owner); // before settle(), which may passivate it
        failed(error);
        this.settle(owner, plan);
        if (actor && error.code !== 'STORAGE_FULL') {
          if (this.live.get(owner) === actor) this.live.delete(owner); // its in-memory state ran ahead of the store
          // Park the last durable record: the in-memory one holds the step that could not be stored.
          const durable = this.durableRecord(owner);
          if (!isPromise(durable)) return this.park(durable ?? actor.record, error);
          // Deliveries meanwhile wait for the park, then find the actor parked.
          this.reading.start(owner, durable.then((record) => void this.park(record ?? actor.record, error)), () => {});
        }
      },
    });
  }

  /** The actor's record as last committed, or undefined when it has none (or it does not decode). */
  private durableRecord(id: ActorId): MaybePromise<ActorRecord | undefined> {
    try {
      const read = this.o.store.getActor(id);
      return isPromise(read) ? read.catch(() => undefined) : read;
    } catch {
      return undefined;
    }
  }

  private afterCommit(plan: StepPlan): void {
    const now = this.o.clock.now();
    for (const spawned of plan.spawned) {
      this.o.events.publish({ type: 'actor.spawned', id: spawned.record.id, machine: spawned.record.machine, ...(spawned.record.parent ? { parent: spawned.record.parent } : {}), state: spawned.record.state, at: now });
      // A read of its id under way began before it existed: it is given the actor spawned, not the absence it read.
      const needsLife = (hasAny(spawned.record.effects) || this.reading.has(spawned.record.id)) && !this.live.has(spawned.record.id);
      if (needsLife) this.live.set(spawned.record.id, { record: spawned.record, definition: spawned.definition, snapshot: spawned.snapshot, mailbox: [], queued: false, pendingCommits: 0 });
    }
    for (const { actor, invokeId } of plan.cancelled) this.o.effects.cancel(actor, invokeId);
    for (const { actor, id } of plan.timersCleared) this.o.timers.remove(actor, id);
    for (const timer of plan.timersSet) this.o.timers.add(timer);
    for (const started of plan.started) this.launcher.start(started.actor, started.invokeId);
    for (const message of plan.messages) this.deliverTo(message.to, { kind: 'inbox', seq: message.seq, event: message.event });
    // Messages may be sent to an id before the actor exists (a child told about a parent spawned later):
    // every inbox delivery, at recovery too, goes through deliverTo, which notes the ids it found no actor for.
    for (const spawned of plan.spawned) {
      if (!this.undelivered.delete(spawned.record.id)) continue; // nothing waits: no store read per spawn
      const read = forEach(this.o.store.inbox(spawned.record.id), (message) => this.deliverTo(message.to, { kind: 'inbox', seq: message.seq, event: message.event }));
      if (isPromise(read)) read.catch((error: unknown) => this.o.onError(error));
    }
    for (const { actor, event } of plan.emitted) this.o.events.publish({ type: 'actor.emitted', id: actor, event, at: now });
  }

  private countCommit(id: ActorId): void {
    const actor = this.live.get(id);
    if (actor) actor.pendingCommits++;
  }

  /** A commit of the owner's step (and of the actors it spawned) is over: each may now be passivated. */
  private settle(owner: ActorId, plan: StepPlan): void {
    this.settleOne(owner);
    for (const spawned of plan.spawned) this.settleOne(spawned.record.id);
  }

  private settleOne(id: ActorId): void {
    const actor = this.live.get(id);
    if (!actor) return;
    actor.pendingCommits = Math.max(0, actor.pendingCommits - 1);
    this.maybePassivate(actor);
  }

  /** Lets a loaded actor go if it has nothing to do (recovery loads every active one). */
  passivateIfIdle(actor: LiveActor): void {
    this.maybePassivate(actor);
  }

  /** Drops an actor from memory once it has nothing in flight: its store record is then current. */
  private maybePassivate(actor: LiveActor): void {
    if (actor.pendingCommits > 0 || actor.queued || actor.mailbox.length > 0 || actor.checking) return;
    if (actor.record.status === 'active' && hasAny(actor.record.effects)) return;
    if (this.live.get(actor.record.id) === actor) this.live.delete(actor.record.id);
  }

  private keepsSnapshots(definition: MachineDefinition): boolean {
    return (definition.journal ?? (this.o.journalSnapshots ? 'snapshots' : 'transitions')) === 'snapshots';
  }

  private planContext(): PlanContext {
    this.context.now = this.o.clock.now();
    return this.context;
  }
}

/** True when the object has an own key: checked on every passivation, without building the array `Object.keys` would. */
function hasAny(object: Record<string, unknown>): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}
