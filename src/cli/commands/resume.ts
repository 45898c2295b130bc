/**
 * `holdfast resume [--token T | --token-file F]`: opening the store resumes every interrupted
 * actor; loads waiting on a person (a refused token, files Dataverse refused)
 * are retried; interrupted batch runs continue (with the host module's
 * applications); queued and interrupted task jobs run with the host module's
 * tasks (task-follow.ts). Exits when every load is final or waits again.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import type { KindResume, ResumeContext, ResumedJobs } from '../../kinds/work-kind.js';
import { flagToken, serverUrl } from '../dataverse-credentials.js';
import { kindsOf, openHoldfast, withReader } from '../assembly.js';
import { otherOwner } from '../owner-routing.js';
import { createOutput, milliseconds, type GlobalOptions } from '../cli-context.js';
import { batchTask, hostFor } from './batch-context.js';
import { DEFAULT_SPACE_WAIT_MS } from '../load-follow.js';
import { arrayOf } from '../../runtime/async-views.js';

export function registerResume(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('resume')
    .description('continue everything interrupted: loads (and loads waiting for a retry), imports, batch runs, task jobs, and the host module\'s kinds of work')
    .option('--token <token>', 'a new Dataverse API token for the interrupted loads (visible to `ps`: prefer --token-file or $DATAVERSE_KEY; kept, never printed)')
    .option('--token-file <file>', 'read the new API token from this file (one line)')
    .option('--app <file>', 'the host module interrupted batch runs and task jobs need (default: holdfast.config.* in this folder)')
    .option('--space-wait <ms>', "how long a load's files may wait for space in the files dir, none copied, before the command exits 1", milliseconds('--space-wait'), DEFAULT_SPACE_WAIT_MS)
    .action((options: ResumeOptions, command: Command) => run(batchTask(() => resume({ ...command.optsWithGlobals<GlobalOptions>(), ...options }))));
}

export interface ResumeOptions {
  token?: string;
  tokenFile?: string;
  app?: string;
  spaceWait?: number;
}

/** "2 load(s), 0 import(s) and 1 batch run(s)". */
function inWords(parts: { count: number; noun: string }[]): string {
  const words = parts.map(({ count, noun }) => `${count} ${noun}(s)`);
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export async function resume(options: GlobalOptions & ResumeOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = createOutput(options.json ?? false);
  const newToken = await resumeToken(options, env);
  const owner = otherOwner(options.store);
  if (owner !== undefined) return resumeThroughOwner(options, newToken, owner, out);
  const startedAt = Date.now();
  // Interrupted work that runs the host module's code (batch runs) needs it loaded before anything resumes.
  const optional = await hostFor(options, false);
  const counted: Record<string, number> = {};
  const peeked: Record<string, unknown> = {};
  if (existsSync(join(options.store, 'data.mdb'))) {
    await withReader(options.store, async (reader) => {
      for (const { resume: kindResume } of kindsOf(optional?.kinds)) {
        if (kindResume?.needsHost) counted[kindResume.key] = await kindResume.needsHost(reader);
        if (kindResume?.peek) peeked[kindResume.key] = await kindResume.peek(reader);
      }
    });
  }
  const host = optional ?? (Object.values(counted).some((count) => count > 0) ? await hostFor(options, true) : undefined);
  const holdfast = await openHoldfast({ store: options.store, applications: host?.applications ?? [], kinds: host?.kinds ?? [], ...(host?.tasks ? { tasks: host.tasks } : {}) });
  const stop = () => void holdfast.close().then(() => process.exit(130));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const { runtime } = holdfast;
    const context: ResumeContext = {
      runtime,
      keepToken: holdfast.keepToken,
      services: { batchJobs: holdfast.batchJobs, tasks: host?.tasks },
      ...(newToken ? { token: newToken } : {}),
      ...(options.spaceWait !== undefined ? { spaceWaitMs: options.spaceWait } : {}),
      startedAt,
      counted,
      peeked,
    };
    const resumable = holdfast.kinds.flatMap((kind) => (kind.resume ? [kind.resume] : []));
    const started: { resume: KindResume; count: number; finish(): Promise<ResumedJobs> }[] = [];
    for (const kindResume of resumable) started.push({ resume: kindResume, ...(await kindResume.start(context)) });
    // A parked job waits for a person, never for resume: named here, with what to do, and not waited on.
    const parked = (await arrayOf(runtime.listed({ topOnly: true }))).filter((job) => job.status === 'parked');
    for (const job of parked) out.say(`job ${job.id} (${job.machine}) is parked, not resumed: [${job.error?.code}] ${job.error?.message}; see holdfast job ${job.id}`);
    const total = started.reduce((sum, { count }) => sum + count, 0);
    out.say(total === 0 ? (parked.length > 0 ? 'nothing else to resume' : 'nothing to resume') : `resuming ${inWords(started.map(({ resume: { noun }, count }) => ({ count, noun })))}`);
    const ended = [];
    for (const { resume: kindResume, finish } of started) ended.push({ key: kindResume.key, ...(await finish()) });
    const parkedJobs = parked.map((job) => ({ id: job.id, kind: job.machine, error: job.error }));
    out.result({
      resumed: ended.reduce((sum, { summaries, ended: count }) => sum + (count ?? summaries.length), 0),
      ...Object.fromEntries(ended.map(({ key, summaries, json }) => [key, json ?? summaries])),
      ...(parkedJobs.length > 0 ? { parked: parkedJobs } : {}),
    });
    for (const { lines } of ended) for (const line of lines) out.say(line);
    return ended.every(({ succeeded }) => succeeded) && parked.length === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await holdfast.close();
  }
}

/** The owner is running: it already resumed everything at open; each kind retries what waits, through it. */
async function resumeThroughOwner(options: GlobalOptions & ResumeOptions, newToken: NewToken | undefined, owner: number, out: ReturnType<typeof createOutput>): Promise<number> {
  const kinds = kindsOf((await hostFor(options, false))?.kinds);
  const retried: string[] = [];
  await withReader(options.store, async (reader) => {
    for (const kind of kinds) if (kind.resume?.throughOwner) retried.push(...(await kind.resume.throughOwner(reader, (command, args) => sendOwnerCommand(options.store, command, args), newToken)));
  });
  out.result({ owner, retried });
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
