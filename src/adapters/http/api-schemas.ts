/**
 * JSON Schemas of the HTTP API: request bodies generated from the job
 * server's zod schemas (`z.toJSONSchema`, draft-07 as Fastify's Ajv reads
 * it), path parameters and query strings. Fastify validates every request
 * with them and @fastify/swagger publishes them at `/openapi.json`.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HoldfastError } from '../../errors.js';
import { processJobRequestSchema, storedDataRequestSchema } from './process-job-request.js';

type JsonSchema = Record<string, unknown>;

/** A zod schema as a draft-07 JSON Schema without its `$schema` line (Ajv compiles it inline). */
function fromZod(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as JsonSchema;
  return json;
}

export const processJobRequestJson = fromZod(processJobRequestSchema);
export const storedDataRequestJson = fromZod(storedDataRequestSchema);

/** `?token=` is allowed on every route (a browser's address); nothing else unless named. */
const tokenParameter = { token: { type: 'string', maxLength: 512 } };

export function querySchema(properties: Record<string, JsonSchema> = {}): JsonSchema {
  return { type: 'object', properties: { ...tokenParameter, ...properties }, additionalProperties: false };
}

/** One path parameter, decoded once by the router: a string of 1 to `maxLength` characters. */
export function paramsSchema(name: string, maxLength: number, description: string): JsonSchema {
  return { type: 'object', properties: { [name]: { type: 'string', minLength: 1, maxLength, description } }, required: [name], additionalProperties: false };
}

export const jobIdParams = paramsSchema('id', 300, 'a process job id, percent-encoded');
export const dataIdParams = paramsSchema('id', 300, 'a stored data id, percent-encoded');
export const batchIdParams = paramsSchema('id', 300, 'a batch job id, percent-encoded');
export const dataFileParams = paramsSchema('name', 255, 'a data file name: one file of the data folder, percent-encoded once');

/** The error every route may answer. */
export const errorJson = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] };

/**
 * After Fastify's JSON Schema check failed (routes with `attachValidation`),
 * the body's problems in zod's words, which name the field and what it should
 * be ("process is an object whose kind is 'function', 'file' or 'eval'")
 * rather than Ajv's branch-by-branch `oneOf` report. Other parts (path,
 * query) and bodies zod accepts keep Fastify's error.
 */
export function refuseInvalid(request: FastifyRequest, schema: z.ZodType): void {
  const failure = request.validationError as (Error & { validationContext?: string }) | undefined;
  if (!failure) return;
  if (failure.validationContext === 'body') {
    const parsed = schema.safeParse(request.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`);
      throw new HoldfastError('INVALID_INPUT', problems.join('; '));
    }
  }
  throw failure;
}
