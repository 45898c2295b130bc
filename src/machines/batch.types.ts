/**
 * Types shared by the batch-job machines (batch-job.machine.ts, batch.machine.ts)
 * and the effects that src/adapters/batch provides them.
 */

/** What a batch child processes: a partition batch, a deterministic sample, or a batch's open exceptions. */
export type BatchKind = 'batch' | 'sample' | 'reprocess';

/**
 * Which batches a run takes: `pending` skips a batch already done, `stale` one
 * done under the current config and code, `force` runs it whatever its state.
 */
export type RunMode = 'pending' | 'stale' | 'force';

/** A batch child's input, fixed when its run dispatches it. */
export interface BatchInput {
  jobId: string;
  batch: number;
  /** The run that dispatched it (the job's run counter). */
  seq: number;
  kind: BatchKind;
  mode: RunMode;
  application: string;
  config: unknown;
  configHash: string;
  params: Record<string, string>;
  partition: string;
  /** Items per stored page of the job's items. */
  page: number;
  /** Items in the job. */
  total: number;
  /** Items in the sample (kind `sample`). */
  sample?: number;
}

/** A keyed record written with a chunk's step (`value: null` deletes it). */
export interface RecordWrite {
  collection: string;
  key: (string | number)[];
  value: unknown;
}

/** What the `processChunk` effect receives: the batch and where it stands. */
export interface ChunkInput extends BatchInput {
  position: number;
}

/** A processed chunk: the records to commit with the batch's new position. */
export interface ChunkOutput {
  /** The batch needs no run (done already, or not drifted): nothing was processed. */
  skip?: boolean;
  records: RecordWrite[];
  position: number;
  done: boolean;
  items: number;
  results: number;
  exceptions: number;
  /** When the chunk ended (effects may read the clock; machines may not). */
  at: number;
}

/** The message a batch child sends its job when it ends. */
export interface BatchFinished {
  type: 'batch.finished';
  seq: number;
  batch: number;
  kind: BatchKind;
  outcome: 'completed' | 'skipped' | 'failed';
  items: number;
  results: number;
  exceptions: number;
  error?: { code: string; message: string };
  at: number;
}

/** An inclusive range of batch numbers. */
export type BatchRange = [number, number];

/** A run asked of a job (the API stamps `request` and `at`). */
/** What a run counts as its batches finish: kept on the job's active run, then in the run's record. */
export interface RunCounts {
  batchesRun: number;
  batchesSkipped: number;
  batchesFailed: number;
  items: number;
  results: number;
  exceptions: number;
  errors: { batch: number; code: string; message: string }[];
}

export interface RunRequested {
  type: 'run.requested';
  request: string;
  kind: BatchKind;
  mode: RunMode;
  /** The batches to run, as sorted inclusive ranges (one pseudo-batch 0 for a sample). */
  todo: BatchRange[];
  parallel: number;
  sample?: number;
  at: number;
}

/** Tells a batch waiting for its application that this process registers it (sent when such a process opens the store). */
export interface ApplicationAvailable {
  type: 'application.available';
  application: string;
}

export interface ConfigUpdated {
  type: 'config.updated';
  config: unknown;
  configHash: string;
}
