/**
 * `holdfast job ID` for a batch job: the job record and its execution
 * summary; `--stats` adds per DAG node items, successes, failures, total,
 * p50 and p95 time; `--results` streams the results (a job may have
 * 1,000,000: written as they are read, never held whole). Reads the store
 * read-only, so it works beside a running owner.
 */
import { createBatchJobs } from '../../adapters/batch/batch-jobs.js';
import type { JobView } from '../../adapters/batch/job-views.js';
import type { NodeStats } from '../../adapters/batch/node-stats.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Output } from '../cli-context.js';
import { duration, jobOrFail, table } from './batch-words.js';

export interface BatchJobViewOptions {
  stats?: boolean;
  results?: boolean;
  sample?: boolean;
}

/** Shows batch job `id` over a reader of the store (the batch-job kind's view of `holdfast job ID`). */
export async function showBatchJob(reader: Runtime, id: string, options: BatchJobViewOptions, out: Output): Promise<number> {
  const jobs = createBatchJobs(reader, [], { wake: false });
  const job = await jobOrFail(jobs, id);
  if (options.results) return streamResults(job, jobs.results(id, { sample: options.sample ?? false }), out);
  const stats = options.stats ? await jobs.stats(id) : undefined;
  out.result({ ...job, ...(stats ? { stats } : {}) });
  for (const line of describeJob(job)) out.say(line);
  if (stats) for (const line of statsTable(stats)) out.say(`  ${line}`);
  return 0;
}

export function describeJob(job: JobView): string[] {
  const { summary } = job;
  return [
    `${job.id}  batch job of ${job.application}  ${job.state}`,
    `  created      ${new Date(job.createdAt).toISOString()}`,
    `  description  ${job.description || '-'}`,
    `  source       ${job.source}`,
    `  partition    ${job.partition} (${job.batches} batches, ${job.items} items)`,
    `  config       ${JSON.stringify(job.config)} (hash ${job.configHash})`,
    `  code         ${job.codeVersion}`,
    `  params       ${Object.keys(job.params).length === 0 ? '-' : Object.entries(job.params).map(([key, value]) => `${key}=${value}`).join(' ')}`,
    `  done ${summary.done}, failed ${summary.failed}, pending ${summary.pending}; ${summary.exceptionsOpen} exception(s) open`,
    `  elapsed ${duration(summary.elapsedMs)}, ${Math.round(summary.itemsPerSecond)} items/s`,
    ...(job.waitingForApplication
      ? [`  waiting      batch(es) ${job.waitingForApplication.batches.join(', ')} wait for application ${job.waitingForApplication.application}: continue with holdfast resume --app FILE (or a holdfast serve --app FILE that registers it)`]
      : []),
  ];
}

export function statsTable(stats: readonly NodeStats[]): string[] {
  const ms = (value: number) => value.toFixed(value < 10 ? 3 : 1);
  return table(
    ['node', 'items', 'successes', 'failures', 'total ms', 'p50 ms', 'p95 ms'],
    stats.map((node) => [node.node, String(node.items), String(node.successes), String(node.failures), ms(node.totalMs), ms(node.p50Ms), ms(node.p95Ms)]),
  );
}

/**
 * One line per result (`ITEM<TAB>JSON`); with --json one JSON object
 * `{ job, results: [{ item, value }, ...] }`, written piece by piece with
 * backpressure so memory stays flat.
 */
async function streamResults(job: JobView, results: AsyncIterable<{ item: string; value: unknown }>, out: Output): Promise<number> {
  let buffer = out.json ? `{"job":${JSON.stringify(job.id)},"results":[` : '';
  let first = true;
  let count = 0;
  for await (const result of results) {
    buffer += out.json ? `${first ? '' : ','}${JSON.stringify({ item: result.item, value: result.value ?? null })}` : `${result.item}\t${JSON.stringify(result.value ?? null)}\n`;
    first = false;
    count += 1;
    if (buffer.length >= 65_536) {
      await write(buffer);
      buffer = '';
    }
  }
  buffer += out.json ? `],"count":${count}}\n` : '';
  await write(buffer);
  if (!out.json && count === 0) process.stderr.write(`job ${job.id} has no results yet\n`);
  return 0;
}

function write(text: string): Promise<void> {
  if (text === '' || process.stdout.write(text)) return Promise.resolve();
  return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
}
