/**
 * Every default of the runtime, in one frozen object: `createRuntime` fills its
 * options from it, the effect launcher its retries, the step loop its pace, and
 * an assembly (cli/assembly.ts) its limits. Documented `@default`s name these.
 */
import type { Durability } from '../persistence/store.js';

export interface RuntimeDefaults {
  /** A step counts as done once on disk, and so survives power loss (`commit`: once LMDB has it). */
  readonly durability: Durability;
  /** Effects running at once across the runtime (`limits.concurrency`). */
  readonly concurrency: number;
  /** Milliseconds `close()` lets running effects finish before aborting them. */
  readonly closeGraceMs: number;
  /** Attempts of an effect before its error reaches the machine (`EffectOptions.maxAttempts`). */
  readonly maxAttempts: number;
  /** The first retry's backoff, doubled per attempt up to `maxBackoffMs` (full jitter). */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /**
   * Steps per event-loop turn. Small, so the committer can hand the first steps of
   * a wave to the store while the rest are computed: the commits then overlap the
   * computing (pipelined group commit, committer.ts) instead of alternating with it.
   */
  readonly stepsPerTurn: number;
}

export const RUNTIME_DEFAULTS = Object.freeze({
  durability: 'flush',
  concurrency: 64,
  closeGraceMs: 2_000,
  maxAttempts: 5,
  backoffMs: 200,
  maxBackoffMs: 30_000,
  stepsPerTurn: 128,
}) satisfies RuntimeDefaults;
