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
import { defaultDatasetStorageIdentifier } from './dataverse-pid.js';
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
   * The dataset's id and storage identifier (`GET /api/datasets/:persistentId/`).
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
   * The files of the dataset's draft (`GET .../versions/:draft/files`). A dataset
   * with no draft (just published, or never edited) makes Dataverse answer 404 for
   * `:draft`; the files of `:latest` are returned then, since a file registered
   * before a publication is in the dataset all the same and must not be sent again.
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
   * The files of one named version (`GET .../versions/{version}/files`). Dataverse
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

  /** The dataset's locks (`GET .../locks`); empty when it is free. */
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
   * (`POST .../addFiles`, multipart `jsonData`). Dataverse answers 200 even when
   * some entries fail; each result says which. Retries list the draft first and
   * resend only what is missing, so no file is registered twice. The first
   * attempt does not list: callers skip what {@link listDraftFiles} already shows.
   * @throws HoldfastError `DATAVERSE_LOCKED`, `DATAVERSE_UNAVAILABLE`; NonRetryableError
   *   `DATAVERSE_AUTH`, `DATAVERSE_NOT_FOUND`, `DATAVERSE_REJECTED` (a malformed request).
   */
  async addFiles(pid: string, entries: readonly AddFileEntry[], signal?: AbortSignal): Promise<AddFileResult[]> {
    const results: Array<AddFileResult | undefined> = entries.map(() => undefined);
    let pending = entries.map((_, index) => index);
    const reconcile = async (): Promise<void> => {
      const present = new Map((await this.listDraftFiles(pid, signal)).map((file) => [file.storageIdentifier, file]));
      pending = pending.filter((index) => {
        const entry = entries[index] as AddFileEntry;
        const file = present.get(entry.storageIdentifier);
        if (file) results[index] = { storageIdentifier: entry.storageIdentifier, ok: true, fileId: file.fileId, size: file.size };
        return !file;
      });
    };
    await this.#http.retrying(
      `POST addFiles for ${pid}`,
      async (attempt) => {
        if (attempt > 1) await reconcile();
        if (pending.length === 0) return;
        const batch = pending.map((index) => entries[index] as AddFileEntry);
        const request = { ...this.#datasetRequest('POST', pid, '/addFiles'), jsonData: batch };
        const answer = readAddFilesAnswer(await this.#http.send(request, signal), batch, this.#unreadable('POST addFiles'));
        for (const [at, index] of pending.entries()) {
          results[index] = this.#redacted(answer[at] ?? failed(batch[at] as AddFileEntry));
        }
        pending = [];
      },
      signal,
    );
    return results.map((result, index) => result ?? failed(entries[index] as AddFileEntry));
  }

  /**
   * Sets a registered file's description, categories or folder
   * (`POST /api/files/{id}/metadata`, multipart `jsonData`); fields left out stay.
   * Idempotent, so retried like a read.
   * @throws NonRetryableError `DATAVERSE_NOT_FOUND` for an unknown file id.
   */
  async updateFileMetadata(fileId: number, metadata: FileMetadataUpdate, signal?: AbortSignal): Promise<void> {
    const jsonData = Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined));
    const notFound = (message: string, details: ErrorDetails): Error =>
      new NonRetryableError(`no file ${fileId} at Dataverse ${this.baseUrl}: ${message}`, {
        code: 'DATAVERSE_NOT_FOUND',
        details: { ...details, fileId },
      });
    await this.#http.request({ method: 'POST', path: `/api/files/${fileId}/metadata`, jsonData, notFound }, signal);
  }

  #redacted(result: AddFileResult): AddFileResult {
    return result.ok ? result : { ...result, message: this.#http.redact(result.message) };
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

// Only reachable if a retry loop ended without an answer for an entry; kept so the
// result array never has holes.
function failed(entry: AddFileEntry): AddFileResult {
  return { storageIdentifier: entry.storageIdentifier, ok: false, message: 'no answer from Dataverse for this file' };
}
