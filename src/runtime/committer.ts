/**
 * Group commit (DESIGN.md, "Performance design"): the steps of many actors,
 * computed in one event-loop turn, are written in one transaction. A step's
 * `after` callback runs only once its transaction is durable, so effects and
 * messages take effect after the commit (contract 1).
 *
 * Pipelined: once a transaction is written (committed, not yet flushed), the
 * next one may be written while the first is flushed. Transactions are written
 * one at a time in order and acknowledged strictly in order: a batch's `after`
 * callbacks run only once it and every batch before it are durable.
 *
 * Failures: a failed batch is retried together with every later batch already
 * handed to the store, as one transaction in their original order (mutations
 * are idempotent puts and removes), so no later step is acknowledged before an
 * earlier one and a re-applied earlier write never overwrites a later one.
 * Nothing new is written meanwhile. A retry that fails because the disk is
 * full is repeated as it stands until space returns; one that fails in a way
 * that may pass (passing-failures.ts) is made again after a short pause, a few
 * times; then it is split, so the one step that cannot be stored (a snapshot
 * that is not JSON) fails alone and the rest commit.
 */
import { HoldfastError, toHoldfastError } from '../errors.js';
import type { Durability, Mutation, Store } from '../persistence/store.js';
import type { Clock } from './clock.js';
import { faultPoint } from './fault-points.js';
import { mayPass, PASSING_RETRIES, passingDelayMs } from './passing-failures.js';

export interface PendingStep {
  /** The actor whose step this is: after a failed step, its later steps in the same batch fail too. */
  owner: string;
  mutations: Mutation[];
  after: () => void;
  failed: (error: HoldfastError) => void;
}

export interface CommitterHooks {
  storageFull(error: HoldfastError): void;
  storageRecovered(): void;
  /** A batch of `steps` became durable `durationMs` after it was handed to the store (metrics). */
  committed?(steps: number, durationMs: number): void;
}

export interface CommitterDiagnostics {
  /** Steps waiting for a transaction. */
  pending: number;
  /** Transactions handed to the store and not yet acknowledged, oldest first: their steps, what the store said, and since when (ms). */
  inFlight: { steps: number; outcome: string; ageMs: number }[];
  writing: boolean;
  recovering: boolean;
  scheduled: boolean;
  blocked: boolean;
  /** The last commit failures (at most 8), oldest first, whether or not they were recovered from. */
  failures: { at: string; code: string; message: string; steps: number }[];
}

/** A batch handed to the store and not yet acknowledged. */
interface InFlightBatch {
  steps: PendingStep[];
  /** performance.now() when it was handed to the store. */
  started: number;
  /** Undefined while the store works on it. */
  outcome: 'durable' | HoldfastError | undefined;
  /** Resolves once the store's promise settled, whatever its outcome. */
  settled: Promise<void>;
  /** Resolves once every step was acknowledged or failed. */
  done: Promise<void>;
  finish: () => void;
}

export class Committer {
  private pending: PendingStep[] = [];
  /** Handed to the store, oldest first; acknowledged only from the head. */
  private readonly inFlight: InFlightBatch[] = [];
  /** A batch is handed to the store and not yet written: the next one waits, so writes stay in order. */
  private writing = false;
  /** A failed batch and its successors are being re-applied: nothing else is written. */
  private recovering: Promise<void> | undefined;
  private scheduled = false;
  private retryDelayMs = 250;
  /** True while the disk is full: the host stops taking new steps. */
  blocked = false;

  constructor(
    private readonly store: Store,
    private readonly durability: Durability,
    private readonly clock: Clock,
    private readonly hooks: CommitterHooks,
    /** Steps per transaction at most, to bound a transaction's size and latency. */
    private readonly maxBatch = 5_000,
    /** Transactions written and not yet acknowledged at most (1 = no pipelining). */
    private readonly maxInFlight = 2,
  ) {}

  /** Steps waiting for a commit (not those inside one). */
  get backlog(): number {
    return this.pending.length;
  }

  /** Where the commit pipeline stands, for a stall report (runtime-diagnostics.ts). */
  diagnostics(now: number): CommitterDiagnostics {
    return {
      pending: this.pending.length,
      inFlight: this.inFlight.map((batch) => ({ steps: batch.steps.length, outcome: batch.outcome === undefined ? 'waiting' : batch.outcome === 'durable' ? 'durable' : batch.outcome.code, ageMs: Math.round(now - batch.started) })),
      writing: this.writing,
      recovering: this.recovering !== undefined,
      scheduled: this.scheduled,
      blocked: this.blocked,
      failures: [...this.failures],
    };
  }

  /** The last commit failures, oldest first: a recovered failure leaves no other trace. */
  private readonly failures: { at: string; code: string; message: string; steps: number }[] = [];

  private noteFailure(error: HoldfastError, steps: number): void {
    this.failures.push({ at: new Date().toISOString(), code: error.code, message: error.message, steps });
    if (this.failures.length > 8) this.failures.shift();
  }

  enqueue(step: PendingStep): void {
    this.pending.push(step);
    this.schedule();
  }

  /** Resolves when everything enqueued so far is durable (or failed). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight.length > 0 || this.recovering) {
      if (this.recovering) await this.recovering;
      else if (this.inFlight.length > 0) await this.inFlight[this.inFlight.length - 1]!.done;
      else this.flush();
    }
  }

  private get canWrite(): boolean {
    return !this.writing && !this.recovering && this.inFlight.length < this.maxInFlight;
  }

  private schedule(): void {
    if (this.scheduled || this.blocked || !this.canWrite || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.canWrite || this.pending.length === 0) return;
    const steps = this.pending.splice(0, this.maxBatch);
    const mutations: Mutation[] = [];
    for (const step of steps) for (const mutation of step.mutations) mutations.push(mutation);
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    // A measurement only (nothing decides by it), so the wall clock's fraction of a millisecond, not the injected clock.
    const started = performance.now();
    const batch: InFlightBatch = { steps, started, outcome: undefined, settled: Promise.resolve(), done, finish };
    this.inFlight.push(batch);
    this.writing = true;
    let written = false;
    // Not called on a failed write: `writing` then stays set until the recovery is over.
    const onWritten = () => {
      if (written) return;
      written = true;
      this.writing = false;
      this.schedule();
    };
    let durable: Promise<void>;
    try {
      faultPoint('committer.beforeCommit');
      durable = this.store.commit(mutations, this.durability, onWritten);
    } catch (cause) {
      durable = Promise.reject(cause);
    }
    batch.settled = durable.then(
      () => {
        batch.outcome = 'durable';
        onWritten(); // a store that cannot tell when it has written
        this.hooks.committed?.(steps.length, performance.now() - started);
        this.advance();
      },
      (cause: unknown) => {
        batch.outcome = toHoldfastError(cause, 'STORE_CORRUPT');
        this.noteFailure(batch.outcome, steps.length);
        this.advance();
      },
    );
  }

  /** Acknowledges durable batches from the head; a failed head starts the recovery. */
  private advance(): void {
    while (this.inFlight.length > 0 && !this.recovering) {
      const head = this.inFlight[0]!;
      if (head.outcome === undefined) break;
      if (head.outcome !== 'durable') {
        this.recovering = this.recover(head.outcome).finally(() => {
          this.recovering = undefined;
          this.writing = false;
          this.schedule();
        });
        return;
      }
      this.inFlight.shift();
      faultPoint('committer.afterCommitBeforeEffects');
      this.recovered();
      try {
        for (const step of head.steps) step.after();
      } finally {
        head.finish();
      }
    }
    this.schedule();
  }

  /** Re-applies the failed head and every batch after it, in order, once each has settled. */
  private async recover(error: HoldfastError): Promise<void> {
    this.writing = true;
    const batches = this.inFlight.splice(0);
    await Promise.all(batches.map((batch) => batch.settled));
    const steps: PendingStep[] = [];
    for (const batch of batches) for (const step of batch.steps) steps.push(step);
    try {
      await this.retry(steps, error);
    } finally {
      for (const batch of batches) batch.finish();
    }
  }

  /**
   * Even a single step is committed once more: it may have failed only because one before it did.
   * A failure that may pass (mayPass) is retried as one transaction after a short pause, a few
   * times, before the steps are taken one by one to find one that cannot be stored.
   */
  private async retry(steps: PendingStep[], error: HoldfastError, retries = 0): Promise<void> {
    if (error.code === 'STORAGE_FULL') return this.waitForSpace(steps, error);
    if (mayPass(error) && retries < PASSING_RETRIES) {
      await this.pause(passingDelayMs(retries));
      return this.commitSerial(steps, retries + 1);
    }
    return this.commitOneByOne(steps);
  }

  /** One transaction for all of `steps`, awaited to the end: the recovery path, never pipelined. */
  private async commitSerial(steps: PendingStep[], retries = 0): Promise<void> {
    const mutations: Mutation[] = [];
    for (const step of steps) for (const mutation of step.mutations) mutations.push(mutation);
    try {
      faultPoint('committer.beforeCommit');
      await this.store.commit(mutations, this.durability);
    } catch (cause) {
      const error = toHoldfastError(cause, 'STORE_CORRUPT');
      this.noteFailure(error, steps.length);
      return this.retry(steps, error, retries);
    }
    faultPoint('committer.afterCommitBeforeEffects');
    this.recovered();
    for (const step of steps) step.after();
  }

  /** Each step in its own transaction: one that cannot be stored fails, and so do its owner's later steps; the rest commit. */
  private async commitOneByOne(steps: PendingStep[]): Promise<void> {
    const failedOwners = new Map<string, HoldfastError>();
    for (const step of steps) {
      const earlier = failedOwners.get(step.owner);
      if (earlier) {
        step.failed(earlier);
        continue;
      }
      let failure: HoldfastError | undefined;
      for (let retries = 0; ; retries++) {
        try {
          await this.store.commit(step.mutations, this.durability);
          failure = undefined;
          break;
        } catch (cause) {
          failure = toHoldfastError(cause, 'STORE_CORRUPT');
          this.noteFailure(failure, 1);
          if (failure.code === 'STORAGE_FULL') return this.waitForSpace(steps.slice(steps.indexOf(step)), failure);
          if (!mayPass(failure) || retries >= PASSING_RETRIES) break;
          await this.pause(passingDelayMs(retries));
        }
      }
      if (failure) {
        failedOwners.set(step.owner, failure);
        step.failed(failure);
      } else {
        step.after();
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  /** Disk full: nothing acknowledged is lost; retry the same steps with backoff until they fit. */
  private async waitForSpace(steps: PendingStep[], error: HoldfastError): Promise<void> {
    if (!this.blocked) {
      this.blocked = true;
      this.hooks.storageFull(error);
    }
    await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.retryDelayMs));
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5_000);
    return this.commitSerial(steps);
  }

  private recovered(): void {
    this.retryDelayMs = 250;
    if (!this.blocked) return;
    this.blocked = false;
    this.hooks.storageRecovered();
  }
}
