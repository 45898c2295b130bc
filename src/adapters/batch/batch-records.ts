/**
 * The records a batch job keeps beside its actors, each keyed by an array
 * starting with the job id, so everything of a job scans (and deletes) by prefix.
 *   batch.items          [job, batch, page] -> [id, value][] the items, snapshotted at create (item-pages.ts)
 *   batch.results        [job, item id]  -> { value, batch }  one per item that succeeded (or was resolved)
 *   batch.exceptions     [job, item id]  -> ExceptionRecord   one per item that failed
 *   batch.sampleResults  [job, item id]  -> SampleRecord      the last sample run's outcomes, kept apart
 *   batch.batches        [job, batch]    -> BatchRecord       progress, stats and completion of a batch
 *   batch.runs           [job, request]  -> RunRecord         a finished run's summary
 *   batch.creating       [job]           -> { at }            a create or delete in progress (finished by cleanAbandonedCreates if a kill cut it short)
 */
import type { RunCounts } from '../../machines/batch.types.js';
import type { NodeAggregate } from './node-stats.js';

export const ITEMS = 'batch.items';
export const RESULTS = 'batch.results';
export const EXCEPTIONS = 'batch.exceptions';
export const SAMPLE_RESULTS = 'batch.sampleResults';
export const BATCHES = 'batch.batches';
export const RUNS = 'batch.runs';
export const CREATING = 'batch.creating';

/** Every collection holding a job's records, in the order a delete removes them. */
export const JOB_COLLECTIONS = [RESULTS, EXCEPTIONS, SAMPLE_RESULTS, BATCHES, RUNS, ITEMS, CREATING] as const;

/** A page of a batch's items: [id, value] pairs in position order. */
export type ItemPage = [string, unknown][];

export interface ResultRecord {
  value: unknown;
  batch: number;
}

export interface ErrorInfo {
  code?: string;
  message: string;
  stack?: string;
}

export interface ExceptionRecord {
  batch: number;
  step: string;
  error: ErrorInfo;
  input: unknown;
  resolved: boolean;
  /** The answer that closed it (a person's, or the result of a reprocess or re-run). */
  value?: unknown;
  resolution?: 'human' | 'reprocessed' | 'rerun';
  at: number;
  resolvedAt?: number;
}

export type SampleRecord = { value: unknown } | { step: string; error: ErrorInfo };

/** A batch's state: written with every chunk's results, so progress and results commit together. */
export interface BatchRecord {
  done: boolean;
  /** Items of the batch processed in the current (or last) run. */
  position: number;
  items: number;
  results: number;
  exceptions: number;
  /** Per DAG node, for the current (or last) run of the batch. */
  stats: Record<string, NodeAggregate>;
  /** Config hashes and code versions its chunks ran under in this run (more than one: drift). */
  configHashes: string[];
  codeVersions: string[];
  /** True when earlier runs may have left results or exceptions for its items (so they are replaced, not assumed absent). */
  rerun: boolean;
  startedAt: number;
  completedAt?: number;
  /** Times the batch was completed, over all runs. */
  completions: number;
}

export interface RunRecord extends RunCounts {
  job: string;
  request: string;
  kind: 'batches' | 'sample' | 'reprocess';
  startedAt: number;
  finishedAt: number;
  elapsedMs: number;
}
