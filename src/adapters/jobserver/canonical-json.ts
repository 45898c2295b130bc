/** Request parsing with one error naming every problem, and hashes of JSON values that do not depend on key order. */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { HoldfastError } from '../../errors.js';

/** JSON with object keys sorted at every level: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  }) ?? 'null';
}

export function canonicalHash(value: unknown): { sha256: string; bytes: number } {
  const text = canonicalJson(value);
  return { sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) };
}

export function sha256Of(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** @throws INVALID_INPUT naming every wrong field as `path: message` */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || `(${what})`}: ${issue.message}`);
  throw new HoldfastError('INVALID_INPUT', `invalid ${what}: ${problems.join('; ')}`, { details: { problems } });
}
