/**
 * Tasks by name. A task receives the job (and the context of its run) and
 * may return a job: that job is deferred as the next stage, committed in the
 * same step as this job's completion. A registry is a plain value handed to
 * the worker (no global registration), so two runtimes can serve different
 * tasks in one process.
 * @example
 * const tasks = defineTasks({
 *   'ingestors.tasks.ingest': async (job, { fileReferences }) => { ... return DatasetJob.fromEntities({ ... }); },
 * });
 */
import type { Readable } from 'node:stream';
import { HoldfastError, NonRetryableError } from '../../errors.js';
import type { BulkWriter } from './bulk-writer.js';
import type { ContentArchive } from './content-archive.js';
import { jobSchema, type AnyJob, type Entity } from './job-model.js';

/** A file an entity references by its `contentHash`, opened from the archive within the task's run. */
export interface FileReference {
  readonly entity: Entity;
  readonly contentHash: string;
  /** A read stream of the content; destroyed when the run ends if still open. @throws ARCHIVE_MISSING */
  open(): Promise<Readable>;
  /** A temporary local copy's path, removed when the run ends, whatever the task did. @throws ARCHIVE_MISSING */
  localPath(): Promise<string>;
  /** A stream for the length of `use` only. */
  withStream<T>(use: (stream: Readable) => Promise<T>): Promise<T>;
  /** A temporary local copy for the length of `use` only (removed also when `use` throws). */
  withLocalPath<T>(use: (path: string) => Promise<T>): Promise<T>;
}

/** What a task gets besides its job. */
export interface TaskContext {
  /** The `taskJob` actor's id. */
  readonly jobId: string;
  /** 1 for a first job, 2 for the job it deferred, ... */
  readonly stage: number;
  /** 1 on the first attempt; runs are at least once (after a crash, again with the same key). */
  readonly attempt: number;
  /** The job's id: the same for every attempt and restart of this job. Make side effects idempotent with it. */
  readonly idempotencyKey: string;
  /** Aborted on timeout and when the runtime closes. */
  readonly signal: AbortSignal;
  /** The content-addressed archive (to put derived files in). */
  readonly archive: ContentArchive;
  /** The entities of a dataset job's payload (none for a plain job). */
  entities(): Entity[];
  /** The job's entities as the store has them now: the fragments written for each, merged; the payload's entity where none were. Read through the runtime, so awaited. */
  loadEntities(): Promise<Entity[]>;
  /** One reference per `contentHash` of the job's entities. */
  fileReferences(): FileReference[];
  /** This run's bulk writer: its fragments are written with the job's completion. @throws INVALID_INPUT for a job without dataset */
  writer(): BulkWriter;
}

type Deferred = AnyJob | null | undefined | void;
/** A task: returns the next stage's job to defer it, or nothing. Throw `NonRetryableError` to fail without retries. */
export type Task = (job: AnyJob, context: TaskContext) => Deferred | Promise<Deferred>;

export interface TaskRegistry {
  /** @throws UNKNOWN_TASK (non-retryable) naming the task and the known ones */
  get(name: string): Task;
  has(name: string): boolean;
  names(): string[];
}

/** A registry of tasks by name. @throws INVALID_OPTIONS naming every task name that is not a valid name */
export function defineTasks(tasks: Record<string, Task>): TaskRegistry {
  const byName = new Map(Object.entries(tasks));
  const invalid = [...byName.keys()].filter((name) => !jobSchema.shape.task.safeParse(name).success);
  if (invalid.length > 0) throw new HoldfastError('INVALID_OPTIONS', `invalid task names: ${invalid.map((name) => JSON.stringify(name)).join(', ')}`, { details: { invalid } });
  return {
    get(name) {
      const task = byName.get(name);
      if (task) return task;
      const known = [...byName.keys()].sort();
      const listed = known.length === 0 ? 'none' : known.slice(0, 20).join(', ') + (known.length > 20 ? `, and ${known.length - 20} more` : '');
      throw new NonRetryableError(`no task named ${JSON.stringify(name)} is registered (known: ${listed})`, { code: 'UNKNOWN_TASK', details: { task: name } });
    },
    has: (name) => byName.has(name),
    names: () => [...byName.keys()],
  };
}
