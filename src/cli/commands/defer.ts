/**
 * `holdfast defer QUEUE TASK --payload FILE|- [--dataset NAME] [--id ID]`:
 * validates a job (a `DatasetJob` with --dataset, whose payload is
 * `{ entities, context }`; a `Job` otherwise) and defers it as a `taskJob`.
 * A running owner takes it over its socket; otherwise the job is written to
 * the store here, and runs when a worker serving its queue opens the store.
 * Invalid payloads are refused field by field (exit 2).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import { parseJob, type AnyJob } from '../../adapters/tasks/job-model.js';
import { deferTaskJob } from '../../adapters/tasks/task-worker.js';
import { HoldfastError } from '../../errors.js';
import { decodeUtf8 } from '../../strict-text.js';
import { TASK_JOB_MACHINE } from '../../machines/task-job.machine.js';
import { actorId } from '../../runtime/actor-types.js';
import { openHoldfast } from '../assembly.js';
import { createOutput, usage, type GlobalOptions, type Output } from '../cli-context.js';
import { otherOwner } from '../owner-routing.js';
import { registerArchive } from './archive.js';

/** Payloads travel in the job's record and over the owner's socket (4 MiB a line): files go by `contentHash`. */
const MAX_PAYLOAD_BYTES = 4_000_000;

export interface DeferOptions extends GlobalOptions {
  payload: string;
  dataset?: string;
  id?: string;
}

/** Registers `defer` and `archive`, the task job commands. */
export function registerTaskCommands(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('defer')
    .description('defer a typed task job: a job on QUEUE for TASK, with a JSON payload')
    .argument('<queue>', 'the queue, e.g. ingest')
    .argument('<task>', 'the task, e.g. ingestors.tasks.ingest')
    .requiredOption('--payload <file>', 'the payload as JSON, from a file or - for stdin')
    .option('--dataset <name>', 'bind the job to a dataset: the payload is { entities: [...], context: {...} }')
    .option('--id <id>', 'the job id (a second defer with the same id is refused)')
    .action((queue: string, task: string, options: DeferOptions, command: Command) => run(() => defer(queue, task, { ...command.optsWithGlobals<GlobalOptions>(), ...options })));
  registerArchive(program, run);
}

export async function defer(queue: string, task: string, options: DeferOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const payload = await readPayload(options.payload);
  let job: AnyJob;
  try {
    job = parseJob(options.dataset === undefined ? { queue, task, payload } : { dataset: options.dataset, queue, task, payload });
  } catch (error) {
    if (error instanceof HoldfastError && error.code === 'INVALID_INPUT') return refuse(error, out);
    throw error;
  }
  if (options.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/.test(options.id)) throw usage(`--id ${JSON.stringify(options.id)}: letters, digits, '_', '.', ':' and '-' only`);
  const id = actorId(options.id ?? `task-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`);
  const owner = otherOwner(options.store);
  let state: string;
  if (owner !== undefined) {
    await sendOwnerCommand(options.store, 'spawn', { machine: TASK_JOB_MACHINE, input: { job }, id });
    state = 'handed to the owner';
  } else {
    const holdfast = await openHoldfast({ store: options.store, listen: false });
    try {
      await deferTaskJob(holdfast.runtime, job, { id });
      state = (await holdfast.runtime.get(id))?.state ?? 'queued';
    } finally {
      await holdfast.close();
    }
  }
  out.result({ id, queue: job.queue, task: job.task, ...('dataset' in job ? { dataset: job.dataset, entities: job.payload.entities.length } : {}), state, ...(owner !== undefined ? { owner } : {}) });
  out.say(`deferred ${id}: ${job.task} on queue ${job.queue} (${state})`);
  if (owner === undefined && state === 'queued') {
    out.say(`it runs when a process serving queue ${job.queue} opens the store (holdfast serve or holdfast resume, with tasks and queues in holdfast.config.* or --app FILE);`);
    out.say(`follow it with: holdfast job ${id} --store ${options.store}`);
  }
  return 0;
}

/** Every problem of the job, one per line (exit 2). */
function refuse(error: HoldfastError, out: Output): number {
  const problems = Array.isArray(error.details?.problems) ? (error.details.problems as string[]) : [error.reason];
  out.result({ error: { code: error.code, message: error.reason, problems } });
  out.error(`holdfast: [${error.code}] the job is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):`);
  for (const problem of problems) out.error(`  ${problem}`);
  return 2;
}

async function readPayload(source: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = source === '-' ? await readStdin() : await readFile(source);
  } catch (cause) {
    if (cause instanceof HoldfastError) throw cause;
    throw new HoldfastError('USAGE', `--payload ${source} cannot be read: ${(cause as Error).message}`, { cause });
  }
  if (bytes.length > MAX_PAYLOAD_BYTES) throw usage(`--payload ${source} is over ${MAX_PAYLOAD_BYTES.toLocaleString('en-US')} bytes: put files in the archive and reference them by contentHash`);
  const text = decodeUtf8(bytes, `--payload ${source}`);
  try {
    return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
  } catch (cause) {
    throw new HoldfastError('USAGE', `--payload ${source} is not JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Standard input as bytes, stopping one chunk past the payload's limit. */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.length;
    if (length > MAX_PAYLOAD_BYTES) break;
  }
  return Buffer.concat(chunks);
}
