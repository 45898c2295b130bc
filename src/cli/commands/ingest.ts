/**
 * `holdfast ingest DIR --dataset PID --files-dir FILES [...]`: one data load in
 * the foreground, from walk to registration, with progress and a summary.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { DataverseClient } from '../../adapters/dataverse/dataverse-client.js';
import { datasetFolderFromStorageIdentifier, type DatasetFolder } from '../../adapters/files/dataset-location.js';
import { directoryLabelProblems, fixDirectoryLabel, printable } from '../../adapters/files/dataverse-labels.js';
import { HoldfastError } from '../../errors.js';
import { DATALOAD_MACHINE, type DataLoadContext } from '../../machines/dataload.machine.js';
import type { DataLoadInput } from '../../machines/dataload.types.js';
import type { Runtime } from '../../runtime/runtime.js';
import { actorId, type ActorId } from '../../runtime/actor-types.js';
import { openHoldfast, type Holdfast } from '../assembly.js';
import { createOutput, milliseconds, positiveInt, usage, type GlobalOptions } from '../cli-context.js';
import { DEFAULT_SPACE_WAIT_MS, describeSummary, followLoad, type LoadSummary } from '../load-follow.js';
import { createProgress } from '../progress.js';
import { dryRun } from './ingest-dry-run.js';
import { loadTarget } from '../load-target.js';
import { otherOwner } from '../owner-routing.js';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';

export interface IngestOptions extends GlobalOptions {
  /** Called once the store is open (the demo starts the inspector here); its result runs before the store closes. */
  withHoldfast?: (holdfast: Holdfast) => Promise<() => Promise<void>>;
  dataset: string;
  filesDir: string;
  dataverse?: string;
  token?: string;
  tokenFile?: string;
  fixLabels?: boolean;
  dryRun?: boolean;
  chunkSize: number;
  metadata?: string;
  move?: boolean;
  allowPartial?: boolean;
  includeHidden?: boolean;
  exclude: string[];
  lockWait: number;
  /** @default DEFAULT_SPACE_WAIT_MS */
  spaceWait?: number;
}

const metadataSchema = z.record(
  z.string(),
  z.object({ description: z.string().max(10_000).optional(), categories: z.array(z.string().max(200)).max(100).optional(), directoryLabel: z.string().max(1_000).optional() }).strict(),
);

export function registerIngest(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('ingest')
    .description('load a folder of files into a Dataverse dataset: copy, verify, register')
    .argument('<dir>', 'the folder to load')
    .requiredOption('--dataset <pid>', 'the dataset persistent id, e.g. doi:10.5072/FK2/ABC123')
    .requiredOption('--files-dir <dir>', "the Dataverse file store's root folder")
    .option('--dataverse <url>', 'Dataverse installation URL (default: $DATAVERSE_SERVER; without either, files are copied but not registered)')
    .option('--token <token>', 'Dataverse API token (visible to `ps`: prefer --token-file or $DATAVERSE_KEY; kept in the store for resume, never printed)')
    .option('--token-file <file>', 'read the API token from this file (one line)')
    .option('--fix-labels', 'load a file whose name or folder Dataverse would refuse or alter under the name it would accept (see --dry-run)')
    .option('--dry-run', 'prepare everything; print the addFiles JSON, target paths, renamed and refused files; copy nothing')
    .option('--chunk-size <n>', 'files per addFiles call', positiveInt('--chunk-size'), 100)
    .option('--metadata <file>', 'JSON keyed by relative path: description, categories, directoryLabel')
    .option('--move', 'remove the sources of registered files')
    .option('--allow-partial', 'register the good files even if some failed')
    .option('--include-hidden', 'load hidden and system files too')
    .option('--exclude <glob>', 'skip matching paths (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--lock-wait <ms>', 'how long to wait for a locked dataset', milliseconds('--lock-wait'), 600_000)
    .option('--space-wait <ms>', 'how long files may wait for space in the files dir, none copied, before the command exits 1 (the load stays resumable)', milliseconds('--space-wait'), DEFAULT_SPACE_WAIT_MS)
    .action((dir: string, options: IngestOptions, command: Command) => run(() => ingest(dir, { ...command.optsWithGlobals<GlobalOptions>(), ...options })));
}

export async function ingest(dirArgument: string, options: IngestOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const { target, credentials } = await loadTarget(dirArgument, options, 'load');
  const { dir, dataverseUrl } = target;
  const { token } = credentials;
  const metadata = options.metadata ? await readMetadata(options.metadata, options.fixLabels ?? false) : undefined;
  const input: DataLoadInput = { ...target, allowPartial: options.allowPartial ?? false, hasMetadata: metadata !== undefined };
  // The targets a dry run prints are the real ones: the dataset's own folder when a Dataverse can be asked.
  if (options.dryRun) return dryRun(input, out, dataverseUrl && token ? await datasetFolderAt(dataverseUrl, token, options.dataset) : undefined);
  const owner = otherOwner(options.store);
  if (owner !== undefined) return handToOwner(options, input, token, metadata, owner, out);

  const holdfast = await openHoldfast({ store: options.store });
  const beforeClose = (await options.withHoldfast?.(holdfast)) ?? (async () => {});
  const progress = createProgress(out.json ? 'silent' : process.stdout.isTTY ? 'tty' : 'lines');
  let id: ActorId | undefined;
  // Stopped by a person (Ctrl-C) or the system: the load stays in the store, and says how it goes on.
  const stop = () => {
    progress.stop();
    if (id !== undefined) process.stderr.write(`\ninterrupted: load ${id} is kept in the store; \`holdfast resume --store ${options.store}\` continues it\n`);
    else process.stderr.write('\ninterrupted before the load began: nothing was copied\n');
    void holdfast.close().then(() => process.exit(130));
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    await assertNoUnfinishedLoad(holdfast.runtime, dir, options.dataset);
    if (dataverseUrl) {
      if (token) await holdfast.keepToken(dataverseUrl, token);
      await assertDatasetExists((await holdfast.runtime.records.get<{ token: string }>('secrets', dataverseUrl))?.token ?? '', dataverseUrl, options.dataset);
    }
    const newId = newLoadId();
    if (metadata) await holdfast.runtime.records.put('metadata', newId, metadata);
    const startedAt = Date.now();
    await holdfast.runtime.spawn(DATALOAD_MACHINE, input, { id: newId });
    id = newId;
    if (!out.json) progress.log(`load ${id}: ${dir} -> ${options.dataset}`);
    const summary = await followLoad(holdfast.runtime, newId, progress, startedAt, options.spaceWait);
    progress.stop();
    report(summary, out);
    return summary.succeeded ? 0 : 1;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    progress.stop();
    await beforeClose();
    await holdfast.close();
  }
}

function newLoadId() {
  return actorId(`load-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`);
}

/** Another process owns the store: it runs the load; we hand it over and say how to follow it. */
async function handToOwner(options: IngestOptions, input: DataLoadInput, token: string | undefined, metadata: Record<string, unknown> | undefined, owner: number, out: ReturnType<typeof createOutput>): Promise<number> {
  const id = newLoadId();
  if (token && input.dataverseUrl) await sendOwnerCommand(options.store, 'keepToken', { url: input.dataverseUrl, token });
  if (metadata) await sendOwnerCommand(options.store, 'putMetadata', { id, metadata });
  await sendOwnerCommand(options.store, 'spawn', { machine: DATALOAD_MACHINE, input, id });
  out.result({ id, owner, handedOver: true });
  out.say(`load ${id} handed to the store's owner (pid ${owner}); follow it with: holdfast job ${id} --store ${options.store}`);
  return 0;
}

export function report(summary: LoadSummary, out: ReturnType<typeof createOutput>): void {
  out.result(summary);
  for (const line of describeSummary(summary)) out.say(line);
}

async function readMetadata(path: string, fixLabels: boolean): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new HoldfastError('USAGE', `--metadata ${path} cannot be read: ${(cause as Error).message}`, { cause });
  }
  if (text.length > 50_000_000) throw usage(`--metadata ${path} is over 50 MB`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new HoldfastError('USAGE', `--metadata ${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success) throw usage(`--metadata ${path}: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return checkMetadataLabels(path, parsed.data, fixLabels);
}

/** A `directoryLabel` the metadata sets meets the walk's rules: refused (exit 2) with the label Dataverse would accept, or fixed. */
function checkMetadataLabels<T extends { directoryLabel?: string | undefined }>(path: string, metadata: Record<string, T>, fixLabels: boolean): Record<string, T> {
  const wrong: string[] = [];
  for (const [file, entry] of Object.entries(metadata)) {
    if (entry.directoryLabel === undefined) continue;
    const problems = directoryLabelProblems(entry.directoryLabel.normalize('NFC'));
    const fixed = fixDirectoryLabel(entry.directoryLabel);
    if (problems.length > 0 && !fixLabels) wrong.push(`${printable(file)}: directoryLabel ${printable(JSON.stringify(entry.directoryLabel))}: ${problems.map((p) => p.reason).join('; ')}; Dataverse would accept ${JSON.stringify(fixed)}`);
    entry.directoryLabel = fixed;
  }
  if (wrong.length > 0) throw usage(`--metadata ${path}: ${wrong.slice(0, 5).join('; ')}${wrong.length > 5 ? ` (and ${wrong.length - 5} more)` : ''}; fix them, or load them so with --fix-labels`);
  return metadata;
}

/** The dataset's folder in the file store, from the storage identifier its Dataverse reports. */
async function datasetFolderAt(baseUrl: string, token: string, pid: string): Promise<DatasetFolder> {
  const dataset = await new DataverseClient({ baseUrl, token, retries: 1 }).getDataset(pid);
  return datasetFolderFromStorageIdentifier(dataset.storageIdentifier);
}

/**
 * A load of the same folder into the same dataset that has not finished (it
 * waits for a new token, a lifted lock, a retry) still holds copies that are
 * not yet registered: a second load would copy and register them again under
 * new storage identifiers, and Dataverse would list each file twice.
 */
async function assertNoUnfinishedLoad(runtime: Runtime, dir: string, dataset: string): Promise<void> {
  for (const load of await runtime.query({ machine: DATALOAD_MACHINE, status: 'active' })) {
    const context = load.snapshot?.context as DataLoadContext | undefined;
    if (context?.dir !== dir || context.dataset !== dataset) continue;
    throw usage(`load ${load.id} of ${dir} into ${dataset} has not finished (${load.state}): run \`holdfast resume\` (with --token-file FILE or DATAVERSE_KEY for a refused token) instead of a new ingest`);
  }
}

/** An unknown dataset is bad input (exit 2); a refused token leaves the load resumable instead. */
async function assertDatasetExists(token: string, baseUrl: string, pid: string): Promise<void> {
  try {
    await new DataverseClient({ baseUrl, token, retries: 1 }).getDataset(pid);
  } catch (error) {
    if (error instanceof HoldfastError && error.code === 'DATAVERSE_NOT_FOUND') throw error;
  }
}
