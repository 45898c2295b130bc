/**
 * The stand-in's checks of the `jsonData` it receives, stricter than Dataverse on
 * purpose. Dataverse refuses unparseable JSON, a non-array and an unknown checksum
 * type with a 400 for the whole call, but reports a missing storageIdentifier or
 * fileName inside a 200, per entry; the stand-in refuses all of these with a 400,
 * so that a malformed request from holdfast fails its tests loudly instead of
 * passing as "one file refused".
 */

import { CHECKSUM_TYPES } from './dataverse-types.js';
import type { ChecksumType, FileMetadataUpdate } from './dataverse-types.js';

/** An addFiles entry after the stand-in's checks; mimeType may still be missing (a per-entry failure). */
export interface CheckedAddFileEntry {
  storageIdentifier: string;
  fileName: string;
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
const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
const isTextList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

// Dataverse's own wording for unparseable jsonData (AddReplaceFileHelper.addFiles).
function parseJson(text: string): Checked<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `Json Parsing Exception :${error instanceof Error ? error.message : String(error)}` };
  }
}

// Optional fields: absent, or of the right type. Dataverse accepts "restrict" and
// "tabIngest" as booleans or as the strings "true"/"false".
function optionalProblems(entry: Json): string[] {
  const problems: string[] = [];
  for (const name of ['mimeType', 'directoryLabel', 'description'] as const) {
    if (entry[name] !== undefined && typeof entry[name] !== 'string') problems.push(`${name} must be a string`);
  }
  if (entry.categories !== undefined && !isTextList(entry.categories)) problems.push('categories must be an array of strings');
  for (const name of ['restrict', 'tabIngest'] as const) {
    const value = entry[name];
    if (value !== undefined && typeof value !== 'boolean' && value !== 'true' && value !== 'false') {
      problems.push(`${name} must be true or false`);
    }
  }
  return problems;
}

function checkEntry(entry: unknown, index: number): Checked<CheckedAddFileEntry> {
  if (!isObject(entry)) return { ok: false, message: `jsonData[${index}] is not an object` };
  const problems = optionalProblems(entry);
  if (!isText(entry.storageIdentifier)) problems.push('storageIdentifier is missing');
  if (!isText(entry.fileName)) problems.push('fileName is missing');
  const checksum = entry.checksum;
  if (!isObject(checksum)) {
    problems.push('checksum is missing');
  } else {
    const type = checksum['@type'];
    if (!(CHECKSUM_TYPES as readonly unknown[]).includes(type)) {
      problems.push(`checksum @type ${JSON.stringify(type)} is not one of ${CHECKSUM_TYPES.join(', ')}`);
    }
    if (!isText(checksum['@value'])) problems.push('checksum @value is missing');
  }
  if (problems.length > 0 || !isObject(checksum)) {
    return { ok: false, message: `jsonData[${index}]: ${problems.join('; ')}` };
  }
  const pick = <K extends 'mimeType' | 'directoryLabel' | 'description'>(name: K): { [P in K]?: string } =>
    typeof entry[name] === 'string' && entry[name] !== '' ? ({ [name]: entry[name] } as { [P in K]?: string }) : {};
  return {
    ok: true,
    value: {
      storageIdentifier: entry.storageIdentifier as string,
      fileName: entry.fileName as string,
      ...pick('mimeType'),
      ...pick('directoryLabel'),
      ...pick('description'),
      ...(isTextList(entry.categories) ? { categories: [...entry.categories] } : {}),
      checksum: { type: checksum['@type'] as ChecksumType, value: checksum['@value'] as string },
    },
  };
}

/** Checks addFiles' `jsonData`: a JSON array of entries, each with storageIdentifier, fileName and a checksum. */
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

/** Checks the metadata API's `jsonData`: an object whose known fields have the right types. */
export function checkMetadataJson(text: string): Checked<FileMetadataUpdate> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isObject(value)) return { ok: false, message: 'jsonData must be a JSON object' };
  const problems = optionalProblems(value);
  if (value.label !== undefined && !isText(value.label)) problems.push('label must be a non-empty string');
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  const update: FileMetadataUpdate = {};
  if (typeof value.description === 'string') update.description = value.description;
  if (isTextList(value.categories)) update.categories = [...value.categories];
  if (typeof value.directoryLabel === 'string') update.directoryLabel = value.directoryLabel;
  if (typeof value.label === 'string') update.label = value.label;
  return { ok: true, value: update };
}
