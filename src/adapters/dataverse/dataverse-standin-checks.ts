/**
 * The stand-in's reading of the `jsonData` it receives, as Dataverse reads it
 * (`AddReplaceFileHelper.addFiles`, `OptionalFileParams.loadParamsFromJson`,
 * `Files.updateFileMetadata`, read at 5.14 and 6.11). What Dataverse refuses for
 * the whole call (unparseable JSON, a non-array, a field of the wrong JSON type,
 * an unknown checksum type, no checksum) is a 400 here too; what it refuses per
 * entry inside a 200 (no storage identifier it accepts, no file name, no MIME
 * type) is left to the entry's answer.
 */

import { CHECKSUM_TYPES } from './dataverse-types.js';
import type { ChecksumType, FileMetadataUpdate } from './dataverse-types.js';

/** An addFiles entry as OptionalFileParams reads it; what is missing is refused per entry. */
export interface CheckedAddFileEntry {
  /** The entry exactly as sent: addFiles echoes it as a refusal's `fileDetails`. */
  sent: Record<string, unknown>;
  /** Null when absent or not one `DataAccess.isValidDirectStorageIdentifier` accepts. */
  storageIdentifier: string | null;
  fileName?: string;
  mimeType?: string;
  directoryLabel?: string;
  description?: string;
  categories?: string[];
  checksum: { type: ChecksumType; value: string };
}

/** A check's outcome: the value, or the message of a 400. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTextList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
const present = (value: unknown): boolean => value !== undefined && value !== null;

// FileAccessIO.isValidIdentifier: after the last "//", a normalised name of
// StorageIO.usesStandardNamePattern, `^[a-f,0-9]{11}-[a-f,0-9]{12}$`; the driver
// (before "://") must be a configured store, here the one `file` store.
const FILE_STORAGE_ID = /^file:\/\/[a-f,0-9]{11}-[a-f,0-9]{12}$/;

function parseJson(text: string): Checked<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `Json Parsing Exception :${error instanceof Error ? error.message : String(error)}` };
  }
}

// Gson's getAsString throws on an array or object: Dataverse's outer catch then
// answers 400 for the whole call. "restrict" and "tabIngest" are read as strings.
function typeProblems(entry: Json): string[] {
  const problems: string[] = [];
  for (const name of ['storageIdentifier', 'fileName', 'mimeType', 'directoryLabel', 'description', 'label', 'restrict', 'tabIngest'] as const) {
    const value = entry[name];
    if (present(value) && typeof value === 'object') problems.push(`${name} must be a JSON string`);
  }
  if (present(entry.categories) && !isTextList(entry.categories)) problems.push('categories must be an array of strings');
  return problems;
}

function readChecksum(entry: Json): Checked<{ type: ChecksumType; value: string }> {
  // OptionalFileParams reads a legacy "md5Hash" first, then checksum {@type, @value}.
  if (typeof entry.md5Hash === 'string') return { ok: true, value: { type: 'MD5', value: entry.md5Hash.toLowerCase() } };
  const checksum = entry.checksum;
  // No checksum: AddReplaceFileHelper.setNewlyAddedFiles calls getChecksumValue().equals
  // on null, and the NullPointerException ends the call with 400.
  if (!isObject(checksum)) return { ok: false, message: 'Cannot invoke "String.equals(Object)" because the return value of "getChecksumValue()" is null' };
  const type = checksum['@type'];
  if (!(CHECKSUM_TYPES as readonly unknown[]).includes(type)) {
    // DataFile.ChecksumType.fromString's IllegalArgumentException.
    return { ok: false, message: `ChecksumType must be one of ${JSON.stringify(CHECKSUM_TYPES)}, got ${JSON.stringify(type)}` };
  }
  const value = checksum['@value'];
  if (typeof value !== 'string') return { ok: false, message: 'checksum @value is missing' };
  return { ok: true, value: { type: type as ChecksumType, value: value.toLowerCase() } };
}

function checkEntry(entry: unknown, index: number): Checked<CheckedAddFileEntry> {
  if (!isObject(entry)) return { ok: false, message: `jsonData[${index}] is not a JSON object` };
  const problems = typeProblems(entry);
  if (problems.length > 0) return { ok: false, message: `jsonData[${index}]: ${problems.join('; ')}` };
  const checksum = readChecksum(entry);
  if (!checksum.ok) return checksum;
  const text = (name: string): string | undefined => (present(entry[name]) ? String(entry[name]) : undefined);
  const sid = text('storageIdentifier');
  const fileName = text('fileName');
  const mimeType = text('mimeType');
  const directoryLabel = text('directoryLabel');
  const description = text('description');
  return {
    ok: true,
    value: {
      sent: entry,
      storageIdentifier: sid !== undefined && FILE_STORAGE_ID.test(sid) ? sid : null,
      ...(fileName !== undefined ? { fileName } : {}),
      ...(mimeType !== undefined ? { mimeType } : {}),
      ...(directoryLabel !== undefined ? { directoryLabel } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(isTextList(entry.categories) ? { categories: [...entry.categories] } : {}),
      checksum: checksum.value,
    },
  };
}

/** Reads addFiles' `jsonData`: a JSON array of objects. A failure is the 400 of the whole call. */
export function checkAddFilesJson(text: string): Checked<CheckedAddFileEntry[]> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value)) return { ok: false, message: 'jsonData must be a JSON array of file entries' };
  const entries: CheckedAddFileEntry[] = [];
  for (const [index, entry] of parsed.value.entries()) {
    const checked = checkEntry(entry, index);
    if (!checked.ok) return checked;
    entries.push(checked.value);
  }
  return { ok: true, value: entries };
}

/**
 * Reads the metadata API's `jsonData`, a JSON object; Files.updateFileMetadata
 * answers a parse failure with 400 "Error in parsing provided json"
 * (file.addreplace.error.parsing).
 */
export function checkMetadataJson(text: string): Checked<FileMetadataUpdate> {
  const parsed = parseJson(text);
  const value = parsed.ok ? parsed.value : undefined;
  if (!isObject(value) || typeProblems(value).length > 0) return { ok: false, message: 'Error in parsing provided json' };
  const update: FileMetadataUpdate = {};
  if (present(value.description)) update.description = String(value.description);
  if (isTextList(value.categories)) update.categories = [...value.categories];
  if (present(value.directoryLabel)) update.directoryLabel = String(value.directoryLabel);
  if (present(value.label)) update.label = String(value.label);
  return { ok: true, value: update };
}
