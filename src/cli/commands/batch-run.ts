/**
 * `holdfast run ID [--batch N | --all | --sample N | --stale] [--parallel K]`
 * [--config FILE] and `holdfast reprocess ID [--parallel K]`: runs in the foreground, with
 * progress and a summary; a kill leaves the run resumable (`run` again, or
 * `holdfast resume`). While another process owns the store, the run starts
 * there and is followed here (batch-owner.ts).
 */
import type { Command } from 'commander';
import type { BatchJobs, RunRequest, RunSummary } from '../../adapters/batch/batch-jobs.js';
import { HoldfastError } from '../../errors.js';
import type { Holdfast } from '../assembly.js';
import { positiveInt, usage, type Output } from '../cli-context.js';
import { otherOwner } from '../owner-routing.js';
import { batchTask, hostFor, jobOrFail, optionsOf, readJsonFile, withBatchJobs, type Run } from './batch-context.js';
import { followOwnerRun, sendBatchCommand } from './batch-owner.js';
import { followProgress } from './batch-progress.js';
import { describeRun, printRun } from './batch-run-output.js';

export { describeRun };

interface RunOptions {
  batch?: number[];
  all?: boolean;
  sample?: number;
  stale?: boolean;
  parallel: number;
}

export function registerBatchRun(program: Command, run: Run): void {
  program
    .command('run')
    .description('run a batch job: one batch, all, the drifted ones, or a test sample')
    .argument('<id>', 'the job id')
    .option('--batch <n>', 'run batch N (as `holdfast batches` numbers them; repeatable)', (value: string, all: number[] = []) => [...all, batchNumber(value)])
    .option('--all', 'run every batch not done yet')
    .option('--sample <n>', 'a test run on a deterministic sample of N items; results kept apart, no batch marked done', positiveInt('--sample'))
    .option('--stale', 'run again the batches done under another config or code version')
    .option('--parallel <k>', 'batches at a time', positiveInt('--parallel'), 1)
    .option('--config <file>', "from now on the job's config (checked against the schema): batches done under the old one drift")
    .option('--app <file>', 'the host module (default: holdfast.config.* in this folder)')
    .action((id: string, _options: unknown, command: Command) => run(batchTask(() => runJob(id, command))));
  program
    .command('reprocess')
    .description("run the job's unresolved exceptions again with the current code")
    .argument('<id>', 'the job id')
    .option('--parallel <k>', 'batches at a time', positiveInt('--parallel'), 1)
    .option('--app <file>', 'the host module (default: holdfast.config.* in this folder)')
    .action((id: string, _options: unknown, command: Command) => run(batchTask(() => reprocessJob(id, command))));
}

function batchNumber(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) throw usage(`--batch must be a batch number (0, 1, ...), got ${JSON.stringify(value)}`);
  return number;
}

/** The one run request the flags describe; conflicting or missing flags are a usage error. */
export function runRequestOf(options: RunOptions): RunRequest {
  const chosen = [options.batch ? '--batch' : '', options.all ? '--all' : '', options.sample !== undefined ? '--sample' : '', options.stale ? '--stale' : ''].filter(Boolean);
  if (chosen.length === 0) throw usage('say what to run: --batch N, --all, --sample N or --stale');
  if (chosen.length > 1) throw usage(`${chosen.join(' and ')} cannot be combined: give one of --batch N, --all, --sample N, --stale`);
  const parallel = { parallel: options.parallel };
  if (options.batch) return { batches: [...new Set(options.batch)], ...parallel };
  if (options.sample !== undefined) return { batches: 'all', sample: options.sample, ...parallel };
  return { batches: options.stale ? 'stale' : 'all', ...parallel };
}

async function runJob(id: string, command: Command): Promise<number> {
  const { options, out } = optionsOf<RunOptions & { config?: string }>(command);
  const request = runRequestOf(options);
  const config = options.config === undefined ? undefined : await readJsonFile(options.config, '--config');
  const owner = otherOwner(options.store);
  if (owner !== undefined) {
    // The owner runs the steps with its own host module, so none is needed here.
    const started = await sendBatchCommand<{ request: string }>(options.store, 'runBatchJob', { job: id, request, ...(config !== undefined ? { config } : {}) });
    return followOwnerRun(options, id, started.request, owner, out, request.sample !== undefined ? `sample of ${request.sample}` : undefined);
  }
  const host = await hostFor(options, true);
  return withBatchJobs(options, { host, resume: true }, async ({ jobs, holdfast }) => {
    const job = await jobOrFail(jobs, id);
    if (!host!.applications.some((app) => app.name === job.application)) {
      throw new HoldfastError('UNKNOWN_APPLICATION', `job ${id} runs application "${job.application}", which ${host!.path} does not register (it has: ${host!.applications.map((app) => app.name).join(', ') || 'none'})`);
    }
    if (Array.isArray(request.batches)) {
      const outside = request.batches.filter((batch) => batch >= job.batches);
      if (outside.length > 0) throw usage(`--batch ${outside.join(', ')} is out of range: job ${id} has batches 0 to ${job.batches - 1}`);
    }
    // Checked against the schema (INVALID_INPUT naming each issue) before anything changes.
    if (config !== undefined) await jobs.updateConfig(id, config);
    return interruptible(holdfast, id, () => foreground(jobs, id, out, () => jobs.run(id, request), request.sample !== undefined ? `sample of ${request.sample}` : undefined));
  });
}

async function reprocessJob(id: string, command: Command): Promise<number> {
  const { options, out } = optionsOf<{ parallel: number }>(command);
  const owner = otherOwner(options.store);
  if (owner !== undefined) {
    const started = await sendBatchCommand<{ request: string }>(options.store, 'reprocessBatchJob', { job: id, parallel: options.parallel });
    return followOwnerRun(options, id, started.request, owner, out, 'reprocess');
  }
  const host = await hostFor(options, true);
  return withBatchJobs(options, { host, resume: true }, async ({ jobs, holdfast }) => {
    await jobOrFail(jobs, id);
    return interruptible(holdfast, id, () => foreground(jobs, id, out, () => jobs.reprocess(id, { parallel: options.parallel }), 'reprocess'));
  });
}

/** Ctrl-C or SIGTERM closes the store gracefully (running chunks finish or are redone) and exits 130; the run stays resumable. */
async function interruptible(holdfast: Holdfast, id: string, work: () => Promise<number>): Promise<number> {
  const stop = () => {
    void holdfast.runtime
      .listedActor(id)
      .then(
        (record) => record === undefined,
        () => false,
      )
      .then((gone) => {
        process.stderr.write(gone ? `\ninterrupted: job ${id} was deleted\n` : `\ninterrupted: holdfast run ${id} --all (or holdfast resume) continues where it stopped\n`);
        return holdfast.close();
      })
      .then(() => process.exit(130));
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    return await work();
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

/** Runs with progress, prints the summary; exit 0 once the run is done (failed items are exceptions, not a failed run). */
export async function foreground(jobs: BatchJobs, id: string, out: Output, work: () => Promise<RunSummary>, what?: string): Promise<number> {
  const progress = await followProgress(() => jobs.get(id), out.json ? 'silent' : process.stdout.isTTY ? 'tty' : 'lines');
  let summary: RunSummary;
  let resumed: RunSummary[] = [];
  try {
    // A run of this job that a kill interrupted goes on first (the job actor holds it): wait for it, so its work is reported here.
    const state = (await jobs.get(id))?.state;
    if (state === 'running' || state === 'waitingForApplication') resumed = (await jobs.resumeRuns()).filter((run) => run.job === id);
    summary = await work();
  } finally {
    await progress.stop();
  }
  printRun(out, summary, (await jobs.get(id))?.summary.exceptionsOpen ?? 0, what, resumed);
  return 0;
}
