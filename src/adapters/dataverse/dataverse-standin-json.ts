/**
 * The stand-in's printers: its datasets, files and locks as Dataverse prints them
 * (IQSS/dataverse `JsonPrinter`), so the client reads the stand-in exactly as it
 * reads a real installation.
 */

import type { DataFileJson, DatasetJson, DatasetLockJson, FileMetadataJson } from './dataverse-types.js';

/** The facts of a registered file that Dataverse prints. */
export interface PrintableFile {
  fileId: number;
  storageIdentifier: string;
  fileName: string;
  directoryLabel?: string;
  mimeType: string;
  checksum: { type: string; value: string };
  size: number;
  description?: string;
  categories?: string[];
}

/** The facts of a dataset that Dataverse prints. */
export interface PrintableDataset {
  id: number;
  pid: string;
  protocol: string;
  authority: string;
  identifier: string;
  storageIdentifier: string;
  hasDraft: boolean;
}

/** `JsonPrinter.json(Dataset)` with its `latestVersion`, trimmed to what a data load reads. */
export function datasetJson(dataset: PrintableDataset): DatasetJson {
  return {
    id: dataset.id,
    identifier: dataset.identifier,
    persistentUrl: `https://doi.org/${dataset.authority}/${dataset.identifier}`,
    protocol: dataset.protocol,
    authority: dataset.authority,
    separator: '/',
    publisher: 'holdfast stand-in',
    storageIdentifier: dataset.storageIdentifier,
    latestVersion: {
      id: dataset.id,
      datasetId: dataset.id,
      datasetPersistentId: dataset.pid,
      versionState: dataset.hasDraft ? 'DRAFT' : 'RELEASED',
    },
  };
}

/** `JsonPrinter.json(DataFile)`: the `fileDetails` of addFiles and the `dataFile` of a listing. */
export function dataFileJson(file: PrintableFile): DataFileJson {
  return {
    id: file.fileId,
    persistentId: '',
    filename: file.fileName,
    contentType: file.mimeType,
    filesize: file.size,
    ...(file.description !== undefined ? { description: file.description } : {}),
    ...(file.categories !== undefined ? { categories: [...file.categories] } : {}),
    storageIdentifier: file.storageIdentifier,
    rootDataFileId: -1,
    // Dataverse prints `md5` only for MD5 checksums, `checksum` always.
    ...(file.checksum.type === 'MD5' ? { md5: file.checksum.value } : {}),
    checksum: { ...file.checksum },
    tabularData: false,
    creationDate: new Date().toISOString().slice(0, 10),
  };
}

/** `JsonPrinter.json(FileMetadata)`: one element of `/versions/{v}/files`. */
export function fileMetadataJson(file: PrintableFile, datasetVersionId: number): FileMetadataJson {
  return {
    label: file.fileName,
    ...(file.directoryLabel !== undefined ? { directoryLabel: file.directoryLabel } : {}),
    ...(file.description !== undefined ? { description: file.description } : {}),
    ...(file.categories !== undefined ? { categories: [...file.categories] } : {}),
    restricted: false,
    version: 1,
    datasetVersionId,
    dataFile: dataFileJson(file),
  };
}

/** `JsonPrinter.json(DatasetLock)`; the date as java.sql.Timestamp prints it: `2024-05-01 12:00:00.123`. */
export function lockJson(lock: { type: string; since: number }, pid: string): DatasetLockJson {
  return {
    lockType: lock.type,
    date: new Date(lock.since).toISOString().replace('T', ' ').replace('Z', ''),
    user: 'dataverseAdmin',
    dataset: pid,
    message: `stand-in ${lock.type} lock`,
  };
}
