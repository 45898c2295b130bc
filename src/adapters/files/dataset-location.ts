/**
 * Where a dataset's files live in the Dataverse file store:
 * `FILES/<authority>/<identifier>/<storageIdentifier>`.
 *
 * The folder comes preferably from the dataset's own `storageIdentifier`
 * (`file://10.5072/FK2/ABC123`), because a dataset may be stored under a PID
 * other than the one a user types (a migrated or re-registered dataset).
 * Without a Dataverse to ask, it is derived from the PID itself.
 */
import { HoldfastError } from '../../errors.js';
import { relativePathProblem, resolveUnder } from './safe-path.js';
import { isStorageIdentifier } from './storage-identifier.js';

/** A dataset's folder inside the file store, relative to its root. */
export interface DatasetFolder {
  /** The PID's authority: `10.5072` for a DOI, `1902.1` for a handle. */
  authority: string;
  /** Everything after the authority's slash, slashes kept: `FK2/ABC123`. */
  identifier: string;
}

/** A persistent identifier split into its parts. */
export interface ParsedPid extends DatasetFolder {
  protocol: 'doi' | 'hdl';
  /** The PID as Dataverse's API expects it: `doi:10.5072/FK2/ABC123`. */
  pid: string;
}

const PID_FORM = 'expected doi:10.NNNN/SUFFIX or hdl:PREFIX/SUFFIX, e.g. doi:10.5072/FK2/ABC123';
// DOI prefixes are `10.` and a registrant code, which may itself have
// dot-separated parts (`10.1000.10`); handle prefixes are dotted naming
// authorities (`1902.1`, `20.500.12345`).
const DOI_AUTHORITY = /^10(\.[0-9]+)+$/;
const HANDLE_AUTHORITY = /^[0-9A-Za-z]+([.\-_][0-9A-Za-z]+)*$/;
// Whitespace and control characters are legal in DOI suffixes on paper but
// never produced by Dataverse, and as folder names they only cause grief.
const UNSAFE_CHARACTER = /[\s\p{Cc}]/u;

/**
 * Parses a dataset PID of the forms Dataverse accepts as `persistentId`.
 *
 * @throws HoldfastError `INVALID_PID` naming what is wrong and the expected form.
 * @example parsePid('doi:10.5072/FK2/ABC123') // { protocol: 'doi', authority: '10.5072', identifier: 'FK2/ABC123', pid: ... }
 */
export function parsePid(pid: string): ParsedPid {
  const colon = pid.indexOf(':');
  const protocol = colon === -1 ? '' : pid.slice(0, colon);
  if (protocol !== 'doi' && protocol !== 'hdl') {
    throw invalidPid(pid, colon === -1 ? 'no protocol' : `unknown protocol "${protocol}"`);
  }
  const { authority, identifier } = splitFolder(pid, pid.slice(colon + 1), invalidPid);
  const authorityForm = protocol === 'doi' ? DOI_AUTHORITY : HANDLE_AUTHORITY;
  if (!authorityForm.test(authority)) {
    throw invalidPid(pid, `"${authority}" is not a ${protocol === 'doi' ? 'DOI prefix' : 'handle prefix'}`);
  }
  return { protocol, authority, identifier, pid };
}

/** True when `pid` parses with `parsePid`. */
export function isPid(pid: string): boolean {
  try {
    parsePid(pid);
    return true;
  } catch (error) {
    if (error instanceof HoldfastError && error.code === 'INVALID_PID') return false;
    throw error;
  }
}

/**
 * The dataset folder derived from its PID, for runs without a Dataverse to ask.
 *
 * @throws HoldfastError `INVALID_PID` when the PID is malformed.
 * @example datasetFolderFromPid('doi:10.5072/FK2/ABC123') // { authority: '10.5072', identifier: 'FK2/ABC123' }
 */
export function datasetFolderFromPid(pid: string): DatasetFolder {
  const { authority, identifier } = parsePid(pid);
  return { authority, identifier };
}

/**
 * The dataset folder from the dataset's `storageIdentifier` as Dataverse
 * reports it (`GET /api/datasets/:persistentId`). Only the `file://` driver is
 * a folder holdfast can write into; S3 and other stores are refused.
 *
 * @throws HoldfastError `INVALID_PID` for another driver or a malformed location.
 * @example datasetFolderFromStorageIdentifier('file://10.5072/FK2/ABC123') // { authority: '10.5072', identifier: 'FK2/ABC123' }
 */
export function datasetFolderFromStorageIdentifier(storageIdentifier: string): DatasetFolder {
  const prefix = 'file://';
  if (!storageIdentifier.startsWith(prefix)) {
    throw invalidLocation(storageIdentifier, 'it is not in a file store');
  }
  return splitFolder(storageIdentifier, storageIdentifier.slice(prefix.length), invalidLocation);
}

/**
 * The absolute path of one file in the store:
 * `<filesDir>/<authority>/<identifier>/<storageIdentifier>`.
 *
 * @throws HoldfastError `INVALID_INPUT` when `storageIdentifier` is not in
 *   Dataverse's form; `PATH_OUTSIDE_ROOT` when the folder would leave `filesDir`.
 */
export function targetPathFor(filesDir: string, folder: DatasetFolder, storageIdentifier: string): string {
  if (!isStorageIdentifier(storageIdentifier)) {
    throw new HoldfastError('INVALID_INPUT', `not a storage identifier: ${JSON.stringify(storageIdentifier)}`, {
      details: { storageIdentifier },
    });
  }
  return resolveUnder(filesDir, `${folder.authority}/${folder.identifier}/${storageIdentifier}`);
}

/** Splits `AUTHORITY/IDENTIFIER`, refusing anything that is not a safe folder. */
function splitFolder(
  original: string,
  location: string,
  invalid: (original: string, problem: string) => HoldfastError,
): DatasetFolder {
  const slash = location.indexOf('/');
  if (slash <= 0) throw invalid(original, 'no "/" between authority and identifier');
  const authority = location.slice(0, slash);
  const identifier = location.slice(slash + 1);
  if (identifier === '') throw invalid(original, 'the identifier after the "/" is empty');
  if (UNSAFE_CHARACTER.test(location)) throw invalid(original, 'it contains whitespace or control characters');
  const problem = relativePathProblem(location);
  if (problem !== undefined) throw invalid(original, `it cannot be a folder: ${problem}`);
  return { authority, identifier };
}

function invalidPid(pid: string, problem: string): HoldfastError {
  return new HoldfastError('INVALID_PID', `malformed dataset PID ${JSON.stringify(pid)}: ${problem}; ${PID_FORM}`, {
    details: { pid },
  });
}

function invalidLocation(storageIdentifier: string, problem: string): HoldfastError {
  return new HoldfastError(
    'INVALID_PID',
    `malformed dataset storage location ${JSON.stringify(storageIdentifier)}: ${problem}; ` +
      'expected file://AUTHORITY/IDENTIFIER, e.g. file://10.5072/FK2/ABC123',
    { details: { storageIdentifier } },
  );
}
