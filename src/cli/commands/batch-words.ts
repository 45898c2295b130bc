/**
 * Batch jobs in words, shared by the batch commands and the batch-job kind
 * (src/kinds/batch-job.ts): a job or JOB_NOT_FOUND, a duration, a table.
 * Imports no assembly, so a kind can use it.
 */
import type { BatchJobs } from '../../adapters/batch/batch-jobs.js';
import type { JobView } from '../../adapters/batch/job-views.js';
import { HoldfastError } from '../../errors.js';

/** The job, or JOB_NOT_FOUND naming it. */
export async function jobOrFail(jobs: BatchJobs, id: string): Promise<JobView> {
  const job = await jobs.get(id);
  if (!job) throw new HoldfastError('JOB_NOT_FOUND', `no batch job ${id}; see holdfast jobs`, { details: { job: id } });
  return job;
}

/** Milliseconds as "1.2 s" / "3 min". */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** Left-aligned columns. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
