/**
 * What the Dataverse stand-in knows: its datasets, the files registered with them,
 * their versions and locks. Like Dataverse, it looks for each file in the
 * dataset's storage folder and records the size it finds there, but records the
 * checksum it is sent without checking it.
 */

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HoldfastError } from '../../errors.js';
import {
  datasetStorageFolder,
  defaultDatasetStorageIdentifier,
  fileStorageId,
  parsePersistentId,
} from './dataverse-pid.js';
import type { CheckedAddFileEntry } from './dataverse-standin-checks.js';
import { dataFileJson, fileMetadataJson, lockJson } from './dataverse-standin-json.js';
import type { PrintableDataset, PrintableFile } from './dataverse-standin-json.js';
import type {
  AddFilesFileJson,
  AddFilesResponseData,
  DatasetLockJson,
  FileMetadataJson,
  FileMetadataUpdate,
} from './dataverse-types.js';

/** A dataset the stand-in serves. */
export interface StandinDatasetConfig {
  persistentId: string;
  /** @default `file://<authority>/<identifier>` of the PID */
  storageIdentifier?: string;
  /** Start as a published dataset with no draft, as after a curator published it. @default false */
  released?: boolean;
}

/** A file registered with a stand-in dataset. */
export interface RegisteredFile extends PrintableFile {
  /** As sent, never verified (Dataverse does not verify it either). */
  checksum: { type: string; value: string };
  /** Bytes found in the dataset's storage folder when it was registered. */
  size: number;
  /** True once the dataset was published with it. */
  released: boolean;
  /** Metadata updates received for it. */
  metadataUpdates: number;
}

/** A stand-in dataset, as the routes see it. */
export interface StandinDataset extends PrintableDataset {
  /** Absolute: `filesDir/<authority>/<identifier>`. */
  folder: string;
  /** Has had a published version. */
  published: boolean;
  files: RegisteredFile[];
  lock: { type: string; since: number; until: number } | null;
}

// The entry as it was sent, for a refusal's fileDetails.
const echo = ({ checksum, ...rest }: CheckedAddFileEntry): Record<string, unknown> => ({
  ...rest,
  checksum: { '@type': checksum.type, '@value': checksum.value },
});

/** The stand-in's datasets and files. */
export class StandinState {
  #nextId = 1;
  readonly #datasets: StandinDataset[] = [];
  readonly #files = new Map<number, { file: RegisteredFile; dataset: StandinDataset }>();
  readonly rejectStorageIds = new Set<string>();

  /** @throws NonRetryableError `INVALID_PID` for a malformed PID or storage identifier. */
  constructor(filesDir: string, datasets: readonly StandinDatasetConfig[]) {
    for (const config of datasets) {
      const { protocol, authority, identifier } = parsePersistentId(config.persistentId);
      const storageIdentifier = config.storageIdentifier ?? defaultDatasetStorageIdentifier(config.persistentId);
      this.#datasets.push({
        id: this.#nextId++,
        pid: config.persistentId,
        protocol,
        authority,
        identifier,
        storageIdentifier,
        folder: join(filesDir, datasetStorageFolder(storageIdentifier)),
        hasDraft: config.released !== true,
        published: config.released === true,
        files: [],
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

  /** The files of `:draft`, `:latest` or `:latest-published`; null when that version does not exist. */
  versionFiles(dataset: StandinDataset, version: string): FileMetadataJson[] | null {
    const all = dataset.files.map((file) => fileMetadataJson(file, dataset.id));
    if (version === ':draft') return dataset.hasDraft ? all : null;
    if (version === ':latest') return all;
    if (version === ':latest-published') {
      return dataset.published ? all.filter((_, index) => dataset.files[index]?.released) : null;
    }
    return null;
  }

  /** The dataset's locks, dropping one whose time has run out. */
  locks(dataset: StandinDataset): DatasetLockJson[] {
    if (dataset.lock && Date.now() >= dataset.lock.until) dataset.lock = null;
    if (!dataset.lock) return [];
    return [lockJson(dataset.lock, dataset.pid)];
  }

  /** Locks the dataset for `ms` milliseconds (Infinity: until {@link unlock}). */
  lock(pid: string, ms: number, type: string): void {
    const now = Date.now();
    this.dataset(pid).lock = { type, since: now, until: now + ms };
  }

  /** Lifts the dataset's lock, if any. */
  unlock(pid: string): void {
    this.dataset(pid).lock = null;
  }

  /** Marks every file released and leaves the dataset without a draft. */
  publish(pid: string): void {
    const dataset = this.dataset(pid);
    for (const file of dataset.files) file.released = true;
    dataset.hasDraft = false;
    dataset.published = true;
  }

  /** Copies of the dataset's files, in the order they were registered. */
  registered(pid: string): RegisteredFile[] {
    return this.dataset(pid).files.map((file) => structuredClone(file));
  }

  /** Registers each entry whose file is in the dataset's folder; the others fail with a message, in a 200. */
  async addFiles(dataset: StandinDataset, entries: readonly CheckedAddFileEntry[]): Promise<AddFilesResponseData> {
    const answers: AddFilesFileJson[] = [];
    for (const entry of entries) {
      const checked = await this.#check(dataset, entry);
      // Checked again after the await, synchronously with the push below: two
      // concurrent calls must not both register the same storageIdentifier.
      const found = dataset.files.some((file) => file.storageIdentifier === entry.storageIdentifier)
        ? { refusal: `Duplicate storageIdentifier: ${entry.storageIdentifier} is already registered with this dataset.` }
        : checked;
      if ('refusal' in found) {
        // Dataverse's form: "<HTTP reason>:<messages>", with the entry echoed.
        answers.push({ storageIdentifier: entry.storageIdentifier, errorMessage: `Bad Request:${found.refusal}`, fileDetails: echo(entry) });
        continue;
      }
      const file: RegisteredFile = {
        fileId: this.#nextId++,
        storageIdentifier: entry.storageIdentifier,
        fileName: entry.fileName,
        ...(entry.directoryLabel !== undefined ? { directoryLabel: entry.directoryLabel } : {}),
        mimeType: entry.mimeType ?? 'application/octet-stream',
        checksum: { ...entry.checksum },
        size: found.size,
        ...(entry.description !== undefined ? { description: entry.description } : {}),
        ...(entry.categories !== undefined ? { categories: [...entry.categories] } : {}),
        released: false,
        metadataUpdates: 0,
      };
      dataset.files.push(file);
      dataset.hasDraft = true;
      this.#files.set(file.fileId, { file, dataset });
      const fileDetails = dataFileJson(file);
      answers.push({ storageIdentifier: entry.storageIdentifier, successMessage: 'Added successfully to the dataset', fileDetails });
    }
    const added = answers.filter((answer) => 'successMessage' in answer).length;
    return { Files: answers, Result: { 'Total number of files': entries.length, 'Number of files successfully added': added } };
  }

  /** The dataset a file belongs to, or undefined for an unknown id. */
  datasetOfFile(fileId: number): StandinDataset | undefined {
    return this.#files.get(fileId)?.dataset;
  }

  /** Applies a metadata update; editing a published dataset opens a draft, as in Dataverse. */
  updateMetadata(fileId: number, update: FileMetadataUpdate): boolean {
    const found = this.#files.get(fileId);
    if (!found) return false;
    const { file, dataset } = found;
    if (update.description !== undefined) file.description = update.description;
    if (update.categories !== undefined) file.categories = [...update.categories];
    if (update.directoryLabel !== undefined) file.directoryLabel = update.directoryLabel;
    if (update.label !== undefined) file.fileName = update.label;
    file.metadataUpdates += 1;
    dataset.hasDraft = true;
    return true;
  }

  // The size of the entry's file in the dataset's folder, or why Dataverse would
  // refuse the entry. (Duplicates are checked by the caller: Dataverse allows the
  // same storageIdentifier twice, the stand-in does not, so that a double
  // registration by holdfast shows in its tests.)
  async #check(dataset: StandinDataset, entry: CheckedAddFileEntry): Promise<{ size: number } | { refusal: string }> {
    const sid = entry.storageIdentifier;
    const id = fileStorageId(sid);
    if (this.rejectStorageIds.has(sid) || (id !== null && this.rejectStorageIds.has(id))) {
      return { refusal: `stand-in refuses ${sid} (faults.rejectStorageIds)` };
    }
    // fileStorageId refuses ids holding "/" or "..": nothing outside the folder is ever looked at.
    if (!sid.startsWith('file://') || id === null) {
      return { refusal: 'Dataset store configuration does not allow provided storageIdentifier.' };
    }
    if (entry.mimeType === undefined) return { refusal: 'The content type of the file could not be determined.' };
    try {
      const info = await stat(join(dataset.folder, id));
      if (info.isFile()) return { size: info.size };
    } catch {
      // Missing or unreadable: refused below, as Dataverse refuses a file it cannot find.
    }
    return { refusal: `Failed to add file to dataset: no file ${id} in the dataset's storage folder.` };
  }
}
