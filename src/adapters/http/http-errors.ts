/**
 * Every HTTP error is `{ code, message }` with a status taken from the
 * HoldfastError code (docs/http-api.md). Fastify's own errors (bad JSON, body
 * too large, schema validation, bad URL) are mapped to the same shape; an
 * unexpected error is answered 500 with its code only: no message from
 * inside, no stack, no path.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HoldfastError, type ErrorCode } from '../../errors.js';

/** The status of a HoldfastError code; anything not listed is a 500. */
const STATUS: Partial<Record<ErrorCode | string, number>> = {
  INVALID_INPUT: 400,
  INVALID_OPTIONS: 400,
  BAD_MESSAGE: 400,
  PATH_OUTSIDE_ROOT: 400,
  UNKNOWN_TASK: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  ACTOR_NOT_FOUND: 404,
  DATA_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  NOT_AVAILABLE: 404,
  ACTOR_EXISTS: 409,
  JOB_RUNNING: 409,
  INVALID_EVENT: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  LIMIT_EXCEEDED: 429,
  STORE_CLOSED: 503,
  RUNTIME_CLOSED: 503,
  STORAGE_FULL: 503,
};

/** HTTP status for a HoldfastError code (500 for codes that are not the caller's doing). */
export function statusOf(code: string): number {
  return STATUS[code] ?? 500;
}

export interface ErrorBody {
  code: string;
  message: string;
}

/** Fastify's errors, by their code, as ours. */
const FRAMEWORK: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'BAD_MESSAGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'BAD_MESSAGE' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'BAD_MESSAGE' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'BAD_MESSAGE' },
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_MESSAGE' },
};

/** The status and body for anything thrown in a route; `unexpected` tells the caller to log it. */
export function describeError(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (error instanceof HoldfastError) {
    const status = statusOf(error.code);
    if (status >= 500 && status !== 503) return { status, body: { code: error.code, message: 'the server could not complete the request; its log says why' }, unexpected: true };
    return { status, body: { code: error.code, message: error.reason }, unexpected: false };
  }
  const fastifyError = error as Partial<FastifyError> & { validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const where = fastifyError.validationContext ?? 'body';
    const problems = fastifyError.validation.slice(0, 5).map((issue) => {
      const extra = issue.params && 'additionalProperty' in issue.params ? ` (${String(issue.params.additionalProperty)})` : '';
      return `${where}${issue.instancePath ?? ''} ${issue.message ?? 'is invalid'}${extra}`;
    });
    return { status: 400, body: { code: 'INVALID_INPUT', message: problems.join('; ') }, unexpected: false };
  }
  const known = typeof fastifyError.code === 'string' ? FRAMEWORK[fastifyError.code] : undefined;
  if (known) return { status: known.status, body: { code: known.code, message: frameworkMessage(known.code, fastifyError) }, unexpected: false };
  // A Fastify 4xx we do not list (a malformed header...): its status, our shape.
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, body: { code: 'BAD_MESSAGE', message: String(fastifyError.message ?? 'bad request') }, unexpected: false };
  }
  return { status: 500, body: { code: 'INTERNAL_ERROR', message: 'the server could not complete the request; its log says why' }, unexpected: true };
}

function frameworkMessage(code: string, error: Partial<FastifyError>): string {
  switch (code) {
    case 'PAYLOAD_TOO_LARGE':
      return 'the request body is larger than this route accepts';
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'this route takes application/json (uploads: application/octet-stream)';
    default:
      return String(error.message ?? 'bad request');
  }
}

/** Sends an error answer: `WWW-Authenticate` on 401, the connection closed after a 413 (the rest of the body is not read). */
export function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  if (status === 413) reply.header('connection', 'close');
  return reply.code(status).header('cache-control', 'no-store').type('application/json').send(body);
}

/** Fastify's error handler: our shape for everything; unexpected errors go to `log` (never to the client). */
export function errorHandler(log: (error: unknown, request: FastifyRequest) => void) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const { status, body, unexpected } = describeError(error);
    if (unexpected) log(error, request);
    return sendError(reply, status, body);
  };
}
