/**
 * `holdfast resume [--token T]`: opening the store resumes every interrupted
 * actor; loads waiting on a person (a refused token, files Dataverse refused)
 * are retried; interrupted batch runs continue (with the host module's
 * applications). Exits when every load is final or waits again.
 */
import type { Command } from 'commander';
import type { DataLoadContext } from '../../machines/dataload.machine.js';
import { openHoldfast } from '../assembly.js';
import { IMPORT_BATCH_MACHINE } from '../../machines/import.types.js';
import { describeImport, followImport, summarizeImport } from './import.js';
import { openLmdbStore } from '../../persistence/lmdb-store.js';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import { otherOwner } from '../owner-routing.js';
import { createOutput, type GlobalOptions } from '../cli-context.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BATCH_JOB_MACHINE, type BatchJobContext } from '../../machines/batch-job.machine.js';
import { batchTask, hostFor } from './batch-context.js';
import { describeRun } from './batch-run.js';
import { listedActors } from '../../runtime/listed-actors.js';
import { describeSummary, loadSettled, summarize, waitForVerdicts, WAITING_STATES } from '../load-follow.js';

export function registerResume(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('resume')
    .description('continue everything interrupted: loads (and loads waiting for a retry), imports, batch runs')
    .option('--token <token>', 'a new Dataverse API token for the interrupted loads (kept, never printed)')
    .option('--app <file>', 'the host module interrupted batch runs need (default: holdfast.config.* in this folder)')
    .action((options: { token?: string; app?: string }, command: Command) => run(batchTask(() => resume({ ...command.optsWithGlobals<GlobalOptions>(), ...options }))));
}

export async function resume(options: GlobalOptions & { token?: string; app?: string }): Promise<number> {
  const out = createOutput(options.json ?? false);
  const owner = otherOwner(options.store);
  if (owner !== undefined) return resumeThroughOwner(options, owner, out);
  const startedAt = Date.now();
  // Interrupted batch runs execute the host module's steps: load it before anything resumes.
  const interrupted = interruptedBatchRuns(options.store);
  const host = await hostFor(options, interrupted > 0);
  const holdfast = await openHoldfast({ store: options.store, applications: host?.applications ?? [] });
  const stop = () => void holdfast.close().then(() => process.exit(130));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const { runtime } = holdfast;
    const loads = runtime.query({ machine: 'dataload', status: 'active' });
    if (options.token) {
      const urls = new Set(loads.map((load) => (load.snapshot?.context as DataLoadContext).dataverseUrl).filter((url): url is string => url !== undefined));
      for (const url of urls) await holdfast.keepToken(url, options.token);
    }
    for (const load of loads) if (WAITING_STATES.has(load.state)) await runtime.send(load.id, { type: 'retry' });
    const imports = runtime.query({ machine: IMPORT_BATCH_MACHINE, status: 'active' });
    // A parked job waits for a person, never for resume: named here, with what to do, and not waited on.
    const parked = [...listedActors(runtime.store, { topOnly: true })].filter((job) => job.status === 'parked');
    for (const job of parked) out.say(`job ${job.id} (${job.machine}) is parked, not resumed: [${job.error?.code}] ${job.error?.message}; see holdfast job ${job.id}`);
    out.say(loads.length + imports.length + interrupted === 0 ? (parked.length > 0 ? 'nothing else to resume' : 'nothing to resume') : `resuming ${loads.length} load(s), ${imports.length} import(s) and ${interrupted} batch run(s)`);
    const summaries = [];
    for (const load of loads) {
      await runtime.waitFor(load.id, loadSettled, 24 * 3_600_000);
      await waitForVerdicts(runtime, load.id);
      summaries.push(summarize(runtime, load.id, startedAt));
    }
    // Messages a finished load sent just before an interruption are delivered at open: let them land.
    await waitForVerdicts(runtime);
    const importSummaries = [];
    for (const batch of imports) {
      await followImport(runtime, batch.id);
      importSummaries.push(summarizeImport(runtime, batch.id, startedAt));
    }
    const batchRuns = await holdfast.batchJobs.resumeRuns();
    const parkedJobs = parked.map((job) => ({ id: job.id, kind: job.machine, error: job.error }));
    out.result({ resumed: summaries.length + importSummaries.length + batchRuns.length, loads: summaries, imports: importSummaries, batchRuns, ...(parkedJobs.length > 0 ? { parked: parkedJobs } : {}) });
    for (const summary of summaries) for (const line of describeSummary(summary)) out.say(line);
    for (const summary of importSummaries) for (const line of describeImport(summary)) out.say(line);
    for (const summary of batchRuns) for (const line of describeRun(summary, holdfast.batchJobs.get(summary.job)?.summary.exceptionsOpen ?? 0)) out.say(line);
    return summaries.every((s) => s.succeeded) && importSummaries.every((s) => s.succeeded) && parked.length === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await holdfast.close();
  }
}

/** Batch jobs with a run in progress, read before the store is opened for writing. */
function interruptedBatchRuns(store: string): number {
  if (!existsSync(join(store, 'data.mdb'))) return 0;
  const peek = openLmdbStore(store, { readOnly: true });
  try {
    return [...peek.queryActors({ machine: BATCH_JOB_MACHINE, status: 'active' })].filter((job) => (job.snapshot?.context as BatchJobContext | undefined)?.run !== undefined).length;
  } finally {
    void peek.close();
  }
}

/** The owner is running: it already resumed everything at open; retry what waits, through it. */
async function resumeThroughOwner(options: GlobalOptions & { token?: string }, owner: number, out: ReturnType<typeof createOutput>): Promise<number> {
  const store = openLmdbStore(options.store, { readOnly: true });
  const loads = (() => {
    try {
      return [...store.queryActors({ machine: 'dataload', status: 'active' })];
    } finally {
      void store.close();
    }
  })();
  if (options.token) {
    const urls = new Set(loads.map((load) => (load.snapshot?.context as DataLoadContext).dataverseUrl).filter((url): url is string => url !== undefined));
    for (const url of urls) await sendOwnerCommand(options.store, 'keepToken', { url, token: options.token });
  }
  const retried = loads.filter((load) => WAITING_STATES.has(load.state));
  for (const load of retried) await sendOwnerCommand(options.store, 'send', { id: load.id, event: { type: 'retry' } });
  out.result({ owner, retried: retried.map((load) => load.id) });
  out.say(`the store's owner (pid ${owner}) runs the work; retried ${retried.length} waiting load(s)`);
  return 0;
}
