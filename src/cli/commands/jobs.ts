/**
 * Read-only views that work beside a running owner: `holdfast jobs` lists the
 * top actors of every kind of work; `holdfast job ID` shows one, its children
 * by state and its latest transitions (a batch job: batch-job-view.ts);
 * `holdfast job create` makes a batch job (batch-create.ts).
 */
import type { Command } from 'commander';
import { HoldfastError } from '../../errors.js';
import { openLmdbStore } from '../../persistence/lmdb-store.js';
import { actorId, type ActorRecord, type Store } from '../../persistence/store.js';
import { listedActors, parkedByCode, readListedActor } from '../../runtime/listed-actors.js';
import { createOutput, positiveInt, type GlobalOptions } from '../cli-context.js';
import { describeBatchChild } from '../../batch/batch-names.js';
import { describeLoadJob, loadFilesPage } from './load-job-view.js';
import { printable } from '../../adapters/files/dataverse-labels.js';
import { BATCH_JOB_MACHINE, type BatchJobContext } from '../../machines/batch-job.machine.js';
import { batchTask } from './batch-context.js';
import { registerJobCreate } from './batch-create.js';
import { showBatchJob, type BatchJobViewOptions } from './batch-job-view.js';

export function registerJobs(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('jobs')
    .description('list the top actors of every kind of work with their state')
    .option('--limit <n>', 'show at most n', (v) => Number(v), 100)
    .action((options: { limit: number }, command: Command) => run(() => withStore(command, (store, out) => listJobs(store, out, options.limit))));
  const job = program
    .command('job')
    .description('show one job: its state, its children by state, its latest transitions (a batch job: its record and execution summary); `job create APP` creates a batch job')
    .argument('<id>', 'the job (actor) id')
    .option('--stats', 'include counts per state of every machine under it (a batch job: statistics per DAG node)')
    .option('--results', "a batch job's results, streamed (one line per item; with --json one object)")
    .option('--sample', "with --results: the last sample run's results")
    .option('--page <n>', "a data load's files: which page, sorted by path", positiveInt('--page'), 1)
    .option('--limit <n>', "a data load's files: how many per page", positiveInt('--limit'), 50)
    .action((id: string, options: BatchJobViewOptions & { page: number; limit: number }, command: Command) =>
      run(batchTask(async () => {
        if (isBatchJob(command, id)) return showBatchJob(id, { ...command.optsWithGlobals<GlobalOptions>(), ...options });
        if (options.results || options.sample) throw new HoldfastError('USAGE', `--results and --sample are for batch jobs; ${id} is not one`);
        return withStore(command, (store, out) => showJob(store, out, id, { stats: options.stats ?? false, page: options.page, limit: options.limit }));
      })),
    );
  registerJobCreate(job, run);
}

/** Whether `id` is a batch job (peeked read-only, so it works beside a running owner). */
function isBatchJob(command: Command, id: string): boolean {
  const store = openLmdbStore(command.optsWithGlobals<GlobalOptions>().store, { readOnly: true });
  try {
    return readListedActor(store, actorId(id))?.machine === BATCH_JOB_MACHINE;
  } finally {
    void store.close();
  }
}

async function withStore(command: Command, task: (store: Store, out: ReturnType<typeof createOutput>) => number): Promise<number> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const out = createOutput(options.json ?? false);
  const store = openLmdbStore(options.store, { readOnly: true });
  try {
    return task(store, out);
  } finally {
    await store.close();
  }
}

function listJobs(store: Store, out: ReturnType<typeof createOutput>, limit: number): number {
  // A top record that does not decode is listed as a parked job, by its id and the kind its index names.
  const jobs = [...listedActors(store, { topOnly: true, limit })].map(summaryOf);
  out.result({ jobs });
  if (jobs.length === 0) out.say('no jobs');
  for (const job of jobs) {
    const batch = 'application' in job ? `  ${job.application}, ${job.items} items${job.description ? `: ${job.description}` : ''}` : '';
    out.say(`${job.id}  ${job.kind}  ${job.status}/${job.state}  ${job.createdAt > 0 ? new Date(job.createdAt).toISOString() : "(created: unreadable)"}${job.error ? `  ${job.error}` : ''}${batch}`);
  }
  return 0;
}

function showJob(store: Store, out: ReturnType<typeof createOutput>, id: string, options: { stats: boolean; page: number; limit: number }): number {
  const { stats } = options;
  const record = readListedActor(store, actorId(id));
  if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no job ${id}`);
  const load = record.machine === 'dataload' && record.snapshot ? loadFilesPage(store, record, options.page, options.limit) : undefined;
  const batchChild = record.parent && readListedActor(store, record.parent)?.machine === BATCH_JOB_MACHINE ? describeBatchChild(record.id) : undefined;
  // Every child is counted: a parked one (its record unreadable too) by its code, not by a state it may not have.
  const children: Record<string, number> = {};
  const parkedChildren = [];
  for (const child of listedActors(store, { parent: record.id })) {
    if (child.status === 'parked') parkedChildren.push(child);
    else children[`${child.machine}:${child.state}`] = (children[`${child.machine}:${child.state}`] ?? 0) + 1;
  }
  const parked = parkedByCode(parkedChildren);
  const tree: Record<string, number> = {};
  if (stats) for (const actor of listedActors(store, { root: record.root })) tree[`${actor.machine}:${actor.status === 'parked' ? 'parked' : actor.state}`] = (tree[`${actor.machine}:${actor.status === 'parked' ? 'parked' : actor.state}`] ?? 0) + 1;
  const journal = [...store.journal(record.id)].slice(-20);
  out.result({ ...summaryOf(record), ...(batchChild ? { describes: `${batchChild} of job ${record.parent}` } : {}), version: record.version, context: redact(record.snapshot?.context), children, parked, ...(stats ? { tree } : {}), ...(load ? { files: load } : {}), journal });
  out.say(`${record.id}  ${record.machine}@${record.version}  ${record.status}/${record.state}`);
  if (batchChild) out.say(`  ${batchChild} of job ${record.parent}`);
  if (record.machine === 'datafile') out.say(`  file ${printable(String((record.snapshot?.context as { relativePath?: unknown } | undefined)?.relativePath ?? '(unreadable)'))} of load ${record.parent}`);
  if (record.error) out.say(`  error: [${record.error.code}] ${record.error.message}`);
  if (load) for (const line of describeLoadJob(record, load)) out.say(line);
  else for (const problem of fileProblems(record.snapshot?.context)) out.say(`  problem: ${printable(problem.relativePath)}: ${problem.code}: ${printable(problem.reason)}`);
  for (const [state, count] of Object.entries(children)) out.say(`  children ${state}: ${count}`);
  for (const [code, count] of Object.entries(parked)) out.say(`  parked ${count}: ${code}`);
  for (const child of parkedChildren.slice(0, 20)) out.say(`    ${child.id}${childWords(record, child)}: [${child.error?.code}] ${child.error?.message}`);
  for (const [state, count] of Object.entries(tree)) out.say(`  tree ${state}: ${count}`);
  for (const entry of journal) out.say(`  #${entry.seq} ${new Date(entry.at).toISOString()} ${entry.event}: ${entry.from} -> ${entry.to}`);
  return 0;
}

/** What a parked child is, in words: its batch and run under a batch job. */
function childWords(parent: ActorRecord, child: ActorRecord): string {
  const words = parent.machine === BATCH_JOB_MACHINE ? describeBatchChild(child.id) : undefined;
  return words ? ` (${words})` : '';
}

/** The per-file problems a job keeps on itself (a data load's refused names, failed files), whatever its kind. */
function fileProblems(context: unknown): { relativePath: string; code: string; reason: string }[] {
  const problems = (context as { problems?: unknown } | undefined)?.problems;
  if (!Array.isArray(problems)) return [];
  return problems.filter((p): p is { relativePath: string; code: string; reason: string } => typeof p?.relativePath === 'string' && typeof p.code === 'string' && typeof p.reason === 'string');
}

function summaryOf(record: ActorRecord) {
  return {
    id: record.id,
    kind: record.machine,
    status: record.status,
    state: record.state,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.error ? { error: `[${record.error.code}] ${record.error.message}` } : {}),
    ...(record.machine === BATCH_JOB_MACHINE ? batchFacts(record) : {}),
  };
}

/** What tells batch jobs apart in a list: application, items, description. */
function batchFacts(record: ActorRecord) {
  const context = record.snapshot?.context as Partial<BatchJobContext> | undefined;
  return { application: context?.application, items: context?.items, batches: context?.batches, description: context?.description };
}

/** Never print anything that looks like a secret. */
function redact(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null, (key, inner) => (/token|secret|password/i.test(key) ? '[redacted]' : inner)));
}
