/**
 * `exceptions:JOB` (another job's open exceptions: their item id and input)
 * and `results:JOB` (its results: item id and result value): the exception
 * store and the results store as sources.
 */
import { HoldfastError } from '../../../errors.js';
import type { SourceItem } from './item-source.js';

/** The part of BatchJobs a job source reads. */
export interface JobsReader {
  get(jobId: string): unknown;
  exceptions(jobId: string, options?: { open?: boolean }): readonly { item: string; input: unknown }[];
  results(jobId: string): Iterable<{ item: string; value: unknown }>;
}

export function jobItems(scheme: 'exceptions' | 'results', job: string, jobs: JobsReader): AsyncIterable<SourceItem> {
  if (jobs.get(job) === undefined) throw new HoldfastError('JOB_NOT_FOUND', `no batch job ${job} (for --source ${scheme}:${job}); see holdfast jobs`, { details: { job } });
  return scheme === 'exceptions' ? exceptionItems(job, jobs) : resultItems(job, jobs);
}

async function* exceptionItems(job: string, jobs: JobsReader): AsyncGenerator<SourceItem> {
  for (const exception of jobs.exceptions(job, { open: true })) yield { id: exception.item, value: exception.input };
}

async function* resultItems(job: string, jobs: JobsReader): AsyncGenerator<SourceItem> {
  for (const result of jobs.results(job)) yield { id: result.item, value: result.value };
}
