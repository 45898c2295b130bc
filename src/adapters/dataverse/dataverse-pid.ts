/**
 * Persistent identifiers and where Dataverse's file store keeps a dataset's files.
 *
 * A DOI `doi:10.5072/FK2/ABC123` has protocol `doi`, authority `10.5072` and
 * identifier `FK2/ABC123`; Dataverse's file store (the `file` driver) keeps the
 * dataset's files in `<files-dir>/<authority>/<identifier>/`, and the dataset's
 * own `storageIdentifier` reads `file://10.5072/FK2/ABC123`. A dataset may store
 * under another PID than the one it is known by, so callers ask the dataset for
 * its storageIdentifier when a Dataverse is at hand and derive it only without one.
 */

import { NonRetryableError } from '../../errors.js';

/** The parts of a persistent identifier, as Dataverse splits them. */
export interface PersistentIdParts {
  /** `doi`, `hdl` or `perma`. */
  protocol: string;
  /** `10.5072` for a DOI, `1902.1` for a Handle. */
  authority: string;
  /** Everything after the first `/`: `FK2/ABC123`. */
  identifier: string;
}

// Dataverse's own protocols; anything else is a typo far more often than a new scheme.
const PROTOCOLS = new Set(['doi', 'hdl', 'perma']);

// A path segment that could climb out of the file store, or hide a file.
function isUnsafeSegment(segment: string): boolean {
  return segment === '' || segment === '.' || segment === '..' || segment.includes('\\') || segment.includes('\0');
}

/**
 * Splits `doi:10.5072/FK2/ABC123` into protocol, authority and identifier.
 * @throws NonRetryableError `INVALID_PID` when the PID is not `protocol:authority/identifier`
 *   or would lead out of the file store (`..`, empty segments).
 * @example parsePersistentId('doi:10.5072/FK2/ABC123') // { protocol: 'doi', authority: '10.5072', identifier: 'FK2/ABC123' }
 */
export function parsePersistentId(pid: string): PersistentIdParts {
  const match = /^([a-z]+):([^/]+)\/(.+)$/i.exec(pid.trim());
  const invalid = (why: string): NonRetryableError =>
    new NonRetryableError(`malformed persistent identifier ${JSON.stringify(pid)}: ${why}`, {
      code: 'INVALID_PID',
      details: { pid },
    });
  if (!match) throw invalid('expected protocol:authority/identifier, e.g. doi:10.5072/FK2/ABC123');
  const [, rawProtocol = '', authority = '', identifier = ''] = match;
  const protocol = rawProtocol.toLowerCase();
  if (!PROTOCOLS.has(protocol)) throw invalid(`unknown protocol ${protocol} (doi, hdl or perma)`);
  if ([authority, ...identifier.split('/')].some(isUnsafeSegment)) {
    throw invalid('a segment is empty, "." or "..", or holds a backslash');
  }
  return { protocol, authority, identifier };
}

/**
 * The storageIdentifier Dataverse gives a dataset in the `file` store by default:
 * `file://<authority>/<identifier>`.
 * @throws NonRetryableError `INVALID_PID` for a malformed PID.
 */
export function defaultDatasetStorageIdentifier(pid: string): string {
  const { authority, identifier } = parsePersistentId(pid);
  return `file://${authority}/${identifier}`;
}

/**
 * The dataset's folder inside the file store, relative to it, from the dataset's
 * storageIdentifier: `file://10.5072/FK2/ABC123` gives `10.5072/FK2/ABC123`.
 * A `driver://bucket:path` form (S3 stores) keeps only the path.
 * @throws NonRetryableError `INVALID_PID` when the identifier has no `driver://` prefix
 *   or its path would leave the file store.
 */
export function datasetStorageFolder(datasetStorageIdentifier: string): string {
  const match = /^[a-z0-9_-]+:\/\/(.+)$/i.exec(datasetStorageIdentifier);
  const rest = match?.[1] ?? '';
  const colon = rest.indexOf(':');
  const folder = colon >= 0 && colon < rest.indexOf('/') ? rest.slice(colon + 1) : rest;
  if (!match || folder.split('/').some(isUnsafeSegment)) {
    throw new NonRetryableError(
      `dataset storage identifier ${JSON.stringify(datasetStorageIdentifier)} is not driver://authority/identifier`,
      { code: 'INVALID_PID', details: { storageIdentifier: datasetStorageIdentifier } },
    );
  }
  return folder;
}

/**
 * The bare id of a file's storageIdentifier (`file://18f2c1a9b3e-0a1b2c3d4e5f` gives
 * `18f2c1a9b3e-0a1b2c3d4e5f`), or null when it is no `driver://id` or could name a
 * path (a `/`, `\\`, `..`): such an id must never reach the file system.
 */
export function fileStorageId(storageIdentifier: string): string | null {
  const match = /^[a-z0-9_-]+:\/\/(?:[^/:]+:)?([^/\\:]+)$/i.exec(storageIdentifier);
  const id = match?.[1];
  if (id === undefined || id === '.' || id === '..' || id.includes('\0')) return null;
  return id;
}
