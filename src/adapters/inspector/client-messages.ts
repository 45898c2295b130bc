/**
 * Parses what a client sends: JSON text of one known shape, or a BAD_MESSAGE
 * error naming what is wrong. Nothing a client sends reaches the runtime
 * before it passes here (hostile JSON: `__proto__` and unknown keys refused,
 * sizes bounded).
 */
import { z } from 'zod';
import { HoldfastError } from '../../errors.js';
import type { ClientMessage } from './inspector-protocol.js';
import { MAX_PAGE } from './actor-views.js';
import { MAX_EXCEPTIONS_OFFSET, MAX_EXCEPTIONS_PAGE } from './batch-views.js';

const ref = z.union([z.string().max(64), z.number().int().safe()]).optional();
const id = z.string().min(1).max(1_024);
const offset = z.number().int().min(0).max(1e9).optional();
const limit = z.number().int().min(1).max(MAX_PAGE).optional();
/** Any JSON value, required (a missing key is refused, not read as undefined). */
const json = z.custom<unknown>((value) => value !== undefined, 'a value (any JSON) is needed');

const schema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('jobs'), ref, offset, limit }),
  z.strictObject({ type: z.literal('children'), ref, id, offset, limit }),
  z.strictObject({ type: z.literal('actor'), ref, id }),
  z.strictObject({ type: z.literal('jobStats'), ref, id: id.nullable() }),
  z.strictObject({ type: z.literal('journal'), ref, id, beforeSeq: z.number().int().min(0).optional(), limit }),
  z.strictObject({ type: z.literal('journalEntry'), ref, id, seq: z.number().int().min(0) }),
  z.strictObject({ type: z.literal('subscribe'), ref, id, scope: z.enum(['actor', 'subtree']) }),
  z.strictObject({ type: z.literal('unsubscribe'), ref, id }),
  z.strictObject({ type: z.literal('pause'), ref, id }),
  z.strictObject({ type: z.literal('unpause'), ref, id }),
  z.strictObject({ type: z.literal('retry'), ref, id }),
  z.strictObject({ type: z.literal('dagStats'), ref, id: id.nullable() }),
  z
    .strictObject({
      type: z.literal('exceptions'),
      ref,
      id,
      offset,
      limit: z.number().int().min(1).max(MAX_EXCEPTIONS_PAGE).optional(),
      open: z.boolean().optional(),
      // The last item id of the page before; `offset` is then only shown, so it may be deep.
      after: id.optional(),
    })
    .refine((message) => message.after !== undefined || (message.offset ?? 0) <= MAX_EXCEPTIONS_OFFSET, {
      path: ['offset'],
      message: `at most ${MAX_EXCEPTIONS_OFFSET} without \`after\` (deeper pages: pass the last item id of the page before as \`after\`)`,
    }),
  z.strictObject({ type: z.literal('resolve'), ref, id, item: z.string().min(1).max(1_024), value: json }),
  z.strictObject({ type: z.literal('reprocess'), ref, id }),
  z.strictObject({ type: z.literal('ping'), ref }),
]);

/** The request's `ref`, if the text is an object carrying a valid one (so an error can be correlated). */
export function refOf(value: unknown): string | number | undefined {
  const candidate = (value as { ref?: unknown } | null)?.ref;
  return ref.safeParse(candidate).success ? (candidate as string | number | undefined) : undefined;
}

/** @throws BAD_MESSAGE (with `details.ref` when the request had one) */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  let hostile = false;
  try {
    value = JSON.parse(text, (key, item: unknown) => {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') hostile = true;
      return item;
    });
  } catch {
    throw new HoldfastError('BAD_MESSAGE', 'a message is one JSON object; this one is not JSON');
  }
  if (hostile) throw new HoldfastError('BAD_MESSAGE', 'keys `__proto__`, `constructor` and `prototype` are refused');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HoldfastError('BAD_MESSAGE', 'a message is one JSON object with a string `type`');
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as ClientMessage;
  const type = (value as { type?: unknown }).type;
  const known = schema.options.some((option) => option.shape.type.value === type);
  const problem = known
    ? parsed.error.issues.map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`).join('; ')
    : `unknown message type ${JSON.stringify(type)?.slice(0, 80) ?? 'undefined'}`;
  const request = refOf(value);
  throw new HoldfastError('BAD_MESSAGE', problem, request === undefined ? {} : { details: { ref: request } });
}
