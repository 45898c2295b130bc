/**
 * The batch-job commands the store's owner answers on its socket (DESIGN.md,
 * "One owner, many commands"): `holdfast job create`, `run`, `reprocess`,
 * `resolve` and `delete` from another process, answered by the owner's
 * BatchJobs. The owner opens a create's source itself (paths resolve against
 * the caller's folder), and runs a job only if it registers its application:
 * otherwise the caller hears which process owns the store and how to start it
 * with the application. A run is answered once requested; the caller follows
 * it by reading the store beside the owner.
 */
import { isAbsolute } from 'node:path';
import { HoldfastError } from '../../errors.js';
import type { HostSource } from './sources/item-source.js';
import { validateConfig, type Application } from './application.js';
import type { BatchJobs, RunRequest } from './batch-jobs.js';
import { parsePartition } from './partition.js';
import { formatSourceSpec, openSource, parseSourceSpec } from './sources/source-spec.js';

export interface BatchOwnerOptions {
  jobs: BatchJobs;
  applications: readonly Application[];
  /** The host module's sources, for `app:NAME`. */
  sources?: Readonly<Record<string, HostSource>>;
  /** The owner's pid, named when it lacks an application. @default process.pid */
  pid?: number;
}

/** What a create through the owner answers: the job's facts the CLI prints. */
export interface CreatedThroughOwner {
  id: string;
  application: string;
  source: string;
  items: number;
  batches: number;
  partition: string;
  configHash: string;
  codeVersion: string;
}

type Handler = (args: Record<string, unknown>) => Promise<unknown>;

/** The handlers, by command name, for startOwnerSocket. */
export function batchOwnerCommands(options: BatchOwnerOptions): Record<string, Handler> {
  const { jobs, applications } = options;
  const pid = options.pid ?? process.pid;

  /** The application, or UNKNOWN_APPLICATION naming this owner and how to start one that has it. */
  const applicationOf = (name: string): Application => {
    const app = applications.find((candidate) => candidate.name === name);
    if (app) return app;
    const known = applications.map((candidate) => candidate.name);
    throw new HoldfastError(
      'UNKNOWN_APPLICATION',
      `the store's owner (pid ${pid}) does not register application "${name}" (${known.length === 0 ? 'it registers none' : `it registers: ${known.join(', ')}`}): ` +
        'stop it and start it with the host module that defines it (holdfast serve --app FILE), or run this command while no process owns the store',
      { details: { application: name, known, ownerPid: pid } },
    );
  };
  const jobOf = async (args: Record<string, unknown>) => {
    const id = text(args, 'job');
    const job = await jobs.get(id);
    if (!job) throw new HoldfastError('JOB_NOT_FOUND', `no batch job ${id.slice(0, 200)}; see holdfast jobs`, { details: { job: id.slice(0, 200) } });
    return job;
  };

  return {
    async createBatchJob(args): Promise<CreatedThroughOwner> {
      const app = applicationOf(text(args, 'application'));
      const cwd = text(args, 'cwd');
      if (!isAbsolute(cwd)) throw new HoldfastError('INVALID_INPUT', `cwd must be an absolute path, not ${JSON.stringify(cwd.slice(0, 200))}`);
      const partition = optionalText(args, 'partition') ?? 'size:1000';
      parsePartition(partition);
      const config = validateConfig(app, args.config);
      const params = stringRecord(args.params, 'params');
      const description = optionalText(args, 'description');
      const spec = parseSourceSpec(text(args, 'source'), cwd);
      const items = await openSource(spec, { cwd, jobs, ...(options.sources ? { sources: options.sources } : {}) });
      const id = await jobs.create({ application: app.name, source: formatSourceSpec(spec), items, partition, config, params, ...(description !== undefined ? { description } : {}) });
      const job = (await jobs.get(id))!;
      return { id, application: job.application, source: job.source, items: job.items, batches: job.batches, partition: job.partition, configHash: job.configHash, codeVersion: job.codeVersion };
    },

    async runBatchJob(args): Promise<{ job: string; request: string }> {
      const job = await jobOf(args);
      applicationOf(job.application);
      const request = runRequestOf(args.request);
      const outside = Array.isArray(request.batches) ? request.batches.filter((batch) => batch >= job.batches) : [];
      // Checked before the config changes, so a refused run changes nothing.
      if (outside.length > 0) throw new HoldfastError('INVALID_INPUT', `--batch ${outside.slice(0, 10).join(', ')} is out of range: job ${job.id} has batches 0 to ${job.batches - 1}`);
      if (args.config !== undefined) await jobs.updateConfig(job.id, args.config);
      return { job: job.id, request: await jobs.startRun(job.id, request) };
    },

    async reprocessBatchJob(args): Promise<{ job: string; request: string }> {
      const job = await jobOf(args);
      applicationOf(job.application);
      const parallel = args.parallel === undefined ? undefined : Number(args.parallel);
      return { job: job.id, request: await jobs.startReprocess(job.id, parallel === undefined ? {} : { parallel }) };
    },

    async resolveException(args): Promise<{ job: string; item: string; resolved: true }> {
      const job = await jobOf(args);
      const item = text(args, 'item');
      await jobs.resolve(job.id, item, args.value);
      return { job: job.id, item, resolved: true };
    },

    async deleteBatchJob(args): Promise<{ records: number; actors: number }> {
      return jobs.delete((await jobOf(args)).id);
    },
  };
}

/** A run request as it travels: `batches` 'all', 'stale' or numbers; `parallel`, `sample` numbers (startRun checks the rest). */
function runRequestOf(value: unknown): RunRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HoldfastError('INVALID_INPUT', 'request must be an object');
  const { batches, parallel, sample } = value as Record<string, unknown>;
  if (batches !== 'all' && batches !== 'stale' && !(Array.isArray(batches) && batches.every((batch) => typeof batch === 'number'))) {
    throw new HoldfastError('INVALID_INPUT', "request.batches must be 'all', 'stale' or a list of batch numbers");
  }
  for (const [name, number] of [['parallel', parallel], ['sample', sample]] as const) {
    if (number !== undefined && typeof number !== 'number') throw new HoldfastError('INVALID_INPUT', `request.${name} must be a number`);
  }
  return { batches: batches as RunRequest['batches'], ...(parallel !== undefined ? { parallel: parallel as number } : {}), ...(sample !== undefined ? { sample: sample as number } : {}) };
}

function text(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string' || value.length === 0) throw new HoldfastError('INVALID_INPUT', `${name} must be a non-empty string`);
  return value;
}

function optionalText(args: Record<string, unknown>, name: string): string | undefined {
  if (args[name] === undefined) return undefined;
  if (typeof args[name] !== 'string') throw new HoldfastError('INVALID_INPUT', `${name} must be a string`);
  return args[name];
}

function stringRecord(value: unknown, name: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HoldfastError('INVALID_INPUT', `${name} must be an object of strings`);
  const record: Record<string, string> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner !== 'string') throw new HoldfastError('INVALID_INPUT', `${name}.${key} must be a string`);
    record[key] = inner;
  }
  return record;
}
