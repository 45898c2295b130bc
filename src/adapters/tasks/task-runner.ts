/**
 * The effect of the `taskJob` machine: resolve the task by
 * name, run it in a scope, check the job it returns, hand back the next stage
 * and the fragments. At least once (contract 2): a run interrupted by a crash
 * runs again; its result is committed once. A task's idempotency key is its job's id.
 */
import { rm } from 'node:fs/promises';
import { HoldfastError, NonRetryableError, toHoldfastError } from '../../errors.js';
import type { TaskOutcome, TaskRunInput } from '../../machines/task.types.js';
import type { EffectContext } from '../../runtime/effect-runner.js';
import { parseJob } from './job-model.js';
import type { TaskRegistry } from './task-registry.js';
import { openTaskScope, type ScopeDeps } from './task-scope.js';

export interface RunnerDeps extends ScopeDeps {
  /** Undefined in a process that works no queue. */
  tasks: TaskRegistry | undefined;
  /** The queues this process serves. */
  served: ReadonlySet<string>;
}

/** One run of a task: `(input, effect context) => outcome`. */
export function createTaskRunner(deps: RunnerDeps): (input: TaskRunInput, context: EffectContext) => Promise<TaskOutcome> {
  // Runs of a killed process left their folders; the first run here (the store is ours now) sweeps them.
  let swept: Promise<void> | undefined;
  return async (input, { attempt, signal, records }) => {
    let job;
    try {
      job = parseJob(input.job); // spawned by hand (the owner's socket) or by an older version: checked again
    } catch (error) {
      throw new NonRetryableError(toHoldfastError(error).reason, { code: 'INVALID_INPUT', cause: error });
    }
    if (!deps.tasks || !deps.served.has(job.queue)) {
      throw new NonRetryableError(`queue ${job.queue} is not served by this process: the job waits queued`, { code: 'TASK_NOT_SERVED', details: { queue: job.queue } });
    }
    const task = deps.tasks.get(job.task);
    await (swept ??= rm(deps.tempRoot, { recursive: true, force: true }));
    // The job's id is the task's idempotency key: the same for every attempt and restart of this job,
    // also when a process that does not serve its queue put it back to queued in between.
    const scope = openTaskScope(job, { jobId: input.jobId, stage: input.stage, attempt, idempotencyKey: input.jobId, signal, records }, deps);
    try {
      const returned = await Promise.resolve().then(() => task(job, scope.context)).catch((error: unknown) => {
        throw named(job.task, error);
      });
      let next = null;
      try {
        next = returned === undefined || returned === null ? null : parseJob(returned);
      } catch (error) {
        throw new NonRetryableError(`task ${job.task} returned an invalid next job: ${toHoldfastError(error).reason}`, { code: 'INVALID_INPUT', cause: error });
      }
      return { next, fragments: scope.flush() };
    } finally {
      await scope.close();
    }
  };
}

/** The task's error with the task's name in front; a `NonRetryableError` stays one. */
function named(task: string, error: unknown): HoldfastError {
  const cause = toHoldfastError(error);
  const message = `task ${task}: ${cause.reason}`;
  const options = { cause: error, ...(cause.details ? { details: cause.details } : {}) };
  return error instanceof NonRetryableError ? new NonRetryableError(message, { ...options, code: cause.code }) : new HoldfastError(cause.code, message, options);
}
