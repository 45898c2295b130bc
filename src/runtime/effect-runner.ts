/**
 * Runs effects: the promise actors a machine invokes, implemented by adapters
 * through `machine.provide({ actors })`. Effects are at-least-once (contract 2):
 * each attempt gets `{ input, idempotencyKey, attempt, signal }`, and the same
 * invocation keeps the same key across retries and restarts. Runs within the
 * limiter's bounds; one attempt at a time per invocation; the host decides on
 * retries, because an attempt count must be durable before the retry waits.
 */
import { HoldfastError, NonRetryableError, toHoldfastError } from '../errors.js';
import type { ActorId, Durability, MaybePromise, Mutation, RecordKey } from '../persistence/store.js';
import type { Clock } from './clock.js';
import { LazyAbort } from './lazy-abort.js';
import type { Limiter } from './limiter.js';

/** What an effect implementation receives besides its input. */
export interface EffectContext {
  /** The same for every attempt of one invocation, across restarts. */
  idempotencyKey: string;
  /** 1 on the first attempt. */
  attempt: number;
  /** Aborted on timeout, on leaving the invoking state, and on runtime close. */
  signal: AbortSignal;
  /**
   * The runtime's keyed records: what an effect reads (a load's secrets, a batch's item pages)
   * and what it must write before it acts (a process's start mark, flushed before the process
   * starts). Absent where no runtime runs the effect.
   */
  records?: EffectRecords;
}

/**
 * The records an effect reads and writes: the runtime's, in the store it owns. Reads go through
 * the store's port, so they may answer later (a store over a network): await `get`, and read
 * `iterate` with `for await` (an LMDB or memory store answers at once, the same code reads both).
 */
export interface EffectRecords {
  get<T = unknown>(collection: string, key: RecordKey): MaybePromise<T | undefined>;
  iterate<T = unknown>(collection: string, prefix?: RecordKey): Iterable<{ key: RecordKey; value: T }> | AsyncIterable<{ key: RecordKey; value: T }>;
  /** Puts and deletes in one transaction, resolved once it has the durability asked for. */
  write(changes: readonly Extract<Mutation, { op: 'putRecord' | 'deleteRecord' }>[], durability: Durability): Promise<void>;
}

export type EffectOutcome = { ok: true; output: unknown } | { ok: false; error: HoldfastError; retryable: boolean };

export interface EffectRun {
  actor: ActorId;
  invokeId: string;
  src: string;
  input: unknown;
  key: string;
  attempt: number;
  timeoutMs: number | undefined;
  queue: string | undefined;
  limitKey: string | undefined;
  /** Runs once a slot is granted, before the implementation; returns the attempt number to use. */
  beforeRun?: () => Promise<number>;
  /** Called once the attempt is over, whatever became of it: finished, failed, superseded or cancelled. */
  onSettled?: () => void;
  /** The promise creator of the `fromPromise` logic the machine was provided with. */
  implementation: (args: Record<string, unknown>) => PromiseLike<unknown>;
}

export class EffectRunner {
  private readonly running = new Map<string, LazyAbort>();
  private readonly settledHooks = new Map<LazyAbort, () => void>();

  constructor(
    private readonly limiter: Limiter,
    private readonly clock: Clock,
    private readonly records?: EffectRecords,
  ) {}

  get size(): number {
    return this.running.size;
  }

  /** The slots (actor and invoke) of the attempts running now, at most `limit`. */
  runningSlots(limit = 50): string[] {
    const slots: string[] = [];
    for (const id of this.running.keys()) {
      if (slots.length === limit) break;
      slots.push(id.replace('\u0000', ':'));
    }
    return slots;
  }

  isRunning(actor: ActorId, invokeId: string): boolean {
    return this.running.has(slot(actor, invokeId));
  }

  /** Starts one attempt; `done` is called exactly once, unless the attempt was cancelled. */
  start(run: EffectRun, done: (outcome: EffectOutcome, durationMs: number) => void): void {
    const id = slot(run.actor, run.invokeId);
    const superseded = this.running.get(id);
    if (superseded) {
      superseded.abort(new HoldfastError('EFFECT_FAILED', 'superseded by a new attempt'));
      this.settled(superseded);
    }
    const controller = new LazyAbort();
    this.running.set(id, controller);
    if (run.onSettled) this.settledHooks.set(controller, run.onSettled);
    const startedAt = this.clock.now();
    // One settling handler for either outcome: a second `.then` was a promise and a turn per effect.
    const settle = (outcome: EffectOutcome) => {
      this.settled(controller);
      if (this.running.get(id) !== controller) return; // cancelled or superseded: its result is stale
      this.running.delete(id);
      if (controller.aborted && !outcome.ok && outcome.error.code !== 'EFFECT_TIMEOUT') return;
      done(outcome, this.clock.now() - startedAt);
    };
    this.limiter.run(run.queue, run.limitKey, () => this.attempt(run, controller), controller).then(
      (output) => settle({ ok: true, output }),
      (error: unknown) => settle({ ok: false, error: toHoldfastError(error), retryable: !(error instanceof NonRetryableError) }),
    );
  }

  /** Aborts a running attempt; its result, if any, is dropped. */
  cancel(actor: ActorId, invokeId: string, reason = 'the invoking state was left'): void {
    const id = slot(actor, invokeId);
    const controller = this.running.get(id);
    if (!controller) return;
    this.running.delete(id);
    controller.abort(new HoldfastError('EFFECT_FAILED', `cancelled: ${reason}`));
    this.settled(controller); // over for its caller now, even if its implementation ignores the signal
  }

  private settled(controller: LazyAbort): void {
    const hook = this.settledHooks.get(controller);
    this.settledHooks.delete(controller);
    hook?.();
  }

  /** Aborts everything (runtime close): the work re-runs after a restart. */
  cancelAll(reason: string): void {
    for (const [id, controller] of this.running) {
      this.running.delete(id);
      controller.abort(new HoldfastError('RUNTIME_CLOSED', reason));
      this.settled(controller);
    }
  }

  private async attempt(run: EffectRun, controller: LazyAbort): Promise<unknown> {
    if (controller.aborted) throw controller.reason;
    const attempt = run.beforeRun ? await run.beforeRun() : run.attempt;
    if (controller.aborted) throw controller.reason;
    const args: Record<string, unknown> = {
      input: run.input,
      // Made when the implementation first reads it (lazy-abort.ts).
      get signal() {
        return controller.signal;
      },
      idempotencyKey: run.key,
      attempt,
      emit: ignoreEmit,
    };
    if (this.records) args.records = this.records;
    const work = run.implementation(args);
    if (run.timeoutMs === undefined) return work;
    // One promise for the attempt and its deadline (a second promise and Promise.race per call cost a share of the import's effects).
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        const error = new HoldfastError('EFFECT_TIMEOUT', `effect ${run.src} took longer than ${run.timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, run.timeoutMs!);
      Promise.resolve(work).then(
        (output) => {
          this.clock.clearTimeout(timer);
          resolve(output);
        },
        (error: unknown) => {
          this.clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

/** An effect's `emit`: effects report through their output, not emitted events. */
const ignoreEmit = (): void => {};

function slot(actor: ActorId, invokeId: string): string {
  return `${actor}\u0000${invokeId}`;
}

/** Full-jitter exponential backoff: a random delay up to base * 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
