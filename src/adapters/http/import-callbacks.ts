/**
 * `POST /import/callbacks` (docs/import-protocol.md): an import service that
 * answered 202 calls back here with `{ idempotencyKey, identifiers }` or
 * `{ idempotencyKey, error }`. The key is the pending object's or link's
 * actor id; the callback becomes its `service.callback` event. A repeated
 * callback changes nothing: the actor has moved on and ignores it.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toHoldfastError } from '../../errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { acceptJsonOfAnyType } from './http-body.js';

/** A callback is small: identifiers or an error message. */
const MAX_BODY_BYTES = 64 * 1024;

const callbackSchema = z.union([
  z.strictObject({ idempotencyKey: z.string().min(1).max(1_000), identifiers: z.record(z.string(), z.unknown()) }),
  z.strictObject({ idempotencyKey: z.string().min(1).max(1_000), error: z.strictObject({ code: z.string().max(200).optional(), message: z.string().max(10_000) }) }),
]);

export type CallbackAnswer = { status: number; body: { accepted: true; id: string } | { code: string; message: string } };

/** The route, admin token only (checked by the server's access hook). */
export async function importCallbackRoutes(app: FastifyInstance, runtime: Runtime): Promise<void> {
  await app.register(async (scope) => {
    acceptJsonOfAnyType(scope, MAX_BODY_BYTES);
    scope.post('/import/callbacks', { config: { access: 'serve', admin: 'a callback needs the admin token' }, schema: { summary: 'an import service calls back (docs/import-protocol.md); admin token' } }, async (request, reply) => {
      const { status, body } = await receiveImportCallback(runtime, request.body);
      return reply.code(status).send(body);
    });
  });
}

/** Checks and delivers one parsed callback; never throws. */
export async function receiveImportCallback(runtime: Runtime, body: unknown): Promise<CallbackAnswer> {
  const parsed = callbackSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
    return { status: 400, body: { code: 'BAD_MESSAGE', message: `a callback is { idempotencyKey, identifiers } or { idempotencyKey, error }: ${problems.join('; ')}` } };
  }
  const { idempotencyKey, ...outcome } = parsed.data;
  const target = await runtime.get(idempotencyKey);
  if (!target || (target.machine !== 'pendingObject' && target.machine !== 'pendingLink')) {
    return { status: 404, body: { code: 'ACTOR_NOT_FOUND', message: `no pending object or link has the key ${JSON.stringify(idempotencyKey)}` } };
  }
  try {
    await runtime.send(idempotencyKey, { type: 'service.callback', ...outcome });
  } catch (error) {
    const failure = toHoldfastError(error);
    // A callback for an object that already finished is a repeat: accepted, nothing changes.
    if (failure.code !== 'INVALID_EVENT') return { status: 409, body: { code: failure.code, message: failure.reason } };
  }
  return { status: 202, body: { accepted: true, id: idempotencyKey } };
}
