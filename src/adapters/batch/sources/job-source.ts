/**
 * `exceptions:JOB` (another job's open exceptions: their item id and input)
 * and `results:JOB` (its results: item id and result value): the exception
 * store and the results store as sources.
 */
import { HoldfastError } from '../../../errors.js';
import type { SourceItem } from './item-source.js';

/** The part of BatchJobs a job source reads. */
export interface JobsReader {
  get(jobId: string): Promise<unknown>;
  exceptions(jobId: string, options?: { open?: boolean }): Promise<readonly { item: string; input: unknown }[]>;
  results(jobId: string): AsyncIterable<{ item: string; value: unknown }>;
}

/** The items of another job, once it is known to exist. @throws JOB_NOT_FOUND */
export async function jobItems(scheme: 'exceptions' | 'results', job: string, jobs: JobsReader): Promise<AsyncIterable<SourceItem>> {
  if ((await jobs.get(job)) === undefined) throw new HoldfastError('JOB_NOT_FOUND', `no batch job ${job} (for --source ${scheme}:${job}); see holdfast jobs`, { details: { job } });
  return scheme === 'exceptions' ? exceptionItems(job, jobs) : resultItems(job, jobs);
}

async function* exceptionItems(job: string, jobs: JobsReader): AsyncGenerator<SourceItem> {
  for (const exception of await jobs.exceptions(job, { open: true })) yield { id: exception.item, value: exception.input };
}

async function* resultItems(job: string, jobs: JobsReader): AsyncGenerator<SourceItem> {
  for await (const result of jobs.results(job)) yield { id: result.item, value: result.value };
}
