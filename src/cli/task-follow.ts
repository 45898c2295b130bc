/**
 * Task jobs in `holdfast resume` (the task-job kind's resume, kinds/task-job.ts):
 * the ones not final are listed before the store opens for writing (a quick
 * task could end before they were counted after), then
 * followed to their end when the host module's worker serves their queue,
 * next stages included. Jobs on a queue nobody here serves wait queued: they
 * are named with their queue and what to do, and the command exits 1, as for
 * any work waiting on a person.
 */
import type { TaskWorkerOptions } from '../adapters/tasks/task-worker.js';
import { TASK_JOB_MACHINE } from '../machines/task-job.machine.js';
import type { TaskJobContext } from '../machines/task.types.js';
import type { ActorRecord } from '../runtime/actor-types.js';
import type { Runtime } from '../runtime/runtime.js';


export interface TaskJobFailure {
  id: string;
  task: string;
  state: string;
  error?: { code: string; message: string };
}

export interface TaskJobsSummary {
  /** Jobs run to their end by this command (next stages included). */
  succeeded: number;
  failed: TaskJobFailure[];
  /** Jobs left queued on queues this process does not serve, by queue. */
  waiting: Record<string, number>;
  /** Jobs paused by a person (`holdfast pause`): not waited on. */
  paused: string[];
}

/** Ids of the task jobs not yet final. */
export async function activeTaskJobs(reader: Pick<Runtime, 'query'>): Promise<string[]> {
  return (await reader.query({ machine: TASK_JOB_MACHINE, status: 'active' })).map((record) => record.id);
}

/**
 * Follows `ids` (and every task job that is active on a served queue, and
 * every next stage they defer) until each is final or waits on a queue
 * nobody here serves.
 */
export async function followTaskJobs(runtime: Pick<Runtime, 'get' | 'query' | 'subscribe' | 'isPaused'>, ids: readonly string[], worker: TaskWorkerOptions | undefined): Promise<TaskJobsSummary> {
  const served = new Set(Object.keys(worker?.queues ?? {}));
  const ended = new Map<string, ActorRecord>();
  const pending = [...ids];
  const more = async () => {
    const found: ActorRecord[] = [];
    for (const record of await runtime.query({ machine: TASK_JOB_MACHINE, status: 'active' })) {
      if (served.has(queueOf(record)) && !ended.has(record.id) && !(await runtime.isPaused(record.id))) found.push(record);
    }
    return found;
  };
  // A paused job waits for `holdfast unpause`, never for this command.
  const settled = async (now: ActorRecord) => now.status !== 'active' || (await runtime.isPaused(now.id));
  for (;;) {
    const id = pending.shift() ?? (await more())[0]?.id;
    if (id === undefined) break;
    if (ended.has(id)) continue;
    let record = await runtime.get(id);
    if (!record) continue; // deleted meanwhile
    if (record.status === 'active' && served.has(queueOf(record)) && !(await runtime.isPaused(id))) record = await untilSettled(runtime, id, settled);
    ended.set(id, record);
    const next = contextOf(record)?.next;
    if (next !== undefined) pending.push(next);
  }
  const summary: TaskJobsSummary = { succeeded: 0, failed: [], waiting: {}, paused: [] };
  for (const record of ended.values()) {
    if (record.status === 'active' && (await runtime.isPaused(record.id))) summary.paused.push(record.id);
    else if (record.status === 'active') summary.waiting[queueOf(record)] = (summary.waiting[queueOf(record)] ?? 0) + 1;
    else if (record.state === 'succeeded') summary.succeeded++;
    else summary.failed.push({ id: record.id, task: contextOf(record)?.job.task ?? '', state: record.status === 'parked' ? 'parked' : record.state, ...errorOf(record) });
  }
  return summary;
}

/**
 * The job's record once `settled` says so, checked now and after each of its steps, one check at a
 * time (a step during a check is checked after it). A task runs as long as it runs: no timeout.
 */
function untilSettled(runtime: Pick<Runtime, 'get' | 'subscribe'>, id: string, settled: (record: ActorRecord) => Promise<boolean>): Promise<ActorRecord> {
  return new Promise((resolve, reject) => {
    let checking = false;
    let again = false;
    let done = false;
    const check = async (): Promise<void> => {
      if (checking) return void (again = true);
      checking = true;
      try {
        do {
          again = false;
          const now = await runtime.get(id);
          if (now && !done && (await settled(now))) {
            done = true;
            unsubscribe();
            resolve(now);
          }
        } while (again && !done);
      } catch (error) {
        done = true;
        unsubscribe();
        reject(error);
      } finally {
        checking = false;
      }
    };
    const unsubscribe = runtime.subscribe((event) => {
      if ('id' in event && event.id === id) void check();
    });
    void check();
  });
}

/** True when nothing failed and nothing waits. */
export function taskJobsSucceeded(summary: TaskJobsSummary): boolean {
  return summary.failed.length === 0 && Object.keys(summary.waiting).length === 0 && summary.paused.length === 0;
}

/** The lines a person reads; none when there were no task jobs. */
export function describeTaskJobs(summary: TaskJobsSummary): string[] {
  const lines: string[] = [];
  if (summary.succeeded + summary.failed.length > 0) lines.push(`task jobs: ${summary.succeeded} succeeded, ${summary.failed.length} failed`);
  for (const job of summary.failed) lines.push(`  ${job.id} (${job.task}) ${job.state}${job.error ? `: [${job.error.code}] ${job.error.message}` : ''}; see holdfast job ${job.id}`);
  for (const id of summary.paused) lines.push(`task job ${id} is paused: holdfast unpause ${id}, then holdfast resume`);
  const waiting = Object.entries(summary.waiting);
  if (waiting.length > 0) {
    const queues = waiting.map(([queue, count]) => `${count} on queue ${queue}`).join(', ');
    lines.push(`task jobs waiting: ${queues}, which no task of this process serves; add the tasks and queues to holdfast.config.* (or --app FILE), then holdfast resume or holdfast serve`);
  }
  return lines;
}

function contextOf(record: ActorRecord): TaskJobContext | undefined {
  return record.snapshot?.context as TaskJobContext | undefined;
}

function queueOf(record: ActorRecord): string {
  return contextOf(record)?.job.queue ?? '';
}

function errorOf(record: ActorRecord): { error?: { code: string; message: string } } {
  const error = contextOf(record)?.error ?? record.error;
  return error ? { error: { code: error.code, message: error.message } } : {};
}
