/**
 * Group commit (DESIGN.md, "Performance design"): the steps of many actors,
 * computed in one event-loop turn, are written in one transaction. A step's
 * `after` callback runs only once its transaction is durable, so effects and
 * messages take effect after the commit (contract 1).
 *
 * Failures: a commit that fails because the disk is full is retried as it
 * stands until space returns (its mutations are idempotent puts and removes);
 * one that fails for any other reason is split, so the one step that cannot be
 * stored (a snapshot that is not JSON) fails alone and the rest commit.
 */
import { HoldfastError, toHoldfastError } from '../errors.js';
import type { Durability, Mutation, Store } from '../persistence/store.js';
import type { Clock } from './clock.js';
import { faultPoint } from '../testing/fault-points.js';

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
}

export class Committer {
  private pending: PendingStep[] = [];
  private inFlight: Promise<void> | undefined;
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
  ) {}

  /** Steps waiting for or inside a commit. */
  get backlog(): number {
    return this.pending.length;
  }

  enqueue(step: PendingStep): void {
    this.pending.push(step);
    this.schedule();
  }

  /** Resolves when everything enqueued so far is durable (or failed). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight) {
      if (this.inFlight) await this.inFlight;
      else await this.flush();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.blocked) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    if (this.inFlight || this.pending.length === 0) return this.inFlight ?? Promise.resolve();
    const batch = this.pending.splice(0, this.maxBatch);
    this.inFlight = this.commitBatch(batch).finally(() => {
      this.inFlight = undefined;
      if (this.pending.length > 0) this.schedule();
    });
    return this.inFlight;
  }

  private async commitBatch(batch: PendingStep[]): Promise<void> {
    const mutations: Mutation[] = [];
    for (const step of batch) for (const mutation of step.mutations) mutations.push(mutation);
    try {
      faultPoint('committer.beforeCommit');
      await this.store.commit(mutations, this.durability);
    } catch (cause) {
      const error = toHoldfastError(cause, 'STORE_CORRUPT');
      if (error.code === 'STORAGE_FULL') return this.waitForSpace(batch, error);
      if (batch.length === 1) return batch[0]!.failed(error);
      return this.commitOneByOne(batch);
    }
    faultPoint('committer.afterCommitBeforeEffects');
    this.recovered();
    for (const step of batch) step.after();
  }

  private async commitOneByOne(batch: PendingStep[]): Promise<void> {
    const failedOwners = new Map<string, HoldfastError>();
    for (const step of batch) {
      const earlier = failedOwners.get(step.owner);
      if (earlier) {
        step.failed(earlier);
        continue;
      }
      try {
        await this.store.commit(step.mutations, this.durability);
        step.after();
      } catch (cause) {
        const error = toHoldfastError(cause, 'STORE_CORRUPT');
        if (error.code === 'STORAGE_FULL') return this.waitForSpace(batch.slice(batch.indexOf(step)), error);
        failedOwners.set(step.owner, error);
        step.failed(error);
      }
    }
  }

  /** Disk full: nothing acknowledged is lost; retry the same batch with backoff until it fits. */
  private async waitForSpace(batch: PendingStep[], error: HoldfastError): Promise<void> {
    if (!this.blocked) {
      this.blocked = true;
      this.hooks.storageFull(error);
    }
    await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.retryDelayMs));
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5_000);
    return this.commitBatch(batch);
  }

  private recovered(): void {
    this.retryDelayMs = 250;
    if (!this.blocked) return;
    this.blocked = false;
    this.hooks.storageRecovered();
  }
}
