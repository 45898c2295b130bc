/**
 * `holdfast batches ID`, `holdfast exceptions ID [--all]` and `holdfast
 * resolve ID ITEM --value JSON`: a job's batch table, its exception store, and
 * a person's answer for an item that failed. The views read the store
 * read-only, beside a running owner.
 */
import type { Command } from 'commander';
import type { BatchView, ExceptionView } from '../../adapters/batch/job-views.js';
import { otherOwner } from '../owner-routing.js';
import { batchTask, hostFor, jobOrFail, optionsOf, parseJsonValue, withBatchJobs, type Run } from './batch-context.js';
import { sendBatchCommand } from './batch-owner.js';
import { withBatchViews } from './batch-readonly.js';
import { table } from './batch-words.js';

export { table };

export function registerBatchViews(program: Command, run: Run): void {
  program
    .command('batches')
    .description('per batch of a job: done or not, items, exceptions, completed, config hash, code version, drift')
    .argument('<id>', 'the job id')
    .option('--app <file>', 'the host module (default: holdfast.config.* in this folder)')
    .action((id: string, _options: unknown, command: Command) => run(batchTask(() => showBatches(id, command))));
  program
    .command('exceptions')
    .description("a job's open exceptions: item, batch, step, error")
    .argument('<id>', 'the job id')
    .option('--all', 'resolved ones too')
    .action((id: string, _options: unknown, command: Command) => run(batchTask(() => showExceptions(id, command))));
  program
    .command('resolve')
    .description("record a person's answer as an item's result; its exception is closed")
    .argument('<id>', 'the job id')
    .argument('<item>', 'the item id')
    .requiredOption('--value <json>', 'the result, as JSON')
    .action((id: string, item: string, _options: unknown, command: Command) => run(batchTask(() => resolveItem(id, item, command))));
}

async function showBatches(id: string, command: Command): Promise<number> {
  const { options, out } = optionsOf(command);
  const host = await hostFor(options, false);
  return withBatchViews(options.store, host?.applications ?? [], async (jobs) => {
    const job = await jobOrFail(jobs, id);
    const batches = await jobs.batches(id);
    const drifted = batches.filter((batch) => batch.drift).length;
    out.result({ job: id, configHash: job.configHash, codeVersion: job.codeVersion, batches, drifted });
    out.say(`job ${id}: ${batches.length} batch(es) of ${job.partition}; now config ${job.configHash}, code ${job.codeVersion}${host ? '' : ' (no host module loaded: code drift not known)'}`);
    for (const line of batchTable(batches)) out.say(line);
    if (drifted > 0) out.say(`${drifted} batch(es) drifted (*): holdfast run ${id} --stale`);
    return 0;
  });
}

/** The batch table, drifted batches marked `*`. */
export function batchTable(batches: readonly BatchView[]): string[] {
  const rows = batches.map((batch) => [
    String(batch.batch),
    batch.waitingForApplication ? 'waiting for its application' : batch.done ? 'done' : '-',
    String(batch.items),
    String(batch.exceptions),
    batch.completedAt === undefined ? '-' : new Date(batch.completedAt).toISOString(),
    batch.configHash ?? '-',
    batch.codeVersion ?? '-',
    batch.drift ? '*' : '',
  ]);
  return table(['batch', 'done', 'items', 'exceptions', 'completed', 'config', 'code', 'drift'], rows);
}

async function showExceptions(id: string, command: Command): Promise<number> {
  const { options, out } = optionsOf<{ all?: boolean }>(command);
  return withBatchViews(options.store, [], async (jobs) => {
    await jobOrFail(jobs, id);
    const exceptions = await jobs.exceptions(id, { open: !options.all });
    out.result({ job: id, exceptions });
    if (exceptions.length === 0) out.say(options.all ? 'no exceptions' : 'no open exceptions');
    for (const line of exceptionLines(exceptions)) out.say(line);
    return 0;
  });
}

function exceptionLines(exceptions: readonly ExceptionView[]): string[] {
  return exceptions.map((exception) => {
    const input = JSON.stringify(exception.input) ?? '';
    const state = exception.resolved ? `resolved: ${JSON.stringify(exception.value)}` : 'open';
    return `${exception.item}  batch ${exception.batch}  ${exception.step}: ${exception.error.code ? `[${exception.error.code}] ` : ''}${exception.error.message}  (${state})  input ${input.length > 120 ? `${input.slice(0, 117)}...` : input}`;
  });
}

async function resolveItem(id: string, item: string, command: Command): Promise<number> {
  const { options, out } = optionsOf<{ value: string }>(command);
  const value = parseJsonValue(options.value, '--value');
  const owner = otherOwner(options.store);
  if (owner !== undefined) {
    await sendBatchCommand(options.store, 'resolveException', { job: id, item, value });
    out.result({ job: id, item, resolved: true, value, owner });
    out.say(`resolved ${item} of job ${id} (through the store's owner, pid ${owner})`);
    return 0;
  }
  return withBatchJobs(options, { host: undefined, resume: false }, async ({ jobs }) => {
    await jobOrFail(jobs, id);
    await jobs.resolve(id, item, value);
    out.result({ job: id, item, resolved: true, value });
    out.say(`resolved ${item} of job ${id}`);
    return 0;
  });
}

