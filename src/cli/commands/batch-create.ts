/**
 * `holdfast job create APP --source SPEC [--description TEXT] [--config FILE]
 * [--partition SPEC] [--param K=V ...] [--app FILE]`: snapshots the source's
 * items into a new job and prints its id. Everything that can be checked
 * before the store is opened is checked first, so bad input creates nothing.
 */
import type { Command } from 'commander';
import { validateConfig, type Application } from '../../batch/application.js';
import { parsePartition } from '../../batch/partition.js';
import { formatSourceSpec, openSource, parseSourceSpec, type SourceContext } from '../../batch/sources/source-spec.js';
import { HoldfastError } from '../../errors.js';
import type { LoadedHost } from '../../host/host-loader.js';
import { batchTask, collectParam, hostFor, optionsOf, readJsonFile, withBatchJobs, type Run } from './batch-context.js';

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
    const job = jobs.get(id)!;
    out.result({ id, application: job.application, source: job.source, items: job.items, batches: job.batches, partition: job.partition, configHash: job.configHash, codeVersion: job.codeVersion, createdMs: Date.now() - startedAt });
    // The id alone on stdout, so `ID=$(holdfast job create ...)` works; the rest on stderr.
    out.say(id);
    if (!out.json) process.stderr.write(`created job ${id}: ${job.items} items in ${job.batches} batch(es) (${job.partition}) of ${job.application}; run it with: holdfast run ${id} --all\n`);
    return 0;
  });
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
