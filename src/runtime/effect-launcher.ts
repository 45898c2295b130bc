/**
 * Starting the effects that committed steps recorded on their actors: waiting
 * out a retry delay, holding them while their job is paused, counting the
 * attempts of effects found in flight at open (the poison limit), and turning
 * an attempt's outcome back into a delivery for its actor.
 *
 * Suspects run alone. An effect found in flight at open whose actor was already
 * interrupted at an earlier crash may be what kills the process; so may any
 * other effect running beside it, and every effect in flight at a crash is
 * counted. So, after recovery, the suspects' effects run one at a time with
 * nothing beside them (every other start waits): a poison kills the process
 * alone and only its own count grows, while an innocent neighbour finishes and
 * its count is cleared. Without this, actors that merely ran beside a poison
 * reached the poison limit with it and were parked too.
 */
import type { EventObject } from 'xstate';
import { HoldfastError, type SerializedError } from '../errors.js';
import type { ActorId, ActorRecord } from '../persistence/store.js';
import type { Delivery, LiveActor } from './live-actor.js';
import type { Clock } from './clock.js';
import { backoffDelay, type EffectOutcome, type EffectRun, type EffectRunner } from './effect-runner.js';
import type { EffectOptions } from './machine-registry.js';
import type { EventHub } from './runtime-events.js';
import { RUNTIME_DEFAULTS } from './runtime-defaults.js';
import { emptyPlan, type StepPlan } from './step-plan.js';

/** What the launcher needs of the actor host. */
export interface LauncherHost {
  live(id: ActorId): LiveActor | undefined;
  commit(owner: ActorId, plan: StepPlan, after: () => void, failed: (error: HoldfastError) => void): void;
  park(record: ActorRecord, error: HoldfastError): void;
  deliverTo(id: ActorId, delivery: Delivery): void;
  /** True when the actor's job is paused: its effects are held (and `held` is told). */
  holdIfPaused(actor: LiveActor, invokeId: string): boolean;
  readonly closing: boolean;
}

export class EffectLauncher {
  /** Effects found in flight at open whose attempt is bumped when they next start. */
  private readonly recovering = new Set<string>();
  /** Effects waiting out a retry delay: unfinished work, though nothing runs. */
  private waitingRetries = 0;
  /** Effects resumed at open, started together by `startResumed`, with their actors' recovery counts. */
  private resumed: (Slot & { recoveries: number })[] = [];
  /** Suspects still to run alone, and the one running now (see the header). */
  private suspects: Slot[] = [];
  private isolated: string | undefined;
  /** Starts held while a suspect runs alone. */
  private heldForSuspects: Slot[] = [];

  constructor(
    private readonly host: LauncherHost,
    private readonly runner: EffectRunner,
    private readonly clock: Clock,
    private readonly events: EventHub,
    private readonly random: () => number,
  ) {}

  /** What holds effects back, for a stall report. */
  diagnostics(): { waitingRetries: number; isolated: string | undefined; suspects: number; heldForSuspects: number; resumed: number } {
    return { waitingRetries: this.waitingRetries, isolated: this.isolated, suspects: this.suspects.length, heldForSuspects: this.heldForSuspects.length, resumed: this.resumed.length };
  }

  /** True while no effect runs or waits for its retry. */
  get idle(): boolean {
    return this.waitingRetries === 0 && this.runner.size === 0;
  }

  /**
   * Notes the effects a recovered actor had in flight, to start with
   * `startResumed`. Each one's attempt count (and the actor's recovery count) is
   * bumped durably only when it gets a slot and is about to run, so effects that
   * were merely queued at the crash never count against the poison limit.
   */
  resume(actor: LiveActor): void {
    const recoveries = actor.record.recoveries ?? 0;
    for (const invokeId of Object.keys(actor.record.effects)) {
      this.recovering.add(slotOf(actor.record.id, invokeId));
      this.resumed.push({ id: actor.record.id, invokeId, recoveries });
    }
  }

  /**
   * Starts the effects noted by `resume`: the suspects first, one at a time and
   * alone, the least counted first. A crash from outside (a kill, a power cut)
   * lands on whichever suspect runs then; taking the least counted first passes
   * that blame around instead of heaping it on the first in line.
   */
  startResumed(): void {
    const resumed = this.resumed;
    this.resumed = [];
    const suspects = resumed.filter((entry) => entry.recoveries > 0).sort((a, b) => a.recoveries - b.recoveries);
    const isolating = suspects.length > 0 || this.isolated !== undefined;
    for (const entry of resumed) {
      if (entry.recoveries > 0) continue;
      if (isolating) this.heldForSuspects.push(entry);
      else this.start(entry.id, entry.invokeId);
    }
    this.suspects.push(...suspects);
    if (this.isolated === undefined) this.nextSuspect();
  }

  /** Runs the next suspect alone; once none is left, starts what waited for them. */
  private nextSuspect(): void {
    this.isolated = undefined;
    const next = this.suspects.shift();
    if (next) {
      this.isolated = slotOf(next.id, next.invokeId);
      this.start(next.id, next.invokeId);
      return;
    }
    const held = this.heldForSuspects;
    this.heldForSuspects = [];
    for (const { id, invokeId } of held) this.start(id, invokeId);
  }

  /** Starts one attempt of an effect recorded on a live actor, waiting out its retry delay first. */
  start(id: ActorId, invokeId: string): void {
    if (this.host.closing) return;
    const slot = slotOf(id, invokeId);
    const alone = slot === this.isolated;
    if (this.isolated !== undefined && !alone) return void this.heldForSuspects.push({ id, invokeId });
    const actor = this.host.live(id);
    const effect = actor?.record.effects[invokeId];
    if (!actor || !effect || this.host.holdIfPaused(actor, invokeId)) {
      if (alone) this.nextSuspect(); // nothing to run: the next suspect's turn
      return;
    }
    const wait = (effect.retryAt ?? 0) - this.clock.now();
    if (wait > 0) {
      this.waitingRetries++;
      this.clock.setTimeout(() => {
        this.waitingRetries--;
        this.start(id, invokeId);
      }, wait);
      return;
    }
    const options = actor.definition.effects?.[effect.src];
    const logic = (actor.definition.machine.implementations.actors as Record<string, { config?: unknown }>)[effect.src];
    const implementation = typeof logic?.config === 'function' ? (logic.config as (args: Record<string, unknown>) => PromiseLike<unknown>) : undefined;
    this.events.publish({ type: 'effect.started', id, invokeId, src: effect.src, attempt: effect.attempt, at: this.clock.now() });
    const run: EffectRun = {
      actor: id,
      invokeId,
      src: effect.src,
      input: effect.input,
      key: effect.key,
      attempt: effect.attempt,
      timeoutMs: options?.timeoutMs,
      queue: typeof options?.queue === 'function' ? options.queue(effect.input) : options?.queue,
      limitKey: options?.key?.(effect.input),
      implementation: implementation ?? (() => Promise.reject(new HoldfastError('EFFECT_UNKNOWN', `machine ${actor.record.machine} invokes ${effect.src}, which was not provided`))),
    };
    // Set only when they apply (no object spread per effect on the hot path).
    if (this.recovering.has(slot)) run.beforeRun = () => this.bumpRecovery(id, invokeId);
    if (alone) run.onSettled = () => this.nextSuspect();
    this.runner.start(
      run,
      (outcome, durationMs) =>
        this.host.deliverTo(id, { kind: 'effect', invokeId, key: effect.key, outcome: implementation ? outcome : ({ ...outcome, retryable: false } as EffectOutcome), durationMs }),
    );
  }

  /**
   * Reads an attempt's outcome for its actor: undefined when a retry was
   * scheduled instead (its attempt count committed first), else the event the
   * machine receives.
   */
  outcomeEvent(actor: LiveActor, delivery: Extract<Delivery, { kind: 'effect' }>): EventObject | undefined {
    const record = actor.record;
    const effect = record.effects[delivery.invokeId]!;
    const outcome = delivery.outcome;
    const base = { id: record.id, invokeId: delivery.invokeId, src: effect.src, attempt: effect.attempt, at: this.clock.now() };
    if (outcome.ok) {
      this.events.publish({ type: 'effect.finished', ...base, durationMs: delivery.durationMs });
      return { type: `xstate.done.actor.${delivery.invokeId}`, output: outcome.output } as EventObject;
    }
    const options = actor.definition.effects?.[effect.src];
    const retry = outcome.retryable && !this.host.closing && effect.attempt < (options?.maxAttempts ?? RUNTIME_DEFAULTS.maxAttempts);
    // willRetry says whether this effect runs again: a retry here, or (interrupted by close) after a restart; false on the last attempt.
    this.events.publish({ type: 'effect.failed', ...base, error: outcome.error.toJSON(), willRetry: retry || this.host.closing });
    if (retry) {
      this.scheduleRetry(actor, delivery.invokeId, options);
      return undefined;
    }
    if (this.host.closing) return undefined; // interrupted by close: runs again after a restart
    return { type: `xstate.error.actor.${delivery.invokeId}`, error: failedAfterRetries(outcome.error, effect.src, effect.attempt) } as unknown as EventObject;
  }

  /** Commits the next attempt's number and due time, then starts it when due. */
  private scheduleRetry(actor: LiveActor, invokeId: string, options: EffectOptions | undefined): void {
    const record = actor.record;
    const effect = record.effects[invokeId]!;
    const delay = backoffDelay(effect.attempt, options?.backoffMs ?? RUNTIME_DEFAULTS.backoffMs, options?.maxBackoffMs ?? RUNTIME_DEFAULTS.maxBackoffMs, this.random);
    const retried = { ...effect, attempt: effect.attempt + 1, retryAt: this.clock.now() + delay };
    const next: ActorRecord = { ...record, effects: { ...record.effects, [invokeId]: retried }, updatedAt: this.clock.now() };
    actor.record = next;
    const plan = emptyPlan();
    plan.mutations.push({ op: 'putActor', record: next, previous: record });
    plan.started.push({ actor: record.id, invokeId, effect: retried });
    this.host.commit(record.id, plan, () => {}, () => {});
  }

  /** Durably counts one more attempt of a recovered effect; parks the actor past its recovery limit. */
  private bumpRecovery(id: ActorId, invokeId: string): Promise<number> {
    this.recovering.delete(slotOf(id, invokeId));
    const actor = this.host.live(id);
    const effect = actor?.record.effects[invokeId];
    if (!actor || !effect) return Promise.reject(new HoldfastError('EFFECT_FAILED', 'the effect is no longer wanted'));
    const record = actor.record;
    const recoveries = (record.recoveries ?? 0) + 1;
    const limit = actor.definition.maxRecoveries ?? 5;
    if (recoveries > limit) {
      const error = new HoldfastError('POISON_ACTOR', `actor ${id} was interrupted mid-effect ${recoveries - 1} times: parked so the rest can run`, { details: { id, src: effect.src } });
      this.host.park(record, error);
      return Promise.reject(error);
    }
    const bumped = { ...effect, attempt: effect.attempt + 1 };
    const next: ActorRecord = { ...record, effects: { ...record.effects, [invokeId]: bumped }, recoveries, updatedAt: this.clock.now() };
    actor.record = next;
    const plan = emptyPlan();
    plan.mutations.push({ op: 'putActor', record: next, previous: record });
    return new Promise((resolve, reject) => this.host.commit(id, plan, () => resolve(bumped.attempt), reject));
  }
}

interface Slot {
  id: ActorId;
  invokeId: string;
}

function slotOf(actor: ActorId, invokeId: string): string {
  return `${actor}\u0000${invokeId}`;
}

function failedAfterRetries(error: HoldfastError, src: string, attempts: number): SerializedError {
  const details = { src, attempts, cause: error.code };
  if (error.code === 'EFFECT_FAILED' || error.code === 'EFFECT_TIMEOUT') return { code: 'EFFECT_FAILED', message: `${src} failed after ${attempts} attempt(s): ${error.reason}`, details };
  return { code: error.code, message: error.reason, details };
}
