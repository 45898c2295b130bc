/**
 * Reads the `data` of Dataverse's answers into the client's shapes, checking each
 * field it relies on: an answer from another version or a proxy must give a clear
 * error, never an `undefined` deep inside a datafile's state. Each reader names
 * the Java (IQSS/dataverse, read at 5.14 and 6.11) whose output it reads, and
 * accepts what either release writes; docs/dataverse.md has the table.
 */

import type { AddFileEntry, DatasetJson, DatasetLockJson, DraftFile } from './dataverse-types.js';

/** Builds the error for an answer that lacks `what`. */
export type Unreadable = (what: string) => Error;

/**
 * What addFiles said of one entry. `accepted` is not a registration: the files
 * are saved only by the command addFiles runs after its loop, so only the draft
 * listing can confirm them.
 */
export type AddFilesClaim = { accepted: true; warning?: string } | { accepted: false; message: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
const isSize = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The dataset fields the client uses, from `Datasets.getDataset`, which prints
 * `JsonPrinter.json(Dataset)` plus `latestVersion`. 5.14 prints no `separator`.
 * @throws the `unreadable` error when id, protocol, authority or identifier is missing.
 */
export function readDataset(data: unknown, unreadable: Unreadable): DatasetJson {
  if (!isObject(data) || !isId(data.id)) throw unreadable('a dataset without a numeric id');
  const protocol = text(data.protocol);
  const authority = text(data.authority);
  const identifier = text(data.identifier);
  if (!protocol || !authority || !identifier) throw unreadable('a dataset without protocol, authority or identifier');
  const separator = typeof data.separator === 'string' ? data.separator : undefined;
  const storageIdentifier = text(data.storageIdentifier);
  return {
    id: data.id,
    protocol,
    authority,
    identifier,
    ...(separator !== undefined ? { separator } : {}),
    ...(storageIdentifier ? { storageIdentifier } : {}),
  };
}

/**
 * The files of a `/versions/{v}/files` answer: `Datasets.getVersionFiles` prints
 * `JsonPrinter.jsonFileMetadatas`, an array of `json(FileMetadata)` (6.x adds a
 * `totalCount` beside `data`, not read). A saved file always has `dataFile.id`.
 * @throws the `unreadable` error for a non-array or a file without id, storage id, name or size.
 */
export function readFileList(data: unknown, unreadable: Unreadable): DraftFile[] {
  if (!Array.isArray(data)) throw unreadable('a file list that is not an array');
  return data.map((item: unknown, index) => {
    const dataFile = isObject(item) ? item.dataFile : undefined;
    if (!isObject(item) || !isObject(dataFile)) throw unreadable(`file ${index} without dataFile`);
    const fileName = text(item.label) ?? text(dataFile.filename);
    const storageIdentifier = text(dataFile.storageIdentifier);
    if (!isId(dataFile.id) || !storageIdentifier || !fileName || !isSize(dataFile.filesize)) {
      throw unreadable(`file ${index} without id, storageIdentifier, label or filesize`);
    }
    const checksum = isObject(dataFile.checksum) ? dataFile.checksum : undefined;
    const md5 = text(dataFile.md5) ?? (checksum?.type === 'MD5' ? text(checksum.value) : undefined);
    const directoryLabel = text(item.directoryLabel);
    // Tabular ingest replaces a deposited CSV, SPSS... file by a `.tab` and keeps
    // the deposit's size as `originalFileSize` (json(DataFile, ...)).
    const size = isSize(dataFile.originalFileSize) ? dataFile.originalFileSize : dataFile.filesize;
    return {
      fileId: dataFile.id,
      storageIdentifier,
      fileName,
      ...(directoryLabel ? { directoryLabel } : {}),
      ...(md5 ? { md5 } : {}),
      size,
    };
  });
}

/**
 * The locks of a `/locks` answer: `Datasets.getLocksForDataset` prints an array
 * of `JsonPrinter.json(DatasetLock)` (lockType, date, user, dataset, message).
 * @throws the `unreadable` error for a non-array or a lock without a type.
 */
export function readLocks(data: unknown, unreadable: Unreadable): DatasetLockJson[] {
  if (!Array.isArray(data)) throw unreadable('a lock list that is not an array');
  return data.map((item: unknown, index) => {
    if (!isObject(item) || !text(item.lockType)) throw unreadable(`lock ${index} without lockType`);
    const dataset = text(item.dataset);
    const message = text(item.message);
    return {
      lockType: item.lockType as string,
      date: typeof item.date === 'string' ? item.date : '',
      user: typeof item.user === 'string' ? item.user : '',
      ...(dataset ? { dataset } : {}),
      ...(message ? { message } : {}),
    };
  });
}

/**
 * What addFiles said of each entry sent, in order, from `data.Files` as
 * `AddReplaceFileHelper.addFiles` writes it: one element per entry, in order,
 * `{storageIdentifier, successMessage | warningMessage, fileDetails}` for an
 * entry accepted into the version being saved, `{storageIdentifier?,
 * errorMessage: "<HTTP reason>:<messages>", fileDetails}` or `{errorCode,
 * message, fileDetails}` for one refused. An element is matched by
 * storageIdentifier first, by position when the counts agree; an entry with no
 * element is refused. The fileDetails (a FileMetadata whose dataFile has no id
 * yet) are not read: the draft listing says what was registered.
 * @throws the `unreadable` error when `data.Files` is not an array.
 */
export function readAddFilesAnswer(data: unknown, sent: readonly AddFileEntry[], unreadable: Unreadable): AddFilesClaim[] {
  const files = isObject(data) ? data.Files : undefined;
  if (!Array.isArray(files)) throw unreadable('an addFiles answer without data.Files');
  const bySid = new Map<string, Json[]>();
  for (const file of files) {
    const sid = isObject(file) ? text(file.storageIdentifier) : undefined;
    if (isObject(file) && sid) bySid.set(sid, [...(bySid.get(sid) ?? []), file]);
  }
  const used = new Set<unknown>();
  return sent.map((entry, index) => {
    const positional: unknown = files.length === sent.length ? files[index] : undefined;
    const candidate = bySid.get(entry.storageIdentifier)?.find((file) => !used.has(file)) ?? positional;
    const file = isObject(candidate) && !used.has(candidate) ? candidate : undefined;
    if (!file) return { accepted: false, message: "Dataverse's answer does not mention this file" };
    used.add(file);
    return readAddFilesElement(file);
  });
}

function readAddFilesElement(file: Json): AddFilesClaim {
  const errorMessage = text(file.errorMessage) ?? (file.errorCode !== undefined ? text(file.message) ?? `error ${String(file.errorCode)}` : undefined);
  if (errorMessage !== undefined) return { accepted: false, message: errorMessage };
  if (text(file.successMessage) === undefined && text(file.warningMessage) === undefined) {
    return { accepted: false, message: 'Dataverse answered for this file with neither a success nor an error' };
  }
  const warning = text(file.warningMessage);
  return warning ? { accepted: true, warning } : { accepted: true };
}
