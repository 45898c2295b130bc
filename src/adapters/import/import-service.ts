/**
 * The external service an import creates its objects and links with, as a port
 * (docs/import-protocol.md). Two adapters speak it: HTTP (import-http.ts) and
 * in-process, for host apps that create objects themselves (`inProcessService`).
 * Every request carries its idempotency key: the pending object's or link's
 * actor id, the same across retries and restarts, so a service that keeps
 * keys never creates twice.
 */
import { HoldfastError, NonRetryableError } from '../../errors.js';
import { isIdentifiers } from '../../machines/import-callback.js';
import type { Identifiers, ServiceAnswer } from '../../machines/import.types.js';

/** `POST {service}/objects`, or `createObject` in process. */
export interface CreateObjectRequest {
  idempotencyKey: string;
  type: string;
  data: unknown;
  /** Every dependent parent, with the tag of its link, in a stable order. */
  parents: { linkTag: string; identifiers: Identifiers }[];
}

/** `POST {service}/links`, or `createLink` in process. */
export interface CreateLinkRequest {
  idempotencyKey: string;
  linkTag: string;
  child: Identifiers;
  parent: Identifiers;
}

/** What a request is run with: aborted on timeout, on close and when the object no longer waits. */
export interface ServiceCallContext {
  signal: AbortSignal;
  attempt: number;
}

/**
 * A service that creates objects and links. Answer `{ identifiers }` once
 * created, or `{ accepted: true }` when the answer follows as a
 * `service.callback` event. Throw `rejectImport(...)` (a NonRetryableError)
 * to refuse for good; anything else thrown is retried with backoff.
 */
export interface ImportService {
  createObject(request: CreateObjectRequest, context: ServiceCallContext): Promise<ServiceAnswer>;
  createLink(request: CreateLinkRequest, context: ServiceCallContext): Promise<ServiceAnswer>;
}

/** The error a service throws to refuse a request for good: the object ends `error`, its dependants `blocked`. */
export function rejectImport(message: string): NonRetryableError {
  return new NonRetryableError(message, { code: 'IMPORT_REJECTED' });
}

/**
 * Wraps a host app's functions as an import service: answers are checked, a
 * NonRetryableError refuses for good, any other error is retried.
 * @example
 * const service = inProcessService({
 *   createObject: async ({ idempotencyKey, type, data, parents }) => ({ identifiers: { id: await db.upsert(idempotencyKey, type, data, parents) } }),
 *   createLink: async ({ idempotencyKey, linkTag, child, parent }) => ({ identifiers: { id: await db.link(idempotencyKey, linkTag, child, parent) } }),
 * });
 */
export function inProcessService(handlers: ImportService): ImportService {
  const call = async <T>(what: string, run: () => Promise<T>): Promise<ServiceAnswer> => {
    let answer: unknown;
    try {
      answer = await run();
    } catch (error) {
      if (error instanceof HoldfastError) throw error;
      throw new HoldfastError('IMPORT_UNAVAILABLE', `${what} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    return checkAnswer(what, answer);
  };
  return {
    createObject: (request, context) => call(`creating object ${request.idempotencyKey}`, () => handlers.createObject(request, context)),
    createLink: (request, context) => call(`creating link ${request.idempotencyKey}`, () => handlers.createLink(request, context)),
  };
}

/** An answer is `{ identifiers: {...} }` or `{ accepted: true }`; anything else is refused for good. */
export function checkAnswer(what: string, answer: unknown): ServiceAnswer {
  const value = (answer ?? {}) as { identifiers?: unknown; accepted?: unknown };
  if (isIdentifiers(value.identifiers)) return { identifiers: value.identifiers };
  if (value.accepted === true) return { accepted: true };
  throw new NonRetryableError(`${what}: the service answered neither { identifiers } nor { accepted: true }: ${JSON.stringify(answer)?.slice(0, 200)}`, { code: 'IMPORT_REJECTED' });
}
