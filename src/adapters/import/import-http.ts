/**
 * The import service over HTTP (docs/import-protocol.md):
 *   POST {service}/objects  { idempotencyKey, type, data, parents: [{ linkTag, identifiers }] }
 *   POST {service}/links    { idempotencyKey, linkTag, child, parent }
 * 200/201 `{ identifiers }`: created. 202: accepted, a callback follows.
 * 408, 429, 5xx and network failures are retried with backoff by the runtime;
 * any other 4xx refuses for good (NonRetryableError, IMPORT_REJECTED).
 */
import { HoldfastError, NonRetryableError } from '../../errors.js';
import type { ServiceAnswer } from '../../machines/import.types.js';
import { checkAnswer, type ImportService } from './import-service.js';

/** Options of {@link httpImportService}. */
export interface HttpServiceOptions {
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
}

/** An import service at `baseUrl` (no trailing slash needed). */
export function httpImportService(baseUrl: string, options: HttpServiceOptions = {}): ImportService {
  const base = baseUrl.replace(/\/+$/, '');
  const request = async (path: string, body: { idempotencyKey: string }, signal: AbortSignal): Promise<ServiceAnswer> => {
    const url = `${base}${path}`;
    const { status, text } = await postJson(url, body, signal, options.fetch);
    if (status === 200 || status === 201) return checkAnswer(`POST ${url}`, parseJson(text));
    if (status === 202) return { accepted: true };
    throw statusError(url, status, text);
  };
  return {
    createObject: (body, { signal }) => request('/objects', body, signal),
    createLink: (body, { signal }) => request('/links', body, signal),
  };
}

/** Posts the import-complete event; 2xx is done, other answers fail as the create calls do. */
export async function postCompletion(url: string, body: { idempotencyKey: string }, signal: AbortSignal, fetchImpl?: typeof fetch): Promise<{ status: number }> {
  const { status, text } = await postJson(url, body, signal, fetchImpl);
  if (status >= 200 && status < 300) return { status };
  throw statusError(url, status, text);
}

async function postJson(url: string, body: { idempotencyKey: string }, signal: AbortSignal, fetchImpl: typeof fetch = fetch): Promise<{ status: number; text: string }> {
  try {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': body.idempotencyKey },
      body: JSON.stringify(body),
      signal,
    });
    return { status: response.status, text: await response.text() };
  } catch (cause) {
    if (signal.aborted) throw signal.reason;
    throw new HoldfastError('IMPORT_UNAVAILABLE', `POST ${url} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause, details: { url } });
  }
}

function statusError(url: string, status: number, text: string): HoldfastError {
  const reason = `POST ${url} answered ${status}: ${messageOf(text)}`;
  if (status === 408 || status === 429 || status >= 500) return new HoldfastError('IMPORT_UNAVAILABLE', reason, { details: { url, status } });
  return new NonRetryableError(reason, { code: 'IMPORT_REJECTED', details: { url, status } });
}

/** The service's own words: `{ error }` or `{ message }` from a JSON body, else the start of the text. */
function messageOf(text: string): string {
  const json = parseJson(text) as { error?: unknown; message?: unknown } | undefined;
  const said = json?.error ?? json?.message;
  if (typeof said === 'string') return said.slice(0, 500);
  if (typeof said === 'object' && said !== null && typeof (said as { message?: unknown }).message === 'string') return (said as { message: string }).message.slice(0, 500);
  return text.slice(0, 200) || '(no body)';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
