/**
 * The effects of the data load, named by the `dataload` and `datafile`
 * machines and provided to them at assembly. Each is idempotent (contract 2):
 * a copy that already matches is not written again, and registration first
 * asks Dataverse what the draft already holds.
 */
import { createHash } from 'node:crypto';
import { lstat, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HoldfastError, NonRetryableError } from '../../errors.js';
import type { DiscardInput, RegisterInput, WalkInput } from '../../machines/dataload.machine.js';
import type { CopiedEntry, CopiesReport, DataFileInput, DatasetFolder, PreparedFile, RegistrationResult, WalkedFile, WalkResult } from '../../machines/dataload.types.js';
import { effect } from '../../runtime/effect.js';
import type { EffectContext, EffectRecords } from '../../runtime/effect-runner.js';
import { faultPoint } from '../../runtime/fault-points.js';
import type { DataverseClient } from '../dataverse/dataverse-client.js';
import { fileStorageId } from '../dataverse/dataverse-pid.js';
import type { AddFileEntry } from '../dataverse/dataverse-types.js';
import { copyAndVerify, removeTemporariesOf, toSourceError } from '../files/copy-verify.js';
import { datasetFolderFromPid, datasetFolderFromStorageIdentifier } from '../files/dataset-location.js';
import type { HashPool } from '../files/hash-pool.js';
import { detectMimeType } from '../files/mime-type.js';
import { resolveUnder } from '../files/safe-path.js';
import { randomStorageIdentifier } from '../files/storage-identifier.js';
import { datasetPath, fixName } from '../files/dataverse-labels.js';
import { screenNames } from '../files/name-screen.js';
import { walkFolder } from '../files/walk-folder.js';
import { planCopiesCleanup, removeCopies } from './load-copies.js';

export interface DataLoadPorts {
  hashPool: HashPool;
  /** A client for a Dataverse installation, given the token the store keeps for it (read by the effect). */
  dataverse: (baseUrl: string, token: string) => DataverseClient;
  now?: () => number;
}

/** Dataverse tokens by installation URL, in the store's records (never printed or sent to the inspector). */
export const SECRETS = 'secrets';

/** An effect's reads of the records steps wrote: its context's, which may answer later (await, `for await`). */
type Reads = Pick<EffectRecords, 'get' | 'iterate'>;

/** The records an effect reads: only a runtime gives them. */
function readsOf(context: EffectContext): Reads {
  if (!context.records) throw new NonRetryableError("the data load's effects read its records through the runtime: run them in a runtime", { code: 'EFFECT_FAILED' });
  return context.records;
}

/** The token the store keeps for an installation ('' for none: Dataverse refuses, and the load waits for one). */
async function tokenOf(reads: Reads, baseUrl: string | undefined): Promise<string> {
  return baseUrl === undefined ? '' : ((await reads.get<{ token: string }>(SECRETS, baseUrl))?.token ?? '');
}

async function entriesOf(reads: Reads, batchId: string): Promise<CopiedEntry[]> {
  const entries: CopiedEntry[] = [];
  for await (const { value } of reads.iterate<CopiedEntry>('entries', [batchId])) entries.push(value);
  return entries;
}

/** What a later load remembers of a loaded file (`loaded` records, keyed by dataset and path). */
export interface LoadedFile {
  size: number;
  mtimeMs: number;
  md5: string;
  fileId: number | null;
  storageIdentifier: string;
  batchId: string;
}

export type FileMetadata = { description?: string; categories?: string[]; directoryLabel?: string };

/** How long a dataset's storage folder, once asked, is reused by later loads (a watch's batches) before it is asked again. */
const LOCATED_FOR_MS = 10 * 60 * 1000;

export function createDataLoadEffects(ports: DataLoadPorts) {
  const now = ports.now ?? Date.now;
  // Dataverse prints every file of the dataset with its storage identifier (GET dataset): a watch
  // asking once per batch paid for all the batches before it. The folder is reused for a while,
  // by installation, token and dataset; a changed token asks again.
  const located = new Map<string, { folder: DatasetFolder; at: number }>();
  return {
    locateDataset: effect<{ folder: DatasetFolder; targetDir: string }, { dataset: string; filesDir: string; dataverseUrl?: string | undefined }>(async (input, context) => {
      const url = input.dataverseUrl;
      let folder: DatasetFolder;
      if (url) {
        const token = await tokenOf(readsOf(context), url);
        const key = JSON.stringify([url, token, input.dataset]);
        const known = located.get(key);
        if (known && now() - known.at < LOCATED_FOR_MS) folder = known.folder;
        else {
          folder = datasetFolderFromStorageIdentifier((await ports.dataverse(url, token).getDataset(input.dataset, context.signal)).storageIdentifier);
          located.set(key, { folder, at: now() });
        }
      } else folder = datasetFolderFromPid(input.dataset);
      return { folder, targetDir: resolveUnder(input.filesDir, `${folder.authority}/${folder.identifier}`) };
    }),

    walkSource: effect<WalkResult, WalkInput>(async (input, context) => {
      const reads = readsOf(context);
      const found: (WalkedFile & { loaded?: boolean })[] = [];
      const result: WalkResult = { files: [], refused: [], alreadyLoaded: 0 };
      if (input.only) {
        for await (const { value } of reads.iterate<WatchedFile>('watch.batch', [input.only.watchId, input.only.batch])) {
          found.push({ key: fileKey(value.relativePath), source: join(input.dir, value.relativePath), ...splitPath(value.relativePath), relativePath: value.relativePath, size: value.size, mtimeMs: value.mtimeMs, loaded: false });
        }
      } else {
        for await (const entry of walkFolder(input.dir, { includeHidden: input.includeHidden, exclude: input.exclude, allowBackslash: true })) {
          if (entry.kind === 'refused') {
            result.refused.push({ relativePath: entry.relativePath, reason: entry.reason });
            continue;
          }
          const loaded = await reads.get<LoadedFile>('loaded', [input.dataset, entry.relativePath]);
          const unchanged = loaded !== undefined && loaded.size === entry.size && loaded.mtimeMs === entry.mtimeMs;
          const file = { key: fileKey(entry.relativePath), source: join(input.dir, entry.relativePath), relativePath: entry.relativePath, directoryLabel: entry.directoryLabel, fileName: entry.fileName, size: entry.size, mtimeMs: entry.mtimeMs };
          if (!unchanged) found.push(file);
          else if (datasetPath(fixName(file)) === entry.relativePath) result.alreadyLoaded++; // found through loadedAt, not held
          else found.push({ ...file, loaded: true });
        }
      }
      // Names are screened before any copy; files loaded before still hold their paths in the dataset.
      // The screen asks synchronously; the paths it may ask about are read first (a first screen names them).
      const asked = new Set<string>();
      screenNames(found, { fixLabels: input.fixLabels, loadedAt: (path) => (asked.add(path), false) });
      const loadedPaths = new Set<string>();
      for (const path of asked) if ((await reads.get<LoadedFile>('loaded', [input.dataset, path])) !== undefined) loadedPaths.add(path);
      const verdicts = screenNames(found, { fixLabels: input.fixLabels, loadedAt: (path) => loadedPaths.has(path) });
      found.forEach(({ loaded, ...file }, index) => {
        const verdict = verdicts[index]!;
        if (loaded) result.alreadyLoaded++;
        else if (!verdict.ok) result.refused.push({ relativePath: file.relativePath, reason: verdict.reason, code: verdict.code, label: verdict.label });
        else result.files.push({ ...file, directoryLabel: verdict.name.directoryLabel, fileName: verdict.name.fileName });
      });
      return result;
    }),

    prepareFile: effect<PreparedFile, DataFileInput>(async (input, context) => {
      const stats = await lstat(input.source).catch((error: unknown) => {
        throw toSourceError(error, input.source);
      });
      if (!stats.isFile()) throw new NonRetryableError(`${input.relativePath} is no longer a regular file`, { code: 'SOURCE_UNREADABLE' });
      // Loading other bytes than were found would record them under the old size and mtime: skip; a watch takes the new version.
      if (stats.size !== input.size || stats.mtimeMs !== input.mtimeMs) {
        throw new NonRetryableError(`${input.relativePath} changed after it was found (${input.size} -> ${stats.size} bytes)`, { code: 'SOURCE_CHANGED' });
      }
      const { md5, size } = await ports.hashPool.md5File(input.source, context.signal).catch((error: unknown) => {
        throw toSourceError(error, input.source);
      });
      const mimeType = await detectMimeType(input.source, input.fileName);
      return { storageIdentifier: randomStorageIdentifier(ports.now?.()), mimeType, md5, size };
    }),

    copyFile: effect<{ target: string }, { source: string; targetDir: string; prepared: PreparedFile }>(async (input, context) => {
      const target = resolveUnder(input.targetDir, input.prepared.storageIdentifier);
      await copyAndVerify({ source: input.source, target, expectedMd5: input.prepared.md5, expectedSize: input.prepared.size }, context, ports.hashPool).catch((error: unknown) => {
        // The datafile waits for space itself, with a durable due time and no limit on the waits:
        // quick retries here would only spend its attempts on a disk that is still full.
        if (error instanceof HoldfastError && error.code === 'STORAGE_FULL' && !(error instanceof NonRetryableError)) {
          throw new NonRetryableError(error.reason, { code: 'STORAGE_FULL', cause: error, ...(error.details ? { details: error.details } : {}) });
        }
        throw error;
      });
      faultPoint('datafile.afterCopyBeforeCommit');
      return { target };
    }),

    registerFiles: effect<{ results: RegistrationResult[] }, RegisterInput>(async (input, context) => {
      const reads = readsOf(context);
      const client = ports.dataverse(input.dataverseUrl, await tokenOf(reads, input.dataverseUrl));
      const entries = await entriesOf(reads, input.batchId);
      // A crash between an addFiles call and its commit must not register twice: unless this is the very
      // first call for the batch (which nothing can have preceded), ask the draft what it already holds.
      // Skipping the listing then matters: a watch's batches would each list the whole dataset.
      const firstCall = input.round === 1 && context.attempt === 1;
      const draft = firstCall ? [] : await client.listDraftFiles(input.dataset, context.signal);
      const present = new Map(draft.map((file) => [fileStorageId(file.storageIdentifier) ?? file.storageIdentifier, file]));
      const results: RegistrationResult[] = [];
      const pending: CopiedEntry[] = [];
      for (const entry of entries) {
        const already = present.get(entry.storageIdentifier);
        if (already) results.push({ key: entry.key, ok: true, fileId: already.fileId });
        else pending.push(entry);
      }
      for (let start = 0; start < pending.length; start += input.chunkSize) {
        const chunk = pending.slice(start, start + input.chunkSize);
        await client.waitUntilUnlocked(input.dataset, { maxWaitMs: input.lockWaitMs, signal: context.signal });
        const answers = await client.addFiles(input.dataset, chunk.map(toAddFileEntry), context.signal);
        const byId = new Map(answers.map((answer) => [fileStorageId(answer.storageIdentifier) ?? answer.storageIdentifier, answer]));
        for (const entry of chunk) results.push(registrationOf(entry, byId.get(entry.storageIdentifier)));
      }
      faultPoint('dataload.afterRegisterBeforeCommit');
      return { results };
    }),

    updateMetadata: effect<{ updated: number }, { batchId: string; dataverseUrl: string }>(async (input, context) => {
      const reads = readsOf(context);
      const client = ports.dataverse(input.dataverseUrl, await tokenOf(reads, input.dataverseUrl));
      const metadata = (await reads.get<Record<string, FileMetadata>>('metadata', input.batchId)) ?? {};
      const registrations = (await reads.get<RegistrationResult[]>('registrations', input.batchId)) ?? [];
      const pathOf = new Map((await entriesOf(reads, input.batchId)).map((entry) => [entry.key, entry.relativePath]));
      let updated = 0;
      for (const result of registrations) {
        const wanted = result.ok ? metadata[pathOf.get(result.key) ?? ''] : undefined;
        if (!result.ok || !wanted) continue;
        await client.updateFileMetadata(result.fileId, wanted, context.signal); // an overwrite: safe to repeat
        updated++;
      }
      return { updated };
    }),

    /**
     * The discard of a batch: its copies go unless Dataverse holds them
     * (src/adapters/dataload/load-copies.ts); if Dataverse cannot be asked they
     * all stay, the report says so, and `holdfast delete` finishes later.
     */
    discardCopies: effect<{ discardedKeys: string[]; copies?: CopiesReport }, DiscardInput>(async (input, context) => {
      const reads = readsOf(context);
      const entries = await entriesOf(reads, input.batchId);
      const discardedKeys = entries.map((entry) => entry.key);
      if (!input.folder) return { discardedKeys };
      const copies = entries.map((entry) => ({ storageIdentifier: entry.storageIdentifier, size: entry.size }));
      const token = await tokenOf(reads, input.dataverseUrl);
      const plan = await planCopiesCleanup({ ...input, folder: input.folder, copies }, (baseUrl) => ports.dataverse(baseUrl, token), context.signal);
      return { discardedKeys, copies: await removeCopies(plan) };
    }),

    cleanUp: effect<{ discardedKeys: string[] }, { batchId: string; targetDir: string; move: boolean; discard: boolean }>(async (input, context) => {
      const reads = readsOf(context);
      const entries = await entriesOf(reads, input.batchId);
      // A discard started by an earlier holdfast (before discardCopies): it lacks the dataset to ask
      // Dataverse about, so its copies stay; `holdfast delete` of the load removes those Dataverse lacks.
      if (input.discard) return { discardedKeys: entries.map((entry) => entry.key) };
      // Only this load's leftovers: another load into the same dataset (a watch's next batch) may be copying beside them.
      if (input.targetDir) await removeTemporariesOf(input.targetDir, entries.map((entry) => basename(entry.target))).catch(ignoreMissing);
      if (input.move) {
        const registrations = await reads.get<RegistrationResult[]>('registrations', input.batchId);
        const registered = registrations ? new Set(registrations.filter((r) => r.ok).map((r) => r.key)) : undefined;
        for (const entry of entries) if (!registered || registered.has(entry.key)) await rm(entry.source, { force: true });
      }
      return { discardedKeys: [] };
    }),
  };
}

/** A file a watch accepted into a batch (`watch.batch` records, keyed by watch, batch and path). */
export interface WatchedFile {
  relativePath: string;
  size: number;
  mtimeMs: number;
}

function splitPath(relativePath: string): { directoryLabel: string; fileName: string } {
  const slash = relativePath.lastIndexOf('/');
  return slash < 0 ? { directoryLabel: '', fileName: relativePath } : { directoryLabel: relativePath.slice(0, slash), fileName: relativePath.slice(slash + 1) };
}

/** A stable child key per relative path: the same file gets the same actor id in a batch. */
export function fileKey(relativePath: string): string {
  return `f${createHash('sha1').update(relativePath).digest('hex').slice(0, 16)}`;
}

function toAddFileEntry(entry: CopiedEntry): AddFileEntry {
  return {
    storageIdentifier: `file://${entry.storageIdentifier}`,
    fileName: entry.fileName,
    ...(entry.directoryLabel ? { directoryLabel: entry.directoryLabel } : {}),
    mimeType: entry.mimeType,
    checksum: { '@type': 'MD5', '@value': entry.md5 },
  };
}

function registrationOf(entry: CopiedEntry, answer: Awaited<ReturnType<DataverseClient['addFiles']>>[number] | undefined): RegistrationResult {
  if (!answer) return { key: entry.key, ok: false, message: 'Dataverse did not answer for this file' };
  if (!answer.ok) return { key: entry.key, ok: false, message: answer.message };
  if (answer.size !== entry.size) return { key: entry.key, ok: false, message: `Dataverse recorded ${answer.size} bytes, the file has ${entry.size}` };
  return { key: entry.key, ok: true, fileId: answer.fileId };
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new HoldfastError('EFFECT_FAILED', `cleanup failed: ${(error as Error).message}`, { cause: error });
}
