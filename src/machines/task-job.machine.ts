/**
 * One typed task job: a job on a queue names a task; a worker that serves the
 * queue runs the task as an effect, under that queue's own concurrency; a task
 * that returns a job defers it as the next stage.
 *   queued -> running -> succeeded (spawns `<id>/next` when deferring)
 *                     \-> failed (unknown task, invalid next job, retries spent)
 *   running -> queued when the process does not serve the queue (TASK_NOT_SERVED)
 *
 * The next stage is spawned, and the fragments the task wrote are recorded,
 * by the step that consumes the task's result: one commit, so a crash never
 * loses or doubles the hand-over (an unfinished run runs again; a finished
 * one never does, and spawning by key is idempotent). Any process can restore
 * any task job; one that serves nothing leaves them queued.
 */
import { assign, enqueueActions, setup, type DoneActorEvent } from 'xstate';
import { spawnActors, writeRecord } from './messaging.js';
import { unprovided } from './unprovided.js';
import { ENTITY_FRAGMENTS, type TaskErrorJson, type TaskJobContext, type TaskJobInput, type TaskOutcome, type TaskRunInput } from './task.types.js';

export const TASK_JOB_MACHINE = 'taskJob';
export const TASK_JOB_VERSION = '1';
/** The key of the next stage under its job: its id is `<job id>/next`. */
export const NEXT_STAGE_KEY = 'next';

export type TaskJobEvent = { type: 'task.wake' };

const errorOf = (error: unknown): TaskErrorJson => {
  const { code = 'EFFECT_FAILED', message = String(error) } = (error ?? {}) as Partial<TaskErrorJson>;
  return { code, message };
};

type TaskDone = DoneActorEvent<TaskOutcome>;

/** Hand-over, in the consuming step: spawn the next stage, write the fragments, remember both. */
const finish = [
  assign<TaskJobContext, TaskDone, undefined, TaskJobEvent, never>(({ event, self }) => ({
    next: event.output.next ? `${self.id}/${NEXT_STAGE_KEY}` : undefined,
    fragments: event.output.fragments.length,
  })),
  spawnActors<TaskJobContext, TaskDone, undefined, TaskJobEvent>(({ context, event }) => {
    const next = event.output.next;
    return next ? [{ machine: TASK_JOB_MACHINE, key: NEXT_STAGE_KEY, input: { job: next, stage: context.stage + 1 } satisfies TaskJobInput }] : [];
  }),
  enqueueActions<TaskJobContext, TaskDone, undefined, TaskJobEvent, never, never, never, never, never>(({ event, self, enqueue }) => {
    for (const { dataset, entity } of event.output.fragments) {
      enqueue(writeRecord(() => ({ collection: ENTITY_FRAGMENTS, key: [dataset, entity.id, self.id], value: entity })));
    }
  }),
];

export const taskJobMachine = setup({
  types: {
    input: {} as TaskJobInput,
    context: {} as TaskJobContext,
    events: {} as TaskJobEvent,
  },
  actors: { runTask: unprovided<TaskOutcome, TaskRunInput>('runTask') },
  guards: {
    /** Provided by the worker: the job's queue is served by this process. */
    served: (_: { context: TaskJobContext }) => false,
    notServed: ({ event }) => errorOf((event as { error?: unknown }).error).code === 'TASK_NOT_SERVED',
  },
}).createMachine({
  id: TASK_JOB_MACHINE,
  context: ({ input }) => ({ job: input.job, stage: input.stage ?? 1 }),
  initial: 'queued',
  states: {
    queued: {
      always: { guard: 'served', target: 'running' },
      // Sent by a worker when it opens the store: `served` is checked again.
      on: { 'task.wake': { target: 'queued', reenter: true } },
    },
    running: {
      invoke: {
        id: 'task',
        src: 'runTask',
        input: ({ context, self }): TaskRunInput => ({ job: context.job, jobId: self.id, stage: context.stage }),
        onDone: { target: 'succeeded', actions: finish },
        onError: [
          { guard: 'notServed', target: 'queued' },
          { target: 'failed', actions: assign({ error: ({ event }) => errorOf((event as { error?: unknown }).error) }) },
        ],
      },
    },
    succeeded: { type: 'final' },
    failed: { type: 'final' },
  },
});
