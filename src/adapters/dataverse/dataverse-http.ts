/**
 * One call to Dataverse's native API: the token header, a timeout, retries with
 * backoff for what may pass (5xx, 408, 429, network errors, a body that is not
 * Dataverse's JSON), and a typed HoldfastError for what will not. The token never
 * reaches a message or details: every text that leaves here goes through `redact`.
 */

import { HoldfastError, NonRetryableError } from '../../errors.js';
import type { ErrorDetails } from '../../errors.js';

/** Options of {@link DataverseHttp} and of the DataverseClient built on it. */
export interface DataverseHttpOptions {
  /** The installation's address, e.g. `https://demo.dataverse.org`. */
  baseUrl: string;
  /** An API token, sent as `X-Dataverse-key`. */
  token: string;
  /** Retries after the first attempt. @default 4 */
  retries?: number;
  /** First backoff; doubles each retry, with jitter. @default 200 */
  baseDelayMs?: number;
  /** Cap on one backoff, and on a `Retry-After` the server asks for. @default 30000 */
  maxDelayMs?: number;
  /** One attempt's limit; addFiles of a 100-file chunk can take a minute on a busy installation. @default 120000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock for lock waits. @default Date.now */
  now?: () => number;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
}

/** What one request asks; `notFound` turns a 404's message into the error the caller means. */
export interface DataverseRequest {
  method: 'GET' | 'POST';
  /** Path under the base URL, starting with `/api/`. */
  path: string;
  query?: Record<string, string>;
  /** Sent as the multipart field `jsonData`, JSON-encoded, as Dataverse's upload calls expect. */
  jsonData?: unknown;
  notFound: (message: string, details: ErrorDetails) => Error;
  /** The dataset the call touches, named in lock errors. */
  pid?: string;
  /**
   * A 2xx answer is not an envelope but text: `Files.updateFileMetadata` answers
   * `text/plain` "File Metadata update has been completed: {...}". Resolves to the text.
   */
  plainText?: boolean;
}

/** A failure that may pass: retried by {@link DataverseHttp.retrying}. Never leaves this module's callers' loops. */
export class TransientDataverseFailure extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryAfterMs: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientDataverseFailure';
  }
}

// Dataverse says "locked" in every lock refusal: "Dataset cannot be edited due to
// dataset lock.", "This dataset is locked. Reason: Ingest. ..." (PermissionServiceBean,
// the publish commands). addFiles wraps the same text in a 500 when its final
// UpdateDatasetVersionCommand meets a lock, so the status alone does not tell.
const LOCK_TEXT = /\block(ed)?\b/i;

// addFiles' final command meets a PermissionException as it meets a lock, in a
// 500: EjbDataverseEngine.submit words it "... is missing permissions [EditDataset] ...".
const PERMISSION_TEXT = /\bis missing permissions\b/;

const DEFAULT_SLEEP = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The transport under DataverseClient; see the module comment. */
export class DataverseHttp {
  /** The base URL without credentials, query or trailing slash: safe to print. */
  readonly displayUrl: string;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
  readonly retries: number;
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #timeoutMs: number;

  /** @throws HoldfastError `INVALID_OPTIONS` naming every bad option at once. */
  constructor(options: DataverseHttpOptions) {
    const problems: string[] = [];
    let url: URL | null = null;
    try {
      url = new URL(options.baseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('baseUrl must be http(s)');
    } catch {
      problems.push('baseUrl is not a URL');
    }
    if (typeof options.token !== 'string' || options.token.trim() === '') problems.push('token is empty');
    const counts = { retries: options.retries, baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs, timeoutMs: options.timeoutMs };
    for (const [name, value] of Object.entries(counts)) {
      if (value !== undefined && !(Number.isInteger(value) && value >= 0)) problems.push(`${name} must be a whole number >= 0`);
    }
    if (problems.length > 0 || url === null) {
      throw new HoldfastError('INVALID_OPTIONS', `Dataverse client: ${problems.join('; ')}`);
    }
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    this.#baseUrl = url.toString().replace(/\/+$/, '');
    this.displayUrl = this.#baseUrl;
    this.#token = options.token;
    this.retries = options.retries ?? 4;
    this.#baseDelayMs = options.baseDelayMs ?? 200;
    this.#maxDelayMs = options.maxDelayMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? DEFAULT_SLEEP;
    this.now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** The text with the token blanked out: for anything an error carries. */
  redact(text: string): string {
    return text.split(this.#token).join('[token]');
  }

  /** One request, retried while it fails transiently; resolves to the envelope's `data`. */
  request(req: DataverseRequest, signal?: AbortSignal): Promise<unknown> {
    return this.retrying(`${req.method} ${req.path}`, () => this.send(req, signal), signal);
  }

  /**
   * Runs `op` until it succeeds, retrying a {@link TransientDataverseFailure} up to
   * `retries` times with exponential backoff and jitter (x0.5 to x1.5, so that many
   * workers failing together do not come back together).
   * @throws HoldfastError `DATAVERSE_UNAVAILABLE` when the retries are spent.
   */
  async retrying<T>(what: string, op: (attempt: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op(attempt);
      } catch (error) {
        if (!(error instanceof TransientDataverseFailure)) throw error;
        if (attempt > this.retries) {
          throw new HoldfastError(
            'DATAVERSE_UNAVAILABLE',
            `Dataverse at ${this.displayUrl} did not complete ${what} after ${attempt} attempts (last: ${error.message})`,
            { cause: error, details: { url: this.displayUrl, call: what, attempts: attempt, status: error.status } },
          );
        }
        const backoff = this.#baseDelayMs * 2 ** (attempt - 1) * (0.5 + this.#random());
        await this.sleep(Math.round(Math.min(this.#maxDelayMs, Math.max(backoff, error.retryAfterMs ?? 0))), signal);
      }
    }
  }

  /**
   * One attempt. Resolves to `data` of an `OK` envelope.
   * @throws TransientDataverseFailure for what a retry may cure; HoldfastError
   *   `DATAVERSE_LOCKED`; NonRetryableError `DATAVERSE_AUTH`, `DATAVERSE_REJECTED`
   *   or the request's `notFound`; the signal's reason once it is aborted.
   */
  async send(req: DataverseRequest, signal?: AbortSignal): Promise<unknown> {
    const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
    const call = `${req.method} ${req.path}${query}`;
    const details: ErrorDetails = { url: `${this.displayUrl}${req.path}${query}`, method: req.method };
    const headers: Record<string, string> = { 'X-Dataverse-key': this.#token, Accept: 'application/json' };
    let body: FormData | undefined;
    if (req.jsonData !== undefined) {
      body = new FormData();
      body.set('jsonData', JSON.stringify(req.jsonData));
    }
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let status: number;
    let text: string;
    let retryAfter: string | null;
    let location: string | null;
    try {
      const response = await this.#fetch(`${this.#baseUrl}${req.path}${query}`, {
        method: req.method,
        headers,
        ...(body ? { body } : {}),
        // A redirect would turn a POST into a GET, and could carry the token to
        // another host: it is reported instead of followed.
        redirect: 'manual',
        signal: combined,
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      location = response.headers.get('location');
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const why = timeout.aborted ? `no answer within ${this.#timeoutMs} ms` : describeNetworkError(error);
      throw new TransientDataverseFailure(`${call}: ${this.redact(why)}`, null, null);
    }
    details.status = status;
    const parsed = parseEnvelope(text);
    if (status >= 200 && status < 300) {
      if (req.plainText) return text;
      if (parsed?.status === 'OK' && 'data' in parsed) return parsed.data;
      throw new TransientDataverseFailure(`${call}: HTTP ${status} with ${this.redact(describeBody(text, parsed))}`, status, null);
    }
    if (status >= 300 && status < 400) {
      throw new NonRetryableError(
        `Dataverse at ${this.displayUrl} redirects ${call} to ${this.redact(location ?? 'nowhere')}: give that address instead`,
        { code: 'DATAVERSE_REJECTED', details },
      );
    }
    const message = this.redact(typeof parsed?.message === 'string' ? parsed.message : describeBody(text, parsed));
    if ((status === 403 || status === 409 || status >= 500) && LOCK_TEXT.test(message) && !PERMISSION_TEXT.test(message)) {
      const pid = req.pid ?? 'the dataset';
      throw new HoldfastError('DATAVERSE_LOCKED', `${pid} is locked at Dataverse ${this.displayUrl}: ${message}`, {
        details: { ...details, ...(req.pid ? { pid: req.pid } : {}) },
      });
    }
    if (status === 401 || status === 403 || (status >= 500 && PERMISSION_TEXT.test(message))) {
      throw new NonRetryableError(
        `token refused by Dataverse at ${this.displayUrl} (HTTP ${status}: ${message}): fix it and run \`holdfast resume --token NEW\``,
        { code: 'DATAVERSE_AUTH', details },
      );
    }
    if (status === 404) throw req.notFound(message, details);
    if (status === 408 || status === 429 || status >= 500) {
      throw new TransientDataverseFailure(`${call}: HTTP ${status}: ${message}`, status, parseRetryAfter(retryAfter));
    }
    throw new NonRetryableError(`Dataverse at ${this.displayUrl} rejected ${call} (HTTP ${status}): ${message}`, {
      code: 'DATAVERSE_REJECTED',
      details,
    });
  }
}

interface ParsedEnvelope {
  status?: unknown;
  message?: unknown;
  data?: unknown;
}

// Dataverse answers JSON objects; anything else (an HTML proxy page, an empty body)
// gives null and is described, never thrown at the caller as a SyntaxError.
function parseEnvelope(text: string): ParsedEnvelope | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as ParsedEnvelope) : null;
  } catch {
    return null;
  }
}

function describeBody(text: string, parsed: ParsedEnvelope | null): string {
  if (text.trim() === '') return 'an empty body';
  if (parsed === null) return `a body that is not Dataverse's JSON: ${JSON.stringify(text.slice(0, 160))}`;
  return `status ${JSON.stringify(parsed.status)} and no data`;
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

// Retry-After is seconds or an HTTP date; a date is not worth the clock skew here.
function parseRetryAfter(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim()) * 1000;
}
