/**
 * The Dataverse native API calls of a data load: find the dataset, list its draft,
 * watch its locks, register files placed in its storage (addFiles), update their
 * metadata. Retries, timeouts and error typing live in {@link DataverseHttp}.
 *
 * addFiles is the one call that is not idempotent: Dataverse registers a file a
 * second time if asked twice. Before any retry it therefore lists the draft and
 * sends again only the entries that are not there yet (DESIGN.md, contract 2).
 */

import { HoldfastError, NonRetryableError } from '../../errors.js';
import type { ErrorDetails } from '../../errors.js';
import { defaultDatasetStorageIdentifier, fileStorageId } from './dataverse-pid.js';
import { DataverseHttp } from './dataverse-http.js';
import type { DataverseHttpOptions, DataverseRequest } from './dataverse-http.js';
import type {
  AddFileEntry,
  AddFileResult,
  DatasetInfo,
  DatasetLockJson,
  DraftFile,
  FileMetadataUpdate,
} from './dataverse-types.js';
import { readAddFilesAnswer, readDataset, readFileList, readLocks } from './dataverse-readers.js';
import type { AddFilesClaim } from './dataverse-readers.js';

/** Options of {@link DataverseClient}; see {@link DataverseHttpOptions} for each. */
export type DataverseClientOptions = DataverseHttpOptions;

export type { AddFileResult, DatasetInfo, DraftFile } from './dataverse-types.js';

/** Options of {@link DataverseClient.waitUntilUnlocked}. */
export interface WaitUntilUnlockedOptions {
  /** Give up after this long. @default 600000 (ten minutes, the CLI's `--lock-wait`) */
  maxWaitMs?: number;
  /** Time between two looks at the locks. @default 2000 */
  pollMs?: number;
  signal?: AbortSignal;
}

const datasetPath = (tail: string): string => `/api/datasets/:persistentId${tail}`;
/** Files per page when the draft is read to confirm a registration: a 100-file chunk is found in one. */
const CONFIRM_PAGE = 500;

// A 404 for `:draft` means "no draft yet", not "no dataset"; this marks it for listDraftFiles.
class NoDraft extends Error {}

/**
 * A client for one Dataverse installation and one API token.
 * @example
 * const client = new DataverseClient({ baseUrl: 'https://demo.dataverse.org', token });
 * const dataset = await client.getDataset('doi:10.5072/FK2/ABC123', signal);
 */
export class DataverseClient {
  readonly #http: DataverseHttp;

  /** @throws HoldfastError `INVALID_OPTIONS` for a bad baseUrl, empty token or negative counts. */
  constructor(options: DataverseClientOptions) {
    this.#http = new DataverseHttp(options);
  }

  /** The installation's address, without credentials: safe to print and store. */
  get baseUrl(): string {
    return this.#http.displayUrl;
  }

  /**
   * The dataset's id and storage identifier (`GET /api/datasets/:persistentId/`,
   * `Datasets.getDataset`; an unknown PID is a 404 at 5.14 and 6.11).
   * Before Dataverse 5.x the answer has no storageIdentifier; the default
   * `file://<authority>/<identifier>` stands in for it then.
   * @throws NonRetryableError `DATAVERSE_NOT_FOUND`, `DATAVERSE_AUTH`; HoldfastError `DATAVERSE_UNAVAILABLE`.
   */
  async getDataset(pid: string, signal?: AbortSignal): Promise<DatasetInfo> {
    const data = await this.#http.request(this.#datasetRequest('GET', pid, '/'), signal);
    const dataset = readDataset(data, this.#unreadable('GET dataset'));
    const persistentId = `${dataset.protocol}:${dataset.authority}${dataset.separator ?? '/'}${dataset.identifier}`;
    return {
      id: dataset.id,
      persistentId,
      storageIdentifier: dataset.storageIdentifier ?? defaultDatasetStorageIdentifier(persistentId),
    };
  }

  /**
   * The files of the dataset's draft (`GET .../versions/:draft/files`,
   * `Datasets.getVersionFiles`). A dataset with no draft (just published)
   * makes Dataverse answer 404 for `:draft` (`getDatasetVersionOrDie`: the
   * unsaved version `GetDraftDatasetVersionCommand` makes has no id); the files
   * of `:latest` are returned then, since a file registered before a
   * publication is in the dataset all the same and must not be sent again.
   * Lists every file: Dataverse 6.1+ pages only when `limit` is given.
   * @throws NonRetryableError `DATAVERSE_NOT_FOUND` when the dataset itself is missing.
   */
  async listDraftFiles(pid: string, signal?: AbortSignal): Promise<DraftFile[]> {
    const version = async (name: string, notFound: DataverseRequest['notFound']): Promise<DraftFile[]> => {
      const request = { ...this.#datasetRequest('GET', pid, `/versions/${name}/files`), notFound };
      return readFileList(await this.#http.request(request, signal), this.#unreadable(`GET ${name} files`));
    };
    try {
      return await version(':draft', () => new NoDraft());
    } catch (error) {
      if (!(error instanceof NoDraft)) throw error;
      return version(':latest', this.#datasetRequest('GET', pid, '').notFound);
    }
  }

  /**
   * The files of one named version (`GET .../versions/{version}/files`,
   * `Datasets.getVersionFiles`). Dataverse
   * answers 404 for `:draft` when there is no draft and for `:latest-published`
   * before a first publication: that version holds no file, so the list is empty.
   * `:latest` always exists, so its 404 means the dataset is missing.
   * @throws NonRetryableError `DATAVERSE_NOT_FOUND` (no dataset), `DATAVERSE_AUTH`; HoldfastError `DATAVERSE_UNAVAILABLE`.
   */
  async listVersionFiles(pid: string, version: ':draft' | ':latest' | ':latest-published', signal?: AbortSignal): Promise<DraftFile[]> {
    const dataset = this.#datasetRequest('GET', pid, `/versions/${version}/files`);
    const notFound = version === ':latest' ? dataset.notFound : () => new NoDraft();
    try {
      return readFileList(await this.#http.request({ ...dataset, notFound }, signal), this.#unreadable(`GET ${version} files`));
    } catch (error) {
      if (error instanceof NoDraft) return [];
      throw error;
    }
  }

  /**
   * The draft's files among `wanted` (storage keys), by key. Files just added
   * are the newest, so the draft is read newest first
   * (`?orderCriteria=Newest&limit=&offset=`, Dataverse 6.1+), a page at a
   * time, until every wanted file is found or the list ends: confirming a
   * chunk reads about one page, not the whole dataset, which a watch's
   * hundredth batch would otherwise list ten times over. A release that
   * ignores the paging (5.14) answers the whole list at once, which is read
   * the same way. A dataset with no draft reads `:latest` (listDraftFiles).
   * The reading stops once every `required` file is found (those addFiles
   * accepted, or whose answer was lost): a refused one is not looked for to
   * the end of the list, but is noted if met on the way.
   */
  async #findInDraft(pid: string, wanted: ReadonlySet<string>, required: ReadonlySet<string>, signal?: AbortSignal): Promise<Map<string, DraftFile>> {
    const found = new Map<string, DraftFile>();
    const seen = new Set<number>();
    const missing = new Set(required);
    let name = ':draft';
    for (let offset = 0; missing.size > 0; ) {
      const dataset = this.#datasetRequest('GET', pid, `/versions/${name}/files`);
      const query = { ...dataset.query, orderCriteria: 'Newest', limit: String(CONFIRM_PAGE), offset: String(offset) };
      const notFound = name === ':draft' ? () => new NoDraft() : dataset.notFound;
      let page: DraftFile[];
      try {
        page = readFileList(await this.#http.request({ ...dataset, query, notFound }, signal), this.#unreadable(`GET ${name} files`));
      } catch (error) {
        if (!(error instanceof NoDraft)) throw error;
        name = ':latest'; // no draft (published meanwhile, or nothing saved): the latest version holds what was
        offset = 0;
        seen.clear();
        continue;
      }
      let unseen = 0;
      for (const file of page) {
        if (seen.has(file.fileId)) continue;
        seen.add(file.fileId);
        unseen++;
        const key = storageKey(file.storageIdentifier);
        if (wanted.has(key)) found.set(key, file);
        missing.delete(key);
      }
      // A short page ends the list; a longer one, or one of files already read, is a release that does not page.
      if (page.length !== CONFIRM_PAGE || unseen === 0) break;
      offset += page.length;
    }
    return found;
  }

  /** The dataset's locks (`GET .../locks`, `Datasets.getLocksForDataset`); empty when it is free. */
  async getLocks(pid: string, signal?: AbortSignal): Promise<DatasetLockJson[]> {
    const data = await this.#http.request(this.#datasetRequest('GET', pid, '/locks'), signal);
    return readLocks(data, this.#unreadable('GET locks'));
  }

  /**
   * Resolves once the dataset has no lock, looking every `pollMs`.
   * @throws HoldfastError `DATAVERSE_LOCKED` (retryable: `holdfast resume` waits again)
   *   when it is still locked after `maxWaitMs`.
   */
  async waitUntilUnlocked(pid: string, options: WaitUntilUnlockedOptions = {}): Promise<void> {
    const { maxWaitMs = 600_000, pollMs = 2_000, signal } = options;
    const started = this.#http.now();
    for (;;) {
      const locks = await this.getLocks(pid, signal);
      if (locks.length === 0) return;
      const waited = this.#http.now() - started;
      if (waited >= maxWaitMs) {
        const types = locks.map((lock) => lock.lockType);
        throw new HoldfastError(
          'DATAVERSE_LOCKED',
          `dataset ${pid} is still locked (${types.join(', ')}) at Dataverse ${this.baseUrl} after ${waited} ms; run \`holdfast resume\` to wait again`,
          { details: { pid, url: this.baseUrl, locks: types, waitedMs: waited } },
        );
      }
      await this.#http.sleep(Math.min(pollMs, maxWaitMs - waited), signal);
    }
  }

  /**
   * Registers files already placed in the dataset's storage
   * (`POST .../addFiles`, multipart `jsonData`), then confirms each from the
   * draft listing, matched by storage identifier, which also gives its id and
   * size. addFiles' own per-file success is not a registration: it prints the
   * files before the UpdateDatasetVersionCommand that saves them (and gives them
   * ids) has run, and if that command fails nothing is saved
   * (`AddReplaceFileHelper.addFiles`). Dataverse answers 200 even when some
   * entries fail; each result says which. Retries list the draft first and
   * resend only what is missing, so no file is registered twice. The first
   * attempt does not list: callers skip what {@link listDraftFiles} already shows.
   * @throws HoldfastError `DATAVERSE_LOCKED`, `DATAVERSE_UNAVAILABLE`; NonRetryableError
   *   `DATAVERSE_AUTH`, `DATAVERSE_NOT_FOUND`, `DATAVERSE_REJECTED` (a malformed request).
   */
  async addFiles(pid: string, entries: readonly AddFileEntry[], signal?: AbortSignal): Promise<AddFileResult[]> {
    const results: Array<AddFileResult | undefined> = entries.map(() => undefined);
    const claims = new Map<number, AddFilesClaim>();
    let pending = entries.map((_, index) => index);
    // Every entry the draft lists is registered, whatever addFiles said of it.
    const confirm = async (): Promise<void> => {
      const keyOf = (index: number) => storageKey((entries[index] as AddFileEntry).storageIdentifier);
      const required = pending.filter((index) => claims.get(index)?.accepted !== false);
      const present = await this.#findInDraft(pid, new Set(pending.map(keyOf)), new Set(required.map(keyOf)), signal);
      pending = pending.filter((index) => {
        const entry = entries[index] as AddFileEntry;
        const file = present.get(storageKey(entry.storageIdentifier));
        if (!file) return true;
        const claim = claims.get(index);
        const warning = claim?.accepted ? claim.warning : undefined;
        results[index] = { storageIdentifier: entry.storageIdentifier, ok: true, fileId: file.fileId, size: file.size, ...(warning ? { warning } : {}) };
        return false;
      });
    };
    await this.#http.retrying(
      `POST addFiles for ${pid}`,
      async (attempt) => {
        // A lost answer (timeout, reset, 5xx after the save) may hide a registration.
        if (attempt > 1) await confirm();
        if (pending.length === 0) return;
        const batch = pending.map((index) => entries[index] as AddFileEntry);
        const request = { ...this.#datasetRequest('POST', pid, '/addFiles'), jsonData: batch };
        const answer = readAddFilesAnswer(await this.#http.send(request, signal), batch, this.#unreadable('POST addFiles'));
        for (const [at, index] of pending.entries()) claims.set(index, answer[at] ?? { accepted: false, message: 'no answer from Dataverse for this file' });
      },
      signal,
    );
    // Only what addFiles accepted can be in the draft: a chunk it refused whole costs no listing.
    if (pending.some((index) => claims.get(index)?.accepted)) await confirm();
    return results.map((result, index) => result ?? this.#unconfirmed(entries[index] as AddFileEntry, claims.get(index)));
  }

  /**
   * Sets a registered file's description, categories or folder
   * (`POST /api/files/{id}/metadata`, multipart `jsonData`); fields left out stay.
   * `Files.updateFileMetadata` answers 200 with plain text, not an envelope; an
   * unknown or unreadable file id gets 400 ("Error attempting get the requested
   * data file."), a lock a 500 that names it. Idempotent, so retried like a read.
   * @throws NonRetryableError `DATAVERSE_REJECTED` for an unknown file id or a
   *   label already taken; HoldfastError `DATAVERSE_LOCKED`.
   */
  async updateFileMetadata(fileId: number, metadata: FileMetadataUpdate, signal?: AbortSignal): Promise<void> {
    const jsonData = Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined));
    const notFound = (message: string, details: ErrorDetails): Error =>
      new NonRetryableError(`no file ${fileId} at Dataverse ${this.baseUrl}: ${message}`, {
        code: 'DATAVERSE_NOT_FOUND',
        details: { ...details, fileId },
      });
    await this.#http.request({ method: 'POST', path: `/api/files/${fileId}/metadata`, jsonData, notFound, plainText: true }, signal);
  }

  // An entry the draft does not list: refused by addFiles (its message), or
  // accepted by it and still not saved, which is no registration either.
  #unconfirmed(entry: AddFileEntry, claim: AddFilesClaim | undefined): AddFileResult {
    const message = !claim
      ? 'no answer from Dataverse for this file'
      : claim.accepted
        ? 'Dataverse accepted the file but its draft does not list it, so it is not registered'
        : this.#http.redact(claim.message);
    return { storageIdentifier: entry.storageIdentifier, ok: false, message };
  }

  #datasetRequest(method: 'GET' | 'POST', pid: string, tail: string): DataverseRequest {
    return {
      method,
      path: datasetPath(tail),
      query: { persistentId: pid },
      pid,
      notFound: (message, details) =>
        new NonRetryableError(`no dataset ${pid} at Dataverse ${this.baseUrl}: ${message}`, {
          code: 'DATAVERSE_NOT_FOUND',
          details: { ...details, pid },
        }),
    };
  }

  // A 200 whose JSON lacks what every Dataverse prints: a version mismatch or a
  // proxy in the way. Not retried (the same call gives the same answer) but
  // retryable, so a fixed address and `holdfast resume` can finish the work.
  #unreadable(call: string): (what: string) => HoldfastError {
    return (what) =>
      new HoldfastError('DATAVERSE_UNAVAILABLE', `Dataverse at ${this.baseUrl} answered ${call} with ${this.#http.redact(what)}`, {
        details: { url: this.baseUrl, call },
      });
  }
}

// The listing prints `file://18f...` (DataFile.getStorageIdentifier, driver
// prefix included); an entry may be sent with or without the prefix.
function storageKey(storageIdentifier: string): string {
  return fileStorageId(storageIdentifier) ?? storageIdentifier;
}
