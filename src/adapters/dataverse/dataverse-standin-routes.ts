/**
 * The stand-in's endpoints, checked in Dataverse's order: endpoint, token,
 * dataset (or file), then the call's own checks. Every answer is what the Java
 * of the release answers (docs/dataverse.md): a `{ status: 'OK', data }` or
 * `{ status: 'ERROR', message }` envelope, or the metadata API's plain text.
 */

import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { checkAddFilesJson, checkMetadataJson } from './dataverse-standin-checks.js';
import type { Checked } from './dataverse-standin-checks.js';
import type { StandinState, StateReply } from './dataverse-standin-state.js';

/** An answer: HTTP status and JSON body (or text, for `text: true`). */
export type Reply = StateReply;

/** Answers one request whose body has been read. */
export type Route = (
  method: string,
  path: string,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  body: Buffer,
) => Promise<Reply>;

/** An ERROR envelope (`AbstractApiBean.error`). */
export const error = (status: number, message: string): Reply => ({ status, body: { status: 'ERROR', message } });
const ok = (data: unknown): Reply => ({ status: 200, body: { status: 'OK', data } });

// Dataverse's own text for a path no endpoint serves.
const NO_ENDPOINT =
  'API endpoint does not exist on this server. Please check your code for typos, or consult our API guide at http://guides.dataverse.org.';

/** Routes requests to the endpoints of a stand-in holding `state` and accepting `token`. */
export function standinRouter(state: StandinState, token: string): Route {
  const expectedKey = Buffer.from(token);
  return async (method, path, query, headers, body) => {
    const datasetMatch = /^\/api\/datasets\/([^/]+)(?:\/(.+))?$/.exec(path);
    const fileMatch = /^\/api\/files\/(\d+)\/metadata$/.exec(path);
    const tail = datasetMatch?.[2] ?? '';
    const version = /^versions\/([^/]+)\/files$/.exec(tail)?.[1];
    let expected: 'GET' | 'POST' | null = null;
    if (fileMatch || tail === 'addFiles') expected = 'POST';
    else if (datasetMatch && (tail === '' || tail === 'locks' || version !== undefined)) expected = 'GET';
    if (expected === null) return error(404, NO_ENDPOINT);
    if (method !== expected) return error(405, 'HTTP 405 Method Not Allowed');

    // ApiKeyAuthMechanism: a key that matches no user is 401 "Bad API key"; no
    // key at all is the guest, whom every call here refuses (PermissionException
    // in execCommand: 401), except the locks, which anyone may read.
    const given = headers['x-dataverse-key'] ?? query.get('key') ?? undefined;
    const key = Buffer.from(typeof given === 'string' ? given : '');
    if (key.length > 0 && (key.length !== expectedKey.length || !timingSafeEqual(key, expectedKey))) return error(401, 'Bad API key');
    const guest = key.length === 0;
    const forbidGuest = (): Reply => error(401, 'User :guest is not permitted to perform requested action.');

    if (fileMatch) {
      if (guest) return error(400, 'Error attempting get the requested data file.');
      const update = await readJsonData(headers, body, checkMetadataJson);
      if (!update.ok) return error(update.status, update.message);
      return state.updateMetadata(Number(fileMatch[1]), update.value);
    }

    const found = findDataset(state, datasetMatch?.[1] ?? '', query);
    if ('status' in found) return found;
    const dataset = found.dataset;
    if (tail === 'locks') return ok(state.locks(dataset));
    if (guest) return forbidGuest();
    if (tail === '') return state.datasetAnswer(dataset);
    if (version !== undefined) return state.versionFilesAnswer(dataset, decodeURIComponent(version), query);
    const entries = await readJsonData(headers, body, checkAddFilesJson);
    if (!entries.ok) return error(entries.status, entries.message);
    return state.addFiles(dataset, entries.value);
  };
}

// AbstractApiBean.findDatasetOrDie: `:persistentId` plus the query parameter,
// or a database id. 5.14 and 6.11 word the 404 of an unknown PID differently.
function findDataset(state: StandinState, ref: string, query: URLSearchParams): { dataset: NonNullable<ReturnType<StandinState['find']>> } | Reply {
  if (ref === ':persistentId') {
    const pid = query.get('persistentId');
    const missing = 'When accessing a dataset based on Persistent ID, a persistentId query parameter must be present.';
    if (pid === null) return error(400, missing);
    const dataset = state.find({ pid });
    if (dataset) return { dataset };
    return error(404, state.release === '5.14' ? `Dataset with Persistent ID ${pid} not found.` : missing);
  }
  if (!/^\d+$/.test(ref)) return error(400, `Bad dataset ID number: ${ref}.`);
  const dataset = state.find({ id: Number(ref) });
  return dataset ? { dataset } : error(404, `Dataset with ID ${ref} not found.`);
}

// The multipart field `jsonData`, checked. Parsed by undici's own multipart
// reader (Request.formData), so the stand-in reads exactly what fetch sends.
async function readJsonData<T>(
  headers: IncomingHttpHeaders,
  body: Buffer,
  check: (text: string) => Checked<T>,
): Promise<{ ok: true; value: T } | { ok: false; status: number; message: string }> {
  const contentType = headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    return { ok: false, status: 415, message: 'HTTP 415 Unsupported Media Type: expected multipart/form-data' };
  }
  let field: ReturnType<FormData['get']>;
  try {
    const form = await new Request('http://standin/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
    field = form.get('jsonData');
  } catch {
    return { ok: false, status: 400, message: 'malformed multipart/form-data body' };
  }
  if (field === null) return { ok: false, status: 400, message: 'jsonData is missing' };
  const checked = check(typeof field === 'string' ? field : await field.text());
  return checked.ok ? checked : { ok: false, status: 400, message: checked.message };
}
