/**
 * Parses what a client sends: JSON text of one known shape, or a BAD_MESSAGE
 * error naming what is wrong. Nothing a client sends reaches the runtime
 * before it passes here (hostile JSON: `__proto__` and unknown keys refused,
 * sizes bounded). The kinds' requests are checked by their own `parse`, given
 * the message's fields once the JSON and its `ref` passed here.
 */
import { z } from 'zod';
import { HoldfastError } from '../../errors.js';
import { MAX_PAGE } from './actor-views.js';

const ref = z.union([z.string().max(64), z.number().int().safe()]).optional();
/** An actor or job id as a request names it: what the kinds' requests use too. */
export const idField = z.string().min(1).max(1_024);
const id = idField;
const offset = z.number().int().min(0).max(1e9).optional();
const limit = z.number().int().min(1).max(MAX_PAGE).optional();
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
  z.strictObject({ type: z.literal('ping'), ref }),
]);

/** The request's `ref`, if the text is an object carrying a valid one (so an error can be correlated). */
export function refOf(value: unknown): string | number | undefined {
  const candidate = (value as { ref?: unknown } | null)?.ref;
  return ref.safeParse(candidate).success ? (candidate as string | number | undefined) : undefined;
}

/** A message the inspector answers itself (not a kind's). */
export type CoreMessage = z.infer<typeof schema>;

/** The message types the inspector answers itself: no kind may register one. */
export const CORE_TYPES: ReadonlySet<string> = new Set(schema.options.map((option) => option.shape.type.value));

/** @throws BAD_MESSAGE (with `details.ref` when the request had one) */
export function parseClientMessage(text: string): CoreMessage {
  return parseCoreMessage(readMessage(text));
}

/**
 * The text as one JSON object with no hostile key.
 * @throws BAD_MESSAGE
 */
export function readMessage(text: string): Readonly<Record<string, unknown>> {
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
  return value as Record<string, unknown>;
}

/** @throws BAD_MESSAGE (with `details.ref` when the request had one) */
export function parseCoreMessage(value: Readonly<Record<string, unknown>>): CoreMessage {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const known = CORE_TYPES.has(value.type as string);
  const problem = known ? wordsOf(parsed.error) : `unknown message type ${JSON.stringify(value.type)?.slice(0, 80) ?? 'undefined'}`;
  throw badMessage(problem, value);
}

/**
 * A kind's request: its `ref` checked here, its other fields (without `type`) by the kind's `parse`.
 * @throws BAD_MESSAGE (with `details.ref` when the request had one)
 */
export function parseKindFields<P>(value: Readonly<Record<string, unknown>>, parse: (fields: Readonly<Record<string, unknown>>) => P): { ref: string | number | undefined; params: P } {
  const { type: _type, ref: given, ...fields } = value;
  const checked = ref.safeParse(given);
  if (!checked.success) throw badMessage(wordsOf(checked.error, 'ref'), value);
  try {
    return { ref: checked.data, params: parse(fields) };
  } catch (error) {
    throw badMessage(error instanceof HoldfastError ? error.reason : error instanceof Error ? error.message : String(error), value);
  }
}

/**
 * `fields` checked by a zod schema (a kind's `parse`).
 * @throws BAD_MESSAGE naming each problem by its path (`offset: at most 5000 ...`)
 */
export function parseFields<T>(schema: z.ZodType<T>, fields: unknown): T {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return parsed.data;
  throw new HoldfastError('BAD_MESSAGE', wordsOf(parsed.error));
}

function wordsOf(error: z.ZodError, ...prefix: string[]): string {
  return error.issues.map((issue) => `${[...prefix, ...issue.path.map(String)].join('.') || 'message'}: ${issue.message}`).join('; ');
}

function badMessage(problem: string, value: Readonly<Record<string, unknown>>): HoldfastError {
  const request = refOf(value);
  return new HoldfastError('BAD_MESSAGE', problem, request === undefined ? {} : { details: { ref: request } });
}
