/**
 * Typed task jobs: a stage runs a registered task and defers the next stage by
 * returning it. Its effect runs the task on the queues this process serves; it
 * writes entity fragments. At open, stages queued for this process are woken.
 */
import { taskJobMachines, taskQueueLimits, wakeTaskJobs, type TaskWorkerOptions } from '../adapters/tasks/task-worker.js';
import { activeTaskJobs, describeTaskJobs, followTaskJobs, taskJobsSucceeded } from '../cli/task-follow.js';
import { TASK_JOB_MACHINE } from '../machines/task-job.machine.js';
import { defineKind } from './work-kind.js';

export const taskJobKind = defineKind({
  name: TASK_JOB_MACHINE,
  title: 'task job',
  jobs: [TASK_JOB_MACHINE],
  actors: [TASK_JOB_MACHINE],
  machines: ({ services, options }) => taskJobMachines({ path: services.storePath as string }, options.tasks as TaskWorkerOptions | undefined),
  queues: ({ options }) => taskQueueLimits(options.tasks as TaskWorkerOptions | undefined),
  wake: (runtime, { options }) => wakeTaskJobs(runtime, options.tasks as TaskWorkerOptions | undefined),
  resume: {
    key: 'taskJobs',
    noun: 'task job',
    // Listed before the store opens: a quick task could end at open, before `start` is asked.
    peek: activeTaskJobs,
    async start({ runtime, services, peeked }) {
      const ids = (peeked.taskJobs as string[] | undefined) ?? (await activeTaskJobs(runtime));
      return {
        count: ids.length,
        async finish() {
          const summary = await followTaskJobs(runtime, ids, services.tasks as TaskWorkerOptions | undefined);
          return { summaries: [summary], json: summary, ended: summary.succeeded + summary.failed.length, lines: describeTaskJobs(summary), succeeded: taskJobsSucceeded(summary) };
        },
      };
    },
  },
});
