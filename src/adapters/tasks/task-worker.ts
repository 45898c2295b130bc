/**
 * Wiring task jobs into a runtime. Every process that opens a store registers
 * the `taskJob` machine (so it can restore any task job); a process given a
 * worker (a registry and the queues it serves) also runs them, each queue
 * with its own concurrency (`limits.queues['task:<queue>']`).
 * Jobs on queues nobody here serves stay `queued`; `wakeTaskJobs` hands them
 * to a worker that opens the store later.
 * @example
 * const worker = { tasks: defineTasks({ ... }), queues: { ingest: 2, index: 8 } };
 * const runtime = await createRuntime({
 *   store, machines: taskJobMachines(store, worker), limits: { queues: taskQueueLimits(worker) },
 * });
 * await wakeTaskJobs(runtime, worker);
 */
import { join } from 'node:path';
import { HoldfastError } from '../../errors.js';
import { TASK_JOB_MACHINE, TASK_JOB_VERSION, taskJobMachine } from '../../machines/task-job.machine.js';
import type { TaskJobContext, TaskJobInput } from '../../machines/task.types.js';
import type { ActorId, ActorRecord } from '../../runtime/actor-types.js';
import { effect } from '../../runtime/effect.js';
import { defineMachine, type MachineDefinition } from '../../runtime/machine-registry.js';
import { taskJobRecords } from '../../machines/written-records.js';
import type { Runtime, SpawnOptions } from '../../runtime/runtime.js';
import { archiveFolder, openArchive } from './content-archive.js';
import { jobSchema, parseJob, type AnyJob } from './job-model.js';
import type { TaskRegistry } from './task-registry.js';
import { createTaskRunner } from './task-runner.js';

export interface TaskWorkerOptions {
  tasks: TaskRegistry;
  /** The queues this process works, each with how many of its jobs run at once. */
  queues: Record<string, number>;
  /** Attempts of a task that throws (a `NonRetryableError` stops at once). @default 3 */
  maxAttempts?: number;
  /** First retry delay, doubling. @default 1000 */
  backoffMs?: number;
  /** An attempt running longer is aborted and counts as failed. @default none */
  timeoutMs?: number;
}

/** What task jobs know of the store: its folder (archive, temporaries). Fragments are read through the effect's context. */
export interface TaskStoreAccess {
  readonly path: string;
}

/** The limiter queue of a job queue: prefixed, so a task queue named `copy` is not the data load's. */
export const limiterQueue = (queue: string): string => `task:${queue}`;

/**
 * The `taskJob` machine definition for a runtime over `store`; with a worker,
 * its tasks run here. @throws INVALID_OPTIONS naming every problem of the worker
 */
export function taskJobMachines(store: TaskStoreAccess, worker?: TaskWorkerOptions, options: { archive?: string } = {}): MachineDefinition[] {
  const served = new Set(worker ? validQueues(worker) : []);
  const runTask = effect(
    createTaskRunner({
      tasks: worker?.tasks,
      served,
      archive: openArchive(options.archive ?? archiveFolder(store.path)),
      tempRoot: join(store.path, 'tmp', 'tasks'),
    }),
  );
  const machine = taskJobMachine.provide({
    actors: { runTask },
    guards: { served: ({ context }: { context: TaskJobContext }) => served.has(context.job.queue) },
  });
  const runOptions = {
    // Each job counts against its own queue's limit.
    queue: (input: unknown) => limiterQueue((input as { job: { queue: string } }).job.queue),
    maxAttempts: worker?.maxAttempts ?? 3,
    backoffMs: worker?.backoffMs ?? 1_000,
    ...(worker?.timeoutMs !== undefined ? { timeoutMs: worker.timeoutMs } : {}),
  };
  return [defineMachine({ name: TASK_JOB_MACHINE, version: TASK_JOB_VERSION, machine, effects: { runTask: runOptions }, records: taskJobRecords })];
}

/** `limits.queues` entries for the worker's queues. */
export function taskQueueLimits(worker?: TaskWorkerOptions): Record<string, number> {
  return Object.fromEntries(Object.entries(worker?.queues ?? {}).map(([queue, concurrency]) => [limiterQueue(queue), concurrency]));
}

/** Sends `task.wake` to every queued job on a queue the worker serves; resolves with how many. */
export async function wakeTaskJobs(runtime: Pick<Runtime, 'query' | 'send' | 'isPaused'>, worker?: TaskWorkerOptions): Promise<number> {
  if (!worker) return 0;
  const served = new Set(Object.keys(worker.queues));
  const all = (await runtime.query({ machine: TASK_JOB_MACHINE, state: 'queued', status: 'active' })).filter((record) => served.has((record.snapshot?.context as TaskJobContext | undefined)?.job.queue ?? ''));
  // A paused job's wake is held in memory until it is unpaused: awaited, it would hold up the opening for
  // a person. Not awaited; if the runtime closes first, the held wake is dropped and the next open sends it again.
  const paused = new Set<string>();
  for (const record of all) if (await runtime.isPaused(record.id)) paused.add(record.id);
  const queued = all.filter((record) => !paused.has(record.id));
  for (const record of all) if (paused.has(record.id)) void runtime.send(record.id, { type: 'task.wake' }).catch(() => undefined);
  for (let at = 0; at < queued.length; at += 500) {
    await Promise.all(queued.slice(at, at + 500).map((record) => runtime.send(record.id, { type: 'task.wake' })));
  }
  return queued.length;
}

/** Defers a job: validates it and spawns its `taskJob`. @throws INVALID_INPUT naming every wrong field; ACTOR_EXISTS */
export async function deferTaskJob(runtime: Pick<Runtime, 'spawn'>, job: unknown, options: Pick<SpawnOptions, 'id'> = {}): Promise<ActorId> {
  const input: TaskJobInput = { job: parseJob(job) };
  return runtime.spawn(TASK_JOB_MACHINE, input, options);
}

/** A task job as the CLI and the HTTP API show it. */
export interface TaskJobView {
  id: string;
  status: string;
  state: string;
  queue: string;
  task: string;
  dataset?: string;
  stage: number;
  entities: number;
  next?: string;
  fragments?: number;
  error?: { code: string; message: string };
}

export function describeTaskJob(record: ActorRecord): TaskJobView {
  const context = (record.snapshot?.context ?? {}) as Partial<TaskJobContext>;
  const job = (context.job ?? { queue: '', task: '', payload: {} }) as AnyJob;
  return {
    id: record.id,
    status: record.status,
    state: record.state,
    queue: job.queue,
    task: job.task,
    ...('dataset' in job ? { dataset: job.dataset } : {}),
    stage: context.stage ?? 1,
    entities: 'dataset' in job ? job.payload.entities.length : 0,
    ...(context.next !== undefined ? { next: context.next } : {}),
    ...(context.fragments !== undefined ? { fragments: context.fragments } : {}),
    ...(context.error ? { error: context.error } : record.error ? { error: { code: record.error.code, message: record.error.message } } : {}),
  };
}

function validQueues(worker: TaskWorkerOptions): string[] {
  const queues = Object.keys(worker.queues);
  const problems: string[] = [];
  for (const [queue, concurrency] of Object.entries(worker.queues)) {
    if (!jobSchema.shape.queue.safeParse(queue).success) problems.push(`${JSON.stringify(queue)} is not a queue name`);
    if (!Number.isInteger(concurrency) || concurrency <= 0) problems.push(`queues.${queue}: concurrency must be a positive integer, got ${String(concurrency)}`);
  }
  if (problems.length > 0) throw new HoldfastError('INVALID_OPTIONS', `invalid task worker: ${problems.join('; ')}`, { details: { problems } });
  return queues;
}
