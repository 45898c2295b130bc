/**
 * `holdfast job create APP --source SPEC [--description TEXT] [--config FILE]
 * [--partition SPEC] [--param K=V ...] [--app FILE]`: snapshots the source's
 * items into a new job and prints its id. Everything that can be checked
 * before the store is opened is checked first, so bad input creates nothing.
 * While another process owns the store, that owner creates the job: it opens
 * the source itself (paths resolve against this folder) with its own host module.
 */
import type { Command } from 'commander';
import { validateConfig, type Application } from '../../adapters/batch/application.js';
import { parsePartition } from '../../adapters/batch/partition.js';
import { formatSourceSpec, openSource, parseSourceSpec, type SourceContext } from '../../adapters/batch/sources/source-spec.js';
import { HoldfastError } from '../../errors.js';
import type { CreatedThroughOwner } from '../../adapters/batch/batch-owner-commands.js';
import type { LoadedHost } from '../../kinds/host-loader.js';
import type { Output } from '../cli-context.js';
import { otherOwner } from '../owner-routing.js';
import { batchTask, collectParam, hostFor, optionsOf, readJsonFile, withBatchJobs, type BatchOptions, type Run } from './batch-context.js';
import { sendBatchCommand } from './batch-owner.js';

interface CreateOptions {
  source: string;
  description?: string;
  config?: string;
  partition?: string;
  param: Record<string, string>;
}

/** Adds `create` under the `job` command. */
export function registerJobCreate(job: Command, run: Run): void {
  job
    .command('create')
    .description('create a batch job over a source; prints its id')
    .argument('<app>', 'the application (registered by the host module)')
    .requiredOption('--source <spec>', 'jsonl:PATH[#FIELD], csv:PATH[#FIELD], dir:PATH, app:NAME, exceptions:JOB or results:JOB')
    .option('--description <text>', 'what this job is for')
    .option('--config <file>', "a JSON file checked against the application's config schema")
    .option('--partition <spec>', 'size:N (runs of N items) or every:N (item i to batch i mod N)', 'size:1000')
    .option('--param <key=value>', 'a job parameter (repeatable)', collectParam, {} as Record<string, string>)
    .option('--app <file>', 'the host module (default: holdfast.config.* in this folder)')
    .action((app: string, _options: unknown, command: Command) => run(batchTask(() => createJob(app, command))));
}

async function createJob(appName: string, command: Command): Promise<number> {
  const { options, out } = optionsOf<CreateOptions>(command);
  const owner = otherOwner(options.store);
  if (owner !== undefined) return createThroughOwner(appName, options, owner, out);
  const host = await hostFor(options, true);
  const app = applicationOf(host!, appName);
  parsePartition(options.partition ?? 'size:1000');
  const config = validateConfig(app, options.config === undefined ? undefined : await readJsonFile(options.config, '--config'));
  const spec = parseSourceSpec(options.source, process.cwd());
  // A file source is checked now; a job source needs the store, so it is opened there.
  const early = spec.scheme === 'exceptions' || spec.scheme === 'results' ? undefined : await openSource(spec, sourceContext(host));
  const startedAt = Date.now();
  return withBatchJobs(options, { host, resume: false }, async ({ jobs }) => {
    const id = await jobs.create({
      application: app.name,
      source: formatSourceSpec(spec),
      items: early ?? (await openSource(spec, { ...sourceContext(host), jobs })),
      partition: options.partition ?? 'size:1000',
      config,
      params: options.param,
      ...(options.description !== undefined ? { description: options.description } : {}),
    });
    const job = (await jobs.get(id))!;
    printCreated(out, { id, application: job.application, source: job.source, items: job.items, batches: job.batches, partition: job.partition, configHash: job.configHash, codeVersion: job.codeVersion }, startedAt);
    return 0;
  });
}

/** The store's owner (pid `owner`) checks the application, config and source, and creates the job. */
async function createThroughOwner(application: string, options: BatchOptions & CreateOptions, owner: number, out: Output): Promise<number> {
  const config = options.config === undefined ? undefined : await readJsonFile(options.config, '--config');
  const startedAt = Date.now();
  const created = await sendBatchCommand<CreatedThroughOwner>(
    options.store,
    'createBatchJob',
    {
      application,
      source: options.source,
      cwd: process.cwd(),
      partition: options.partition ?? 'size:1000',
      params: options.param,
      ...(config !== undefined ? { config } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
    },
    true,
  );
  printCreated(out, created, startedAt, owner);
  return 0;
}

function printCreated(out: Output, job: CreatedThroughOwner, startedAt: number, owner?: number): void {
  out.result({ ...job, createdMs: Date.now() - startedAt, ...(owner !== undefined ? { owner } : {}) });
  // The id alone on stdout, so `ID=$(holdfast job create ...)` works; the rest on stderr.
  out.say(job.id);
  const through = owner === undefined ? '' : ` by the store's owner (pid ${owner})`;
  if (!out.json) process.stderr.write(`created job ${job.id}${through}: ${job.items} items in ${job.batches} batch(es) (${job.partition}) of ${job.application}; run it with: holdfast run ${job.id} --all\n`);
}

function sourceContext(host: LoadedHost | undefined): SourceContext {
  return { cwd: process.cwd(), ...(host?.module.sources ? { sources: host.module.sources } : {}) };
}

/** The application by name, or UNKNOWN_APPLICATION listing the known ones. */
export function applicationOf(host: LoadedHost, name: string): Application {
  const app = host.applications.find((candidate) => candidate.name === name);
  if (app) return app;
  const known = host.applications.map((candidate) => candidate.name);
  throw new HoldfastError('UNKNOWN_APPLICATION', `no application "${name}" in ${host.path} (${known.length === 0 ? 'it registers none' : `known: ${known.join(', ')}`})`, {
    details: { application: name, known },
  });
}
