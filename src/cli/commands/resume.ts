/**
 * `holdfast resume [--token T | --token-file F]`: opening the store resumes every interrupted
 * actor; loads waiting on a person (a refused token, files Dataverse refused)
 * are retried; interrupted batch runs continue (with the host module's
 * applications). Exits when every load is final or waits again.
 */
import type { Command } from 'commander';
import type { DataLoadContext } from '../../machines/dataload.machine.js';
import type { ActorRecord } from '../../persistence/store.js';
import { flagToken, serverUrl } from '../dataverse-credentials.js';
import { openHoldfast } from '../assembly.js';
import { IMPORT_BATCH_MACHINE } from '../../machines/import.types.js';
import { describeImport, followImport, summarizeImport } from './import.js';
import { openLmdbStore } from '../../persistence/lmdb-store.js';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import { otherOwner } from '../owner-routing.js';
import { createOutput, milliseconds, type GlobalOptions } from '../cli-context.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BATCH_JOB_MACHINE, type BatchJobContext } from '../../machines/batch-job.machine.js';
import { batchTask, hostFor } from './batch-context.js';
import { describeRun } from './batch-run.js';
import { DEFAULT_SPACE_WAIT_MS, describeSummary, summarize, waitForLoad, waitForVerdicts, WAITING_STATES } from '../load-follow.js';

export function registerResume(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('resume')
    .description('continue everything interrupted: loads (and loads waiting for a retry), imports, batch runs')
    .option('--token <token>', 'a new Dataverse API token for the interrupted loads (visible to `ps`: prefer --token-file or $DATAVERSE_KEY; kept, never printed)')
    .option('--token-file <file>', 'read the new API token from this file (one line)')
    .option('--app <file>', 'the host module interrupted batch runs need (default: holdfast.config.* in this folder)')
    .option('--space-wait <ms>', "how long a load's files may wait for space in the files dir, none copied, before the command exits 1", milliseconds('--space-wait'), DEFAULT_SPACE_WAIT_MS)
    .action((options: ResumeOptions, command: Command) => run(batchTask(() => resume({ ...command.optsWithGlobals<GlobalOptions>(), ...options }))));
}

export interface ResumeOptions {
  token?: string;
  tokenFile?: string;
  app?: string;
  spaceWait?: number;
}

export async function resume(options: GlobalOptions & ResumeOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = createOutput(options.json ?? false);
  const newToken = await resumeToken(options, env);
  const owner = otherOwner(options.store);
  if (owner !== undefined) return resumeThroughOwner(options, newToken, owner, out);
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
    for (const url of tokenTargets(loads, newToken)) await holdfast.keepToken(url, newToken!.token);
    for (const load of loads) if (WAITING_STATES.has(load.state)) await runtime.send(load.id, { type: 'retry' });
    const imports = runtime.query({ machine: IMPORT_BATCH_MACHINE, status: 'active' });
    // A parked job waits for a person, never for resume: named here, with what to do, and not waited on.
    const parked = [...runtime.listed({ topOnly: true })].filter((job) => job.status === 'parked');
    for (const job of parked) out.say(`job ${job.id} (${job.machine}) is parked, not resumed: [${job.error?.code}] ${job.error?.message}; see holdfast job ${job.id}`);
    out.say(loads.length + imports.length + interrupted === 0 ? (parked.length > 0 ? 'nothing else to resume' : 'nothing to resume') : `resuming ${loads.length} load(s), ${imports.length} import(s) and ${interrupted} batch run(s)`);
    const summaries = [];
    for (const load of loads) {
      // A load whose files wait for space is interrupted too: it is resumed here, and waited for as `ingest` does.
      await waitForLoad(runtime, load.id, options.spaceWait ?? DEFAULT_SPACE_WAIT_MS);
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
async function resumeThroughOwner(options: GlobalOptions, newToken: NewToken | undefined, owner: number, out: ReturnType<typeof createOutput>): Promise<number> {
  const store = openLmdbStore(options.store, { readOnly: true });
  const loads = (() => {
    try {
      return [...store.queryActors({ machine: 'dataload', status: 'active' })];
    } finally {
      void store.close();
    }
  })();
  for (const url of tokenTargets(loads, newToken)) await sendOwnerCommand(options.store, 'keepToken', { url, token: newToken!.token });
  const retried = loads.filter((load) => WAITING_STATES.has(load.state));
  for (const load of retried) await sendOwnerCommand(options.store, 'send', { id: load.id, event: { type: 'retry' } });
  out.result({ owner, retried: retried.map((load) => load.id) });
  out.say(`the store's owner (pid ${owner}) runs the work; retried ${retried.length} waiting load(s)`);
  return 0;
}

/** A new token for the interrupted loads; `only`: the one installation it is for (DATAVERSE_KEY with DATAVERSE_SERVER). */
interface NewToken {
  token: string;
  only?: string;
}

/**
 * `--token` or `--token-file` is for every interrupted load. `DATAVERSE_KEY`
 * is for the loads into `DATAVERSE_SERVER` when that is set, else for all: a
 * key kept in the environment for one installation is never sent to another.
 */
async function resumeToken(options: ResumeOptions, env: NodeJS.ProcessEnv): Promise<NewToken | undefined> {
  const fromFlag = await flagToken(options);
  if (fromFlag) return { token: fromFlag.token };
  const key = env.DATAVERSE_KEY?.trim();
  if (!key) return undefined;
  const only = serverUrl(undefined, env.DATAVERSE_SERVER);
  return only === undefined ? { token: key } : { token: key, only };
}

/** The installations of the interrupted loads that get the new token. */
function tokenTargets(loads: readonly ActorRecord[], newToken: NewToken | undefined): Set<string> {
  if (!newToken) return new Set();
  const urls = loads.map((load) => (load.snapshot?.context as DataLoadContext).dataverseUrl).filter((url): url is string => url !== undefined);
  return new Set(urls.filter((url) => newToken.only === undefined || url === newToken.only));
}
