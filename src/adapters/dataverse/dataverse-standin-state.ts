/**
 * What the Dataverse stand-in knows: its datasets, the files registered with them,
 * their draft and published versions and locks. Like Dataverse, it looks for each
 * file in the dataset's storage folder and records the size it finds there, but
 * records the checksum it is sent without checking it. addFiles follows
 * `AddReplaceFileHelper.addFiles` (5.14 and 6.11): each entry is checked and
 * printed in a loop, then one final UpdateDatasetVersionCommand saves them all
 * (and only then do they get ids), or fails and saves none.
 */

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HoldfastError } from '../../errors.js';
import { datasetStorageFolder, defaultDatasetStorageIdentifier, fileStorageId, parsePersistentId } from './dataverse-pid.js';
import type { CheckedAddFileEntry } from './dataverse-standin-checks.js';
import { datasetJson, fileMetadataJson, lockJson, timestamp } from './dataverse-standin-json.js';
import type { DataverseRelease, PrintableDataset, PrintableFile, PrintableVersion } from './dataverse-standin-json.js';
import type { AddFilesFileJson, AddFilesResponseData, DatasetLockJson, FileMetadataJson, FileMetadataUpdate } from './dataverse-types.js';

/** A dataset the stand-in serves. */
export interface StandinDatasetConfig {
  persistentId: string;
  /** @default `file://<authority>/<identifier>` of the PID */
  storageIdentifier?: string;
  /** Start as a published dataset with no draft, as after a curator published it. @default false */
  released?: boolean;
  /** 6.x: the dataset's file count limit (`getEffectiveDatasetFileCountLimit`). @default none */
  fileCountLimit?: number;
}

/** A file registered with a stand-in dataset. */
export interface RegisteredFile extends PrintableFile {
  fileId: number;
  /** True once the dataset was published with it. */
  released: boolean;
  /** Metadata updates received for it. */
  metadataUpdates: number;
}

/** A stand-in dataset, as the routes see it. */
export interface StandinDataset extends Omit<PrintableDataset, 'lockTypes'> {
  /** Absolute: `filesDir/<authority>/<identifier>`. */
  folder: string;
  files: RegisteredFile[];
  draft: { id: number; updated: number } | null;
  published: { id: number; updated: number } | null;
  fileCountLimit?: number;
  lock: { type: string; since: number; until: number; user: string; message?: string } | null;
}

/** An answer the routes send as is: status and Dataverse envelope or text. */
export type StateReply = { status: number; body: unknown; text?: boolean };

const ok = (data: unknown): StateReply => ({ status: 200, body: { status: 'OK', data } });
const fail = (status: number, message: string): StateReply => ({ status, body: { status: 'ERROR', message } });

// Bundle.properties, dataset.message.locked.*
const EDIT_LOCKED = 'Dataset cannot be edited due to dataset lock.';
const EDIT_LOCKED_IN_REVIEW = 'Dataset cannot be edited due to In Review dataset lock.';

/** The stand-in's datasets and files. */
export class StandinState {
  #nextId = 1;
  #nextVersionId = 1;
  readonly #datasets: StandinDataset[] = [];
  readonly #files = new Map<number, { file: RegisteredFile; dataset: StandinDataset }>();
  readonly #indexes = new WeakMap<StandinDataset, FileIndex>();
  /** addFiles entries with these storage identifiers (with or without `file://`) are refused in a 200. */
  readonly rejectStorageIds = new Set<string>();
  /** The next this many addFiles calls fail at their final command, as a lock or a database error would. */
  failFinalCommands = 0;

  /** @throws NonRetryableError `INVALID_PID` for a malformed PID or storage identifier. */
  constructor(
    filesDir: string,
    datasets: readonly StandinDatasetConfig[],
    readonly release: DataverseRelease,
    readonly now: () => number = Date.now,
  ) {
    for (const config of datasets) {
      const { protocol, authority, identifier } = parsePersistentId(config.persistentId);
      const storageIdentifier = config.storageIdentifier ?? defaultDatasetStorageIdentifier(config.persistentId);
      const created = { id: this.#nextVersionId++, updated: this.now() };
      this.#datasets.push({
        id: this.#nextId++,
        pid: config.persistentId,
        protocol,
        authority,
        identifier,
        storageIdentifier,
        folder: join(filesDir, datasetStorageFolder(storageIdentifier)),
        files: [],
        draft: config.released === true ? null : created,
        published: config.released === true ? created : null,
        ...(config.released === true ? { publicationDate: timestamp(created.updated).slice(0, 10) } : {}),
        ...(config.fileCountLimit !== undefined ? { fileCountLimit: config.fileCountLimit } : {}),
        lock: null,
      });
    }
  }

  /** The dataset named by PID (DOIs compare case-insensitively) or database id. */
  find(ref: { pid: string } | { id: number }): StandinDataset | undefined {
    if ('id' in ref) return this.#datasets.find((dataset) => dataset.id === ref.id);
    return this.#datasets.find((dataset) => dataset.pid.toUpperCase() === ref.pid.toUpperCase());
  }

  /**
   * Like {@link find} by PID, for the test-facing handle.
   * @throws HoldfastError `INVALID_INPUT` for a PID the stand-in was not started with.
   */
  dataset(pid: string): StandinDataset {
    const dataset = this.find({ pid });
    if (!dataset) throw new HoldfastError('INVALID_INPUT', `the Dataverse stand-in has no dataset ${pid}`, { details: { pid } });
    return dataset;
  }

  /** The folder where the dataset's files must be placed. */
  folderOf(pid: string): string {
    return this.dataset(pid).folder;
  }

  /** `Datasets.getDataset`: json(Dataset) with the latest version the user can see, files included. */
  datasetAnswer(dataset: StandinDataset): StateReply {
    const version = dataset.draft ? this.#version(dataset, 'draft') : dataset.published ? this.#version(dataset, 'published') : null;
    const files = version ? this.#print(version, version.state === 'DRAFT' ? dataset.files : dataset.files.filter((f) => f.released)) : [];
    return ok(datasetJson(this.#printable(dataset), version ? { version, files } : null, this.release));
  }

  /**
   * `Datasets.getVersionFiles`: `:draft`, `:latest`, `:latest-published`. A
   * version that does not exist is the 404 of `getDatasetVersionOrDie`; 6.x adds
   * `totalCount` and orders by name (FileOrderCriteria.NameAZ).
   */
  versionFilesAnswer(dataset: StandinDataset, name: string, query: URLSearchParams = new URLSearchParams()): StateReply {
    const which = name === ':draft' ? 'draft' : name === ':latest-published' ? 'published' : name === ':latest' ? (dataset.draft ? 'draft' : 'published') : null;
    if (which === null && !/^\d+(\.\d+)?$/.test(name)) return fail(400, `Illegal version identifier '${name}'`);
    const exists = which === 'draft' ? dataset.draft : which === 'published' ? dataset.published : null;
    if (!which || !exists) return fail(404, `Dataset version ${name} of dataset ${dataset.id} not found`);
    const version = this.#version(dataset, which);
    const files = which === 'draft' ? dataset.files : dataset.files.filter((file) => file.released);
    if (this.release === '5.14') return ok(this.#print(version, files)); // no paging, no order: every file, as saved
    const paging = readPaging(query);
    if (typeof paging === 'string') return fail(400, paging);
    const page = orderFiles(files, paging.order).slice(paging.offset, paging.limit === undefined ? undefined : paging.offset + paging.limit);
    // totalCount counts the version's files, not the page (getFileMetadataCount).
    return { status: 200, body: { status: 'OK', totalCount: files.length, data: this.#print(version, page) } };
  }

  /** The dataset's locks, dropping one whose time has run out (`json(DatasetLock)` each). */
  locks(dataset: StandinDataset): DatasetLockJson[] {
    if (dataset.lock && this.now() >= dataset.lock.until) dataset.lock = null;
    return dataset.lock ? [lockJson(dataset.lock, dataset.pid)] : [];
  }

  /** Locks the dataset for `ms` milliseconds (Infinity: until {@link unlock}). */
  lock(pid: string, ms: number, type: string): void {
    const now = this.now();
    this.dataset(pid).lock = { type, since: now, until: now + ms, user: 'dataverseAdmin', ...(type === 'Ingest' ? { message: 'Ingest in progress' } : {}) };
  }

  /** Lifts the dataset's lock, if any. */
  unlock(pid: string): void {
    this.dataset(pid).lock = null;
  }

  /** Marks every file released and leaves the dataset without a draft. */
  publish(pid: string): void {
    const dataset = this.dataset(pid);
    for (const file of dataset.files) file.released = true;
    const updated = this.now();
    dataset.published = { id: dataset.draft?.id ?? this.#nextVersionId++, updated };
    dataset.publicationDate ??= timestamp(updated).slice(0, 10);
    dataset.draft = null;
  }

  /** Copies of the dataset's files, in the order they were registered. */
  registered(pid: string): RegisteredFile[] {
    return this.dataset(pid).files.map((file) => structuredClone(file));
  }

  /** `AddReplaceFileHelper.addFiles`: the loop's answers, then the final command. */
  async addFiles(dataset: StandinDataset, entries: readonly CheckedAddFileEntry[]): Promise<StateReply> {
    if (this.release !== '5.14' && dataset.fileCountLimit !== undefined && dataset.files.length + entries.length >= dataset.fileCountLimit) {
      return fail(400, `Number of files can not exceed the maximum number of files allowed for this Dataset (${dataset.fileCountLimit}).`);
    }
    const answers: AddFilesFileJson[] = [];
    const accepted: RegisteredFile[] = [];
    // Only saved files (with ids) count as taken paths: IngestUtil.existingPathNamesAsSet.
    const { paths, checksums } = this.#indexOf(dataset);
    const taken = (path: string) => (paths.get(path) ?? 0) > 0;
    const acceptedChecksums = new Set<string>();
    const version: PrintableVersion = dataset.draft ? this.#version(dataset, 'draft') : { id: null, state: 'DRAFT', lastUpdateTime: null };
    // getDuplicateFileWarning is never reset within a call: once set, later successes carry it too.
    let warning: string | undefined;
    for (const entry of entries) {
      const sid = entry.storageIdentifier;
      if (sid === null) {
        answers.push({ errorMessage: 'You must provide a storageidentifier, filename, and mimetype.', fileDetails: entry.sent });
        continue;
      }
      const refusal = await this.#refusal(dataset, entry, sid);
      if (typeof refusal === 'string') {
        answers.push({ storageIdentifier: sid, errorMessage: `Bad Request:${refusal}`, fileDetails: entry.sent });
        continue;
      }
      let fileName = entry.fileName as string;
      // Only saved files count (IngestUtil.existingPathNamesAsSet): two entries of one call may share a path.
      while (taken(pathOf(entry.directoryLabel, fileName))) fileName = nextFileName(fileName);
      const file: RegisteredFile = {
        fileId: 0,
        storageIdentifier: sid,
        fileName,
        ...(entry.directoryLabel !== undefined ? { directoryLabel: entry.directoryLabel } : {}),
        mimeType: entry.mimeType || 'application/octet-stream',
        checksum: { ...entry.checksum },
        size: refusal.size,
        ...(entry.description !== undefined ? { description: entry.description } : {}),
        ...(entry.categories !== undefined ? { categories: [...entry.categories] } : {}),
        createDate: timestamp(this.now()).slice(0, 10),
        released: false,
        metadataUpdates: 0,
      };
      const twin = checksums.has(file.checksum.value) || acceptedChecksums.has(file.checksum.value);
      acceptedChecksums.add(file.checksum.value);
      if (twin) warning = `This file has the same content as ${file.fileName} that is in the dataset. `;
      accepted.push(file);
      const { fileId: _unsaved, ...printable } = file;
      const fileDetails = fileMetadataJson(printable, version, this.release, false);
      answers.push(warning ? { storageIdentifier: sid, warningMessage: warning, fileDetails } : { storageIdentifier: sid, successMessage: 'Added successfully to the dataset', fileDetails });
    }
    const failure = this.#finalCommandFailure(dataset);
    if (failure) return fail(500, `CommandException updating DatasetVersion from addFiles job: ${failure}`);
    this.#save(dataset, accepted);
    const data: AddFilesResponseData = { Files: answers, Result: { 'Total number of files': entries.length, 'Number of files successfully added': accepted.length } };
    return ok(data);
  }

  /** The dataset a file belongs to, or undefined for an unknown id. */
  datasetOfFile(fileId: number): StandinDataset | undefined {
    return this.#files.get(fileId)?.dataset;
  }

  /**
   * `Files.updateFileMetadata`: applies the update through an
   * UpdateDatasetVersionCommand (editing a published dataset opens a draft) and
   * answers 200 with plain text, not an envelope.
   */
  updateMetadata(fileId: number, update: FileMetadataUpdate): StateReply {
    const found = this.#files.get(fileId);
    if (!found) return fail(400, 'Error attempting get the requested data file.');
    const { file, dataset } = found;
    const label = update.label ?? file.fileName;
    const directoryLabel = update.directoryLabel ?? file.directoryLabel;
    const path = pathOf(directoryLabel, label);
    const { paths } = this.#indexOf(dataset);
    const own = pathOf(file.directoryLabel, file.fileName);
    if ((paths.get(path) ?? 0) - (own === path ? 1 : 0) > 0) {
      return fail(400, `Filename already exists at ${path}`);
    }
    const locked = this.#lockRefusal(dataset);
    if (locked) {
      // The command's IllegalCommandException, wrapped by execCommand, caught by a `catch (Exception e)`.
      return fail(500, `Error adding metadata to DataFile: edu.harvard.iq.dataverse.api.AbstractApiBean$WrappedResponse: edu.harvard.iq.dataverse.engine.command.exception.IllegalCommandException: ${locked}`);
    }
    if (update.description !== undefined) file.description = update.description;
    if (update.categories !== undefined) file.categories = [...update.categories];
    if (update.directoryLabel !== undefined) file.directoryLabel = update.directoryLabel;
    if (update.label !== undefined) file.fileName = update.label;
    countPath(paths, own, -1);
    countPath(paths, path, 1);
    file.metadataUpdates += 1;
    dataset.draft = { id: dataset.draft?.id ?? this.#nextVersionId++, updated: this.now() };
    const printed = { label: file.fileName, ...(file.directoryLabel !== undefined ? { directoryLabel: file.directoryLabel } : {}), ...(file.description !== undefined ? { description: file.description } : {}), categories: file.categories ?? [], restricted: false };
    return { status: 200, body: `File Metadata update has been completed: ${JSON.stringify(printed)}`, text: true };
  }

  // Why the entry is refused (the messages of the helper's steps), or the size
  // found in the dataset's storage folder (IngestServiceBean.saveAndAddFilesToDataset).
  async #refusal(dataset: StandinDataset, entry: CheckedAddFileEntry, sid: string): Promise<string | { size: number }> {
    const id = fileStorageId(sid);
    if (this.rejectStorageIds.has(sid) || (id !== null && this.rejectStorageIds.has(id))) return `stand-in refuses ${sid} (faults.rejectStorageIds)`;
    if (entry.fileName === undefined) return 'The file name cannot be determined.';
    if (entry.mimeType === undefined) return 'The file content type cannot be determined.';
    try {
      const info = await stat(join(dataset.folder, id ?? ''));
      if (info.isFile()) return { size: info.size };
    } catch {
      // Missing or unreadable: StorageIO.open fails, and the file is not saved.
    }
    return 'Failed to save the content of the uploaded file.';
  }

  // PermissionServiceBean.checkUpdateDatasetVersionLock: any lock but Ingest stops the command.
  #lockRefusal(dataset: StandinDataset): string | null {
    const lock = this.locks(dataset)[0];
    if (!lock || lock.lockType === 'Ingest') return null;
    return lock.lockType === 'InReview' ? EDIT_LOCKED_IN_REVIEW : EDIT_LOCKED;
  }

  #finalCommandFailure(dataset: StandinDataset): string | null {
    if (this.failFinalCommands > 0) {
      this.failFinalCommands -= 1;
      return 'Could not save the dataset version: stand-in fault (faults.failFinalCommand)';
    }
    return this.#lockRefusal(dataset);
  }

  // The final UpdateDatasetVersionCommand: the draft (made now if there was none)
  // is saved, and its new files get their ids.
  #save(dataset: StandinDataset, files: RegisteredFile[]): void {
    if (files.length === 0 && dataset.draft) return;
    dataset.draft = { id: dataset.draft?.id ?? this.#nextVersionId++, updated: this.now() };
    const { paths, checksums } = this.#indexOf(dataset);
    for (const file of files) {
      file.fileId = this.#nextId++;
      dataset.files.push(file);
      countPath(paths, pathOf(file.directoryLabel, file.fileName), 1);
      checksums.add(file.checksum.value);
      this.#files.set(file.fileId, { file, dataset });
    }
  }

  // The saved files' paths (a count each) and checksums, kept as files are saved or renamed:
  // addFiles looks each entry up here, not through every file of the dataset.
  #indexOf(dataset: StandinDataset): FileIndex {
    let index = this.#indexes.get(dataset);
    if (!index) {
      index = { paths: new Map(), checksums: new Set() };
      for (const file of dataset.files) {
        countPath(index.paths, pathOf(file.directoryLabel, file.fileName), 1);
        index.checksums.add(file.checksum.value);
      }
      this.#indexes.set(dataset, index);
    }
    return index;
  }

  #version(dataset: StandinDataset, which: 'draft' | 'published'): PrintableVersion {
    const version = which === 'draft' ? dataset.draft : dataset.published;
    return {
      id: version?.id ?? null,
      state: which === 'draft' ? 'DRAFT' : 'RELEASED',
      lastUpdateTime: version ? timestamp(version.updated) : null,
      ...(which === 'published' ? { versionNumber: 1 } : {}),
    };
  }

  #print(version: PrintableVersion, files: RegisteredFile[]): FileMetadataJson[] {
    return files.map((file) => fileMetadataJson(file, version, this.release));
  }

  #printable(dataset: StandinDataset): PrintableDataset {
    return { ...dataset, lockTypes: this.locks(dataset).map((lock) => lock.lockType) };
  }
}

interface FileIndex {
  paths: Map<string, number>;
  checksums: Set<string>;
}

function countPath(paths: Map<string, number>, path: string, by: 1 | -1): void {
  const count = (paths.get(path) ?? 0) + by;
  if (count > 0) paths.set(path, count);
  else paths.delete(path);
}

/** The orders of `getVersionFiles` (FileOrderCriteria) the stand-in serves. */
type FileOrder = 'NameAZ' | 'NameZA' | 'Newest' | 'Oldest' | 'Size' | 'Type';
const ORDERS: readonly FileOrder[] = ['NameAZ', 'NameZA', 'Newest', 'Oldest', 'Size', 'Type'];

// Datasets.getVersionFiles' query parameters (6.1+): `orderCriteria`, `limit`, `offset`.
function readPaging(query: URLSearchParams): { order: FileOrder; limit?: number; offset: number } | string {
  const order = query.get('orderCriteria') ?? 'NameAZ';
  if (!(ORDERS as readonly string[]).includes(order)) return `Invalid order criteria: ${order}`;
  const count = (name: string): number | undefined | string => {
    const text = query.get(name);
    if (text === null) return undefined;
    return /^\d+$/.test(text) ? Number(text) : `Invalid ${name}: ${text}`;
  };
  const limit = count('limit');
  const offset = count('offset');
  if (typeof limit === 'string') return limit;
  if (typeof offset === 'string') return offset;
  return { order: order as FileOrder, ...(limit !== undefined ? { limit } : {}), offset: offset ?? 0 };
}

// DatasetVersionFilesServiceBean's orders. Newest and Oldest go by publication date, else creation
// date: a publication releases every file saved before it, so that is the order files were saved in.
function orderFiles(files: readonly RegisteredFile[], order: FileOrder): RegisteredFile[] {
  const byName = (a: RegisteredFile, b: RegisteredFile) => a.fileName.localeCompare(b.fileName);
  switch (order) {
    case 'Newest':
      return [...files].reverse();
    case 'Oldest':
      return [...files];
    case 'NameZA':
      return [...files].sort((a, b) => byName(b, a));
    case 'Size':
      return [...files].sort((a, b) => a.size - b.size);
    case 'Type':
      return [...files].sort((a, b) => a.mimeType.localeCompare(b.mimeType) || byName(a, b));
    default:
      return [...files].sort(byName);
  }
}

// IngestUtil.makePathName.
function pathOf(directoryLabel: string | undefined, fileName: string): string {
  return directoryLabel ? `${directoryLabel}/${fileName}` : fileName;
}

// IngestUtil.generateNewFileName: `a.txt` -> `a-1.txt` -> `a-2.txt`.
function nextFileName(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const base = dot === -1 ? fileName : fileName.slice(0, dot);
  const extension = dot === -1 ? '' : fileName.slice(dot);
  const numbered = /^(.*)-(\d+)$/.exec(base);
  const next = numbered ? `${numbered[1]}-${Number(numbered[2]) + 1}` : `${base}-1`;
  return `${next}${extension}`;
}
