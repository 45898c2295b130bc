/**
 * The stand-in's five endpoints, checked in Dataverse's order: endpoint, token,
 * dataset (or file), then the call's own checks. Every answer is a Dataverse
 * envelope, `{ status: 'OK', data }` or `{ status: 'ERROR', message }`.
 */

import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { checkAddFilesJson, checkMetadataJson } from './dataverse-standin-checks.js';
import type { Checked } from './dataverse-standin-checks.js';
import { datasetJson } from './dataverse-standin-json.js';
import type { StandinState } from './dataverse-standin-state.js';

/** An answer: HTTP status and JSON body. */
export interface Reply {
  status: number;
  body: unknown;
}

/** Answers one request whose body has been read. */
export type Route = (
  method: string,
  path: string,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  body: Buffer,
) => Promise<Reply>;

/** An ERROR envelope. */
export const error = (status: number, message: string): Reply => ({ status, body: { status: 'ERROR', message } });
const ok = (data: unknown): Reply => ({ status: 200, body: { status: 'OK', data } });

// Dataverse's own text for a path no endpoint serves.
const NO_ENDPOINT =
  'API endpoint does not exist on this server. Please check your code for typos, or consult our API guide at http://guides.dataverse.org.';
// PermissionServiceBean's refusal (bundle key dataset.message.locked.editNotAllowed).
// Dataverse maps this IllegalCommandException to 403 in AbstractApiBean.execCommand;
// the stand-in answers every edit of a locked dataset so.
const LOCKED = 'Dataset cannot be edited due to dataset lock.';

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
    if (method !== expected) return error(405, `HTTP 405 Method Not Allowed`);

    const given = headers['x-dataverse-key'] ?? query.get('key') ?? undefined;
    const key = Buffer.from(typeof given === 'string' ? given : '');
    if (key.length === 0) {
      return error(401, 'Please provide a key query parameter (?key=YOUR_TOKEN) or via the HTTP header X-Dataverse-key');
    }
    if (key.length !== expectedKey.length || !timingSafeEqual(key, expectedKey)) return error(401, 'Bad api key ');

    if (fileMatch) {
      const fileId = Number(fileMatch[1]);
      const dataset = state.datasetOfFile(fileId);
      if (!dataset) return error(404, `File with ID ${fileId} not found.`);
      if (state.locks(dataset).length > 0) return error(403, LOCKED);
      const update = await readJsonData(headers, body, checkMetadataJson);
      if (!update.ok) return error(update.status, update.message);
      state.updateMetadata(fileId, update.value);
      return ok({ message: `File Metadata update has been completed: ${JSON.stringify(update.value)}` });
    }

    const ref = datasetMatch?.[1] ?? '';
    const pid = query.get('persistentId') ?? '';
    // Dataverse names a dataset by `:persistentId` plus a query parameter, or by database id.
    const byPid = ref === ':persistentId';
    const dataset = byPid ? state.find({ pid }) : /^\d+$/.test(ref) ? state.find({ id: Number(ref) }) : undefined;
    if (!dataset) return error(404, byPid ? `Dataset with Persistent ID ${pid} not found.` : `Dataset with ID ${ref} not found.`);
    if (tail === '') return ok(datasetJson(dataset));
    if (tail === 'locks') return ok(state.locks(dataset));
    if (version !== undefined) {
      const files = state.versionFiles(dataset, version);
      return files ? ok(files) : error(404, `Dataset version ${version} of dataset ${dataset.id} not found`);
    }
    if (state.locks(dataset).length > 0) return error(403, LOCKED);
    const entries = await readJsonData(headers, body, checkAddFilesJson);
    if (!entries.ok) return error(entries.status, entries.message);
    return ok(await state.addFiles(dataset, entries.value));
  };
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
