/**
 * The MIME type sent to Dataverse for each file: what its bytes say, then
 * what its extension says, then `application/octet-stream`.
 *
 * Content first, because names lie (a PNG saved as `.dat`, a ZIP renamed
 * `.bin`); extension second, because text formats (CSV, JSON, plain text)
 * have no magic number and only their name tells them apart.
 */
import { fileTypeFromFile } from 'file-type';
import { lookup } from 'mime-types';

import { toSourceError } from './copy-verify.js';

/** The type of a file that neither its bytes nor its name identify. */
export const FALLBACK_MIME_TYPE = 'application/octet-stream';

// Containers that many formats share: sniffing sees "a ZIP" in an .xlsx saved
// by an old tool, a KMZ or a shapefile bundle, "a CFB" in any legacy Office
// file, "XML" in KML or GPX. When the extension names something more specific
// (an `application/` type: a `.txt` name on ZIP bytes is a mistake, not a
// refinement), it is the better answer.
const GENERIC_CONTAINERS = new Set(['application/zip', 'application/x-cfb', 'application/xml']);

/**
 * Detects the MIME type of the file at `path`, named `fileName` by its owner.
 * Reads at most the first few kilobytes (file-type's sample), never the whole
 * file. An empty file is typed by its extension.
 *
 * @throws NonRetryableError `SOURCE_MISSING` when the file vanished,
 *   `SOURCE_UNREADABLE` when it cannot be read.
 * @example await detectMimeType('/data/a.csv', 'a.csv') // 'text/csv'
 */
export async function detectMimeType(path: string, fileName: string): Promise<string> {
  const sniffed = await fileTypeFromFile(path).catch((error: unknown) => {
    throw toSourceError(error, path);
  });
  const byName = mimeTypeFromName(fileName);
  if (sniffed === undefined) return byName ?? FALLBACK_MIME_TYPE;
  if (
    byName !== undefined &&
    GENERIC_CONTAINERS.has(sniffed.mime) &&
    byName.startsWith('application/') &&
    !GENERIC_CONTAINERS.has(byName)
  ) {
    return byName;
  }
  return sniffed.mime;
}

/**
 * The MIME type a file name's extension implies (case-insensitive), or
 * `undefined` when the extension is unknown or absent.
 *
 * @example mimeTypeFromName('Table.CSV') // 'text/csv'
 */
export function mimeTypeFromName(fileName: string): string | undefined {
  // A bare dot file (`.env`) has no extension; mime-types would read `env` as one.
  if (fileName.startsWith('.') && !fileName.slice(1).includes('.')) return undefined;
  const type = lookup(fileName);
  return type === false ? undefined : type;
}
