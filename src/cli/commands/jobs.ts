/**
 * Read-only views that work beside a running owner: `holdfast jobs` lists the
 * top actors of every kind of work; `holdfast job ID` shows one, its children
 * by state and its latest transitions (a batch job: batch-job-view.ts);
 * `holdfast job create` makes a batch job (batch-create.ts).
 */
import type { Command } from 'commander';
import { printable } from '../../adapters/files/dataverse-labels.js';
import { HoldfastError } from '../../errors.js';
import type { ActorRecord } from '../../runtime/actor-types.js';
import { parkedByCode } from '../../runtime/listed-actors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { kindOfActor, kindOfJob, type JobViewOptions, type WorkKind } from '../../kinds/work-kind.js';
import { kindsOf, withReader } from '../assembly.js';
import { createOutput, positiveInt, type GlobalOptions, type Output } from '../cli-context.js';
import { batchTask, hostFor } from './batch-context.js';
import { registerJobCreate } from './batch-create.js';

interface ViewFlags extends GlobalOptions {
  app?: string;
}

export function registerJobs(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('jobs')
    .description('list the top actors of every kind of work with their state')
    .option('--limit <n>', 'show at most n', (v) => Number(v), 100)
    .option('--app <file>', 'the host module whose kinds of work to describe (default: holdfast.config.* in this folder, when there is one)')
    .action((options: { limit: number; app?: string }, command: Command) => run(() => withKinds(command, options.app, (reader, kinds, out) => listJobs(reader, kinds, out, options.limit))));
  const job = program
    .command('job')
    .description('show one job: its state, its children by state, its latest transitions (a batch job: its record and execution summary); `job create APP` creates a batch job')
    .argument('<id>', 'the job (actor) id')
    .option('--stats', 'include counts per state of every machine under it (a batch job: statistics per DAG node)')
    .option('--results', "a batch job's results, streamed (one line per item; with --json one object)")
    .option('--sample', "with --results: the last sample run's results")
    .option('--page <n>', "a data load's files: which page, sorted by path", positiveInt('--page'), 1)
    .option('--limit <n>', "a data load's files: how many per page", positiveInt('--limit'), 50)
    .option('--app <file>', 'the host module whose kinds of work to describe (default: holdfast.config.* in this folder, when there is one)')
    .action((id: string, options: JobViewOptions & { app?: string }, command: Command) =>
      run(batchTask(() =>
        withKinds(command, options.app, async (reader, kinds, out) => {
          // A kind with a view of its own (a batch job) shows its jobs itself.
          const kind = kindOfJob(kinds, (await reader.listedActor(id))?.machine ?? '');
          if (kind?.view) return kind.view(reader, id, options, out);
          if (options.results || options.sample) throw new HoldfastError('USAGE', `--results and --sample are for batch jobs; ${id} is not one`);
          return showJob(reader, kinds, out, id, options);
        }),
      )),
    );
  registerJobCreate(job, run);
}

/** Runs a view over a reader of the store (beside any owner), with the built-in kinds and the host module's. */
async function withKinds(command: Command, app: string | undefined, task: (reader: Runtime, kinds: readonly WorkKind[], out: Output) => number | Promise<number>): Promise<number> {
  const options = command.optsWithGlobals<ViewFlags>();
  const out = createOutput(options.json ?? false);
  const host = await hostFor({ ...options, ...(app !== undefined ? { app } : {}) }, false);
  const kinds = kindsOf(host?.kinds);
  return withReader(options.store, (reader) => task(reader, kinds, out));
}

async function listJobs(reader: Runtime, kinds: readonly WorkKind[], out: Output, limit: number): Promise<number> {
  // A top record that does not decode is listed as a parked job, by its id and the kind its index names.
  const jobs = [];
  for await (const record of reader.listed({ topOnly: true, limit })) jobs.push({ ...summaryOf(record), words: await kindOfJob(kinds, record.machine)?.describe?.(record, reader) });
  // A kind's own state word (a batch job `finished`, as `job ID` says) replaces its machine's (`active/idle`); JSON keeps both.
  out.result({ jobs: jobs.map(({ words, ...job }) => ({ ...job, ...(words?.state ? { state: words.state, machineState: job.state } : {}), ...words?.facts })) });
  if (jobs.length === 0) out.say('no jobs');
  for (const { words, ...job } of jobs) {
    const state = words?.state ?? `${job.status}/${job.state}`;
    out.say(`${job.id}  ${job.kind}  ${state}  ${job.createdAt > 0 ? new Date(job.createdAt).toISOString() : "(created: unreadable)"}${job.error ? `  ${job.error}` : ''}${words?.words ?? ''}`);
  }
  return 0;
}

async function showJob(reader: Runtime, kinds: readonly WorkKind[], out: Output, id: string, options: JobViewOptions): Promise<number> {
  const { stats } = options;
  const record = await reader.listedActor(id);
  if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no job ${id}`);
  const details = await kindOfJob(kinds, record.machine)?.details?.(reader, record, options);
  const parent = record.parent ? await reader.listedActor(record.parent) : undefined;
  const words = kindOfActor(kinds, record.machine)?.words?.(record, parent);
  // Every child is counted: a parked one (its record unreadable too) by its code, not by a state it may not have.
  const children: Record<string, number> = {};
  const parkedChildren = [];
  for await (const child of reader.listed({ parent: record.id })) {
    if (child.status === 'parked') parkedChildren.push(child);
    else children[`${child.machine}:${child.state}`] = (children[`${child.machine}:${child.state}`] ?? 0) + 1;
  }
  const parked = parkedByCode(parkedChildren);
  const tree: Record<string, number> = {};
  if (stats) for await (const actor of reader.listed({ root: record.root })) tree[`${actor.machine}:${actor.status === 'parked' ? 'parked' : actor.state}`] = (tree[`${actor.machine}:${actor.status === 'parked' ? 'parked' : actor.state}`] ?? 0) + 1;
  const journal = (await reader.journal(record.id)).slice(-20);
  out.result({ ...summaryOf(record), ...words?.json, version: record.version, context: redact(record.snapshot?.context), children, parked, ...(stats ? { tree } : {}), ...details?.json, journal });
  out.say(`${record.id}  ${record.machine}@${record.version}  ${record.status}/${record.state}`);
  if (words) out.say(`  ${words.line}`);
  if (record.error) out.say(`  error: [${record.error.code}] ${record.error.message}`);
  if (details) for (const line of details.lines) out.say(line);
  else for (const problem of fileProblems(record.snapshot?.context)) out.say(`  problem: ${printable(problem.relativePath)}: ${problem.code}: ${printable(problem.reason)}`);
  for (const [state, count] of Object.entries(children)) out.say(`  children ${state}: ${count}`);
  for (const [code, count] of Object.entries(parked)) out.say(`  parked ${count}: ${code}`);
  for (const child of parkedChildren.slice(0, 20)) out.say(`    ${child.id}${childWords(kinds, record, child)}: [${child.error?.code}] ${child.error?.message}`);
  for (const [state, count] of Object.entries(tree)) out.say(`  tree ${state}: ${count}`);
  for (const entry of journal) out.say(`  #${entry.seq} ${new Date(entry.at).toISOString()} ${entry.event}: ${entry.from} -> ${entry.to}`);
  return 0;
}

/** What a parked child is, in words (its batch and run under a batch job), by its kind's label. */
function childWords(kinds: readonly WorkKind[], parent: ActorRecord, child: ActorRecord): string {
  const kind = kindOfJob(kinds, parent.machine);
  const words = kind?.actors.includes(child.machine) ? kind.label?.(child, parent) : undefined;
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
  };
}

/** Never print anything that looks like a secret. */
function redact(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null, (key, inner) => (/token|secret|password/i.test(key) ? '[redacted]' : inner)));
}
