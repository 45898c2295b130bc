/**
 * Read-only views that work beside a running owner: `holdfast jobs` lists the
 * top actors of every kind of work; `holdfast job ID` shows one, its children
 * by state and its latest transitions.
 */
import type { Command } from 'commander';
import { HoldfastError } from '../../errors.js';
import { openLmdbStore } from '../../persistence/lmdb-store.js';
import { actorId, type ActorRecord, type Store } from '../../persistence/store.js';
import { createOutput, type GlobalOptions } from '../cli-context.js';

export function registerJobs(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('jobs')
    .description('list the top actors of every kind of work with their state')
    .option('--limit <n>', 'show at most n', (v) => Number(v), 100)
    .action((options: { limit: number }, command: Command) => run(() => withStore(command, (store, out) => listJobs(store, out, options.limit))));
  program
    .command('job')
    .description('show one job: its state, its children by state, its latest transitions')
    .argument('<id>', 'the job (actor) id')
    .option('--stats', 'include counts per state of every machine under it')
    .action((id: string, options: { stats?: boolean }, command: Command) => run(() => withStore(command, (store, out) => showJob(store, out, id, options.stats ?? false))));
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
  const jobs = [...store.queryActors({ topOnly: true, limit })].map(summaryOf);
  out.result({ jobs });
  if (jobs.length === 0) out.say('no jobs');
  for (const job of jobs) out.say(`${job.id}  ${job.kind}  ${job.status}/${job.state}  ${new Date(job.createdAt).toISOString()}${job.error ? `  ${job.error}` : ''}`);
  return 0;
}

function showJob(store: Store, out: ReturnType<typeof createOutput>, id: string, stats: boolean): number {
  const record = store.getActor(actorId(id));
  if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no job ${id}`);
  const children: Record<string, number> = {};
  for (const child of store.queryActors({ parent: record.id })) children[`${child.machine}:${child.state}`] = (children[`${child.machine}:${child.state}`] ?? 0) + 1;
  const tree: Record<string, number> = {};
  if (stats) for (const actor of store.queryActors({ root: record.root })) tree[`${actor.machine}:${actor.state}`] = (tree[`${actor.machine}:${actor.state}`] ?? 0) + 1;
  const journal = [...store.journal(record.id)].slice(-20);
  out.result({ ...summaryOf(record), version: record.version, context: redact(record.snapshot?.context), children, ...(stats ? { tree } : {}), journal });
  out.say(`${record.id}  ${record.machine}@${record.version}  ${record.status}/${record.state}`);
  if (record.error) out.say(`  error: [${record.error.code}] ${record.error.message}`);
  for (const [state, count] of Object.entries(children)) out.say(`  children ${state}: ${count}`);
  for (const [state, count] of Object.entries(tree)) out.say(`  tree ${state}: ${count}`);
  for (const entry of journal) out.say(`  #${entry.seq} ${new Date(entry.at).toISOString()} ${entry.event}: ${entry.from} -> ${entry.to}`);
  return 0;
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
