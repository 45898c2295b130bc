/**
 * The stand-in's printers: its datasets, files and locks as Dataverse prints
 * them at release 5.14 or 6.11 (IQSS/dataverse `JsonPrinter`), field for field
 * and in Java's order, leaving out what `NullSafeJsonBuilder` leaves out (a
 * null). Fields no holdfast reader uses are kept where they cost nothing, so an
 * answer here looks like the real one; the long tails (metadata blocks, terms)
 * are left out of `latestVersion`.
 */

import type { DataFileJson, DatasetJson, DatasetLockJson, FileMetadataJson } from './dataverse-types.js';

/** The Dataverse releases the stand-in answers as. */
export type DataverseRelease = '5.14' | '6.11';

/** The releases, newest last. */
export const DATAVERSE_RELEASES: readonly DataverseRelease[] = ['5.14', '6.11'];

/** The facts of a file that Dataverse prints; `fileId` is absent before the final command saves it. */
export interface PrintableFile {
  fileId?: number;
  /** As sent, e.g. `file://18f2c1a9b3e-0a1b2c3d4e5f`. */
  storageIdentifier: string;
  fileName: string;
  directoryLabel?: string;
  mimeType: string;
  checksum: { type: string; value: string };
  size: number;
  description?: string;
  categories?: string[];
  /** `YYYY-MM-DD`. */
  createDate: string;
}

/** A dataset version as printed: its id is null before it is saved. */
export interface PrintableVersion {
  id: number | null;
  state: 'DRAFT' | 'RELEASED';
  /** `yyyy-MM-dd'T'HH:mm:ss'Z'`, as `Util.getDateTimeFormat` prints a Timestamp. */
  lastUpdateTime: string | null;
  versionNumber?: number;
}

/** The facts of a dataset that Dataverse prints. */
export interface PrintableDataset {
  id: number;
  pid: string;
  protocol: string;
  authority: string;
  identifier: string;
  storageIdentifier: string;
  /** `YYYY-MM-DD` of the first publication, if any. */
  publicationDate?: string;
  lockTypes: string[];
}

const FRIENDLY: Record<string, string> = {
  'text/plain': 'Plain Text',
  'text/csv': 'Comma Separated Values',
  'application/json': 'JSON',
  'application/octet-stream': 'Unknown',
  'image/png': 'PNG Image',
};

/** `JsonPrinter.json(DataFile, FileMetadata, false)`: the `dataFile` of a FileMetadata. */
export function dataFileJson(file: PrintableFile, version: PrintableVersion, release: DataverseRelease): DataFileJson & Record<string, unknown> {
  const v6 = release !== '5.14';
  return {
    ...(file.fileId !== undefined ? { id: file.fileId } : {}),
    // Without a file PID Dataverse prints "" here (backward compatibility, #8674).
    persistentId: '',
    filename: file.fileName,
    contentType: file.mimeType,
    ...(v6 ? { friendlyType: FRIENDLY[file.mimeType] ?? file.mimeType } : {}),
    filesize: file.size,
    ...(file.description !== undefined ? { description: file.description } : {}),
    ...(file.categories?.length ? { categories: [...file.categories] } : {}),
    storageIdentifier: file.storageIdentifier,
    // DataFile.ROOT_DATAFILE_ID_DEFAULT until a replace links files.
    rootDataFileId: -1,
    ...(file.checksum.type === 'MD5' ? { md5: file.checksum.value } : {}),
    checksum: { type: file.checksum.type, value: file.checksum.value },
    ...(v6 ? { tabularData: false } : {}),
    creationDate: file.createDate,
    ...(v6 && file.directoryLabel !== undefined ? { directoryLabel: file.directoryLabel } : {}),
    ...(v6 && version.lastUpdateTime !== null ? { lastUpdateTime: version.lastUpdateTime } : {}),
    ...(v6 ? { fileAccessRequest: false } : {}),
  };
}

/**
 * `JsonPrinter.json(FileMetadata)`: an element of `/versions/{v}/files` and the
 * `fileDetails` of addFiles. `saved` false prints a FileMetadata the final
 * command has not saved yet: no `version` (its JPA version), and no ids.
 */
export function fileMetadataJson(file: PrintableFile, version: PrintableVersion, release: DataverseRelease, saved = true): FileMetadataJson {
  return {
    ...(file.description !== undefined ? { description: file.description } : {}),
    label: file.fileName,
    restricted: false,
    ...(file.directoryLabel !== undefined ? { directoryLabel: file.directoryLabel } : {}),
    ...(saved ? { version: 1 } : {}),
    ...(version.id !== null ? { datasetVersionId: version.id } : {}),
    ...(file.categories?.length ? { categories: [...file.categories] } : {}),
    dataFile: dataFileJson(file, version, release),
  };
}

/** `JsonPrinter.json(DatasetVersion, ...)`, trimmed: the `latestVersion` of `getDataset`. */
function versionJson(dataset: PrintableDataset, version: PrintableVersion, files: FileMetadataJson[], latestState: string, release: DataverseRelease): Record<string, unknown> {
  const v6 = release !== '5.14';
  return {
    ...(version.id !== null ? { id: version.id } : {}),
    datasetId: dataset.id,
    datasetPersistentId: dataset.pid,
    ...(v6 ? { datasetType: 'dataset', storageIdentifier: dataset.storageIdentifier } : {}),
    ...(version.versionNumber !== undefined ? { versionNumber: version.versionNumber, versionMinorNumber: 0 } : {}),
    versionState: version.state,
    ...(v6 ? { latestVersionPublishingState: latestState } : {}),
    ...(version.lastUpdateTime !== null ? { lastUpdateTime: version.lastUpdateTime } : {}),
    ...(dataset.publicationDate ? { publicationDate: dataset.publicationDate } : {}),
    files,
  };
}

/** `JsonPrinter.json(Dataset)` plus `latestVersion`, as `Datasets.getDataset` answers. */
export function datasetJson(dataset: PrintableDataset, latest: { version: PrintableVersion; files: FileMetadataJson[] } | null, release: DataverseRelease): DatasetJson & Record<string, unknown> {
  const v6 = release !== '5.14';
  return {
    id: dataset.id,
    identifier: dataset.identifier,
    persistentUrl: `https://doi.org/${dataset.authority}/${dataset.identifier}`,
    protocol: dataset.protocol,
    authority: dataset.authority,
    ...(v6 ? { separator: '/' } : {}),
    publisher: 'Root',
    ...(dataset.publicationDate ? { publicationDate: dataset.publicationDate } : {}),
    storageIdentifier: dataset.storageIdentifier,
    ...(v6 ? { datasetType: 'dataset', locks: [...dataset.lockTypes] } : {}),
    ...(latest ? { latestVersion: versionJson(dataset, latest.version, latest.files, latest.version.state, release) } : {}),
  };
}

/**
 * `JsonPrinter.json(DatasetLock)`: the date as `DatasetLock.getStartTime().toString()`
 * prints a `java.sql.Timestamp` read back from the database, `2024-05-01 12:00:00.123`.
 */
export function lockJson(lock: { type: string; since: number; user: string; message?: string }, pid: string): DatasetLockJson {
  return {
    lockType: lock.type,
    date: new Date(lock.since).toISOString().replace('T', ' ').replace('Z', ''),
    user: lock.user,
    dataset: pid,
    ...(lock.message !== undefined ? { message: lock.message } : {}),
  };
}

/** `Util.getDateTimeFormat()` of a Timestamp: `2024-05-01T12:00:00Z`. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
