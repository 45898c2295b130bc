/**
 * Batch jobs: a job over a source is partitioned into batches, run one, all, in
 * parallel or as a sample, with per-node statistics and an exception queue. Its
 * effect runs a chunk of a batch through the host module's application; it
 * writes items, results, exceptions, statistics and runs. `resume` continues
 * interrupted runs (with the host module); a running run refuses a delete.
 */
import type { Application } from '../adapters/batch/application.js';
import { batchJobInspector } from '../adapters/batch/batch-inspector.js';
import { batchJobMachines } from '../adapters/batch/batch-machines.js';
import type { BatchJobs } from '../adapters/batch/batch-jobs.js';
import { describeBatchChild } from '../adapters/batch/batch-names.js';
import { jobContext, jobProgress } from '../adapters/batch/job-views.js';
import { showBatchJob } from '../cli/commands/batch-job-view.js';
import { describeRun } from '../cli/commands/batch-run-output.js';
import { BATCH_JOB_MACHINE, type BatchJobContext } from '../machines/batch-job.machine.js';
import { BATCH_MACHINE } from '../machines/batch.machine.js';
import type { ActorRecord } from '../runtime/actor-types.js';
import type { Runtime } from '../runtime/runtime.js';
import { defineKind } from './work-kind.js';

/** Batch jobs with a run in progress: their steps need the host module's applications. */
async function interruptedRuns(runtime: Pick<Runtime, 'actors'>): Promise<number> {
  let runs = 0;
  for await (const job of runtime.actors({ machine: BATCH_JOB_MACHINE, status: 'active' })) if ((job.snapshot?.context as BatchJobContext | undefined)?.run !== undefined) runs++;
  return runs;
}

/** A batch job's child by its batch and run, when its parent is a batch job. */
const childWords = (actor: ActorRecord, parent: ActorRecord | undefined) => (parent?.machine === BATCH_JOB_MACHINE ? describeBatchChild(actor.id) : undefined);

export const batchJobKind = defineKind({
  name: BATCH_JOB_MACHINE,
  title: 'batch job',
  jobs: [BATCH_JOB_MACHINE],
  actors: [BATCH_JOB_MACHINE, BATCH_MACHINE],
  // Its chunk effect reads the job's items through its effect context's records.
  machines: ({ services }) => batchJobMachines((services.applications ?? []) as readonly Application[]),
  async describe(job, reader) {
    // What tells batch jobs apart in a list: application, items, description; and its state in `job ID`'s words.
    const context = jobContext(job);
    return {
      ...(context ? { state: (await jobProgress(reader, job, context)).state } : {}),
      facts: { application: context?.application, items: context?.items, batches: context?.batches, description: context?.description },
      words: `  ${context?.application}, ${context?.items} items${context?.description ? `: ${context.description}` : ''}`,
    };
  },
  label: (actor) => describeBatchChild(actor.id),
  words(actor, parent) {
    const words = childWords(actor, parent);
    return words ? { line: `${words} of job ${actor.parent}`, json: { describes: `${words} of job ${actor.parent}` } } : undefined;
  },
  view: (reader, id, options, out) => showBatchJob(reader, id, options, out),
  // The page's DAG statistics, exception queue, resolve and reprocess; NOT_AVAILABLE without `batchJobs`.
  inspector: ({ runtime, services }) => batchJobInspector(runtime, services.batchJobs, (services.applications ?? []) as readonly Application[]),
  resume: {
    key: 'batchRuns',
    noun: 'batch run',
    needsHost: interruptedRuns,
    async start({ runtime, services, counted }) {
      const jobs = services.batchJobs as BatchJobs;
      return {
        // As counted before the store opened: a short run may end before this is asked again.
        count: counted.batchRuns ?? (await interruptedRuns(runtime)),
        async finish() {
          const summaries = await jobs.resumeRuns();
          const lines: string[] = [];
          for (const summary of summaries) lines.push(...describeRun(summary, (await jobs.get(summary.job))?.summary.exceptionsOpen ?? 0));
          return { summaries, lines, succeeded: true };
        },
      };
    },
  },
  delete: ({ services }, id) => (services.batchJobs as BatchJobs).delete(id),
});
