/**
 * The request bodies of the job server, as zod 4 schemas. They stay
 * JSON-Schema-representable (no transforms), so the HTTP layer can publish
 * them with `z.toJSONSchema` in its OpenAPI document.
 */
import { z } from 'zod';

/** A name of a function, script, datatype or data file: one path segment of printable characters. */
const segmentName = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is longer than ${max} characters`)
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, `${what} is letters, digits, '_', '.', '+' and '-', not starting with '.', '+' or '-'`);

export const functionNameSchema = segmentName('a function name', 200);
export const scriptNameSchema = segmentName('a script name', 255);
export const datatypeSchema = segmentName('a datatype', 100);
/** Data file names are checked for traversal by data-files.ts; the schema only bounds the length. */
export const dataFileNameSchema = z.string({ error: 'a data file name must be a string' }).min(1, 'a data file name must not be empty').max(255, 'a data file name is longer than 255 characters');

export const processSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('function'), name: functionNameSchema }),
    z.strictObject({
      kind: z.literal('file'),
      name: scriptNameSchema,
      args: z.array(z.string({ error: 'an argument must be a string' }).max(4096, 'an argument is longer than 4096 characters'), { error: 'args must be a list of strings' }).max(256, 'at most 256 arguments').optional(),
    }),
    z.strictObject({ kind: z.literal('eval'), source: z.string({ error: 'source must be a string' }).min(1, 'source must not be empty').max(1_000_000, 'source is longer than 1,000,000 characters') }),
  ],
  { error: "process is an object whose kind is 'function', 'file' or 'eval'" },
);

export const dataReferenceSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('datafile'), name: dataFileNameSchema }),
    z.strictObject({ kind: z.literal('stored'), id: z.string({ error: 'a stored data id must be a string' }).min(1).max(200) }),
    z.strictObject({ kind: z.literal('raw'), value: z.unknown() }),
  ],
  { error: "a data reference is an object whose kind is 'datafile', 'stored' or 'raw'" },
);

export const processJobRequestSchema = z.strictObject({
  process: processSchema,
  /** False (the default): after a crash mid-run the job ends `interrupted` instead of running again. */
  idempotent: z.boolean({ error: 'idempotent must be true or false' }).optional(),
  data: z.array(dataReferenceSchema, { error: 'data must be a list of data references' }).max(100, 'at most 100 data references').optional(),
  parameters: z.record(z.string(), z.unknown(), { error: 'parameters must be an object' }).optional(),
  timeoutMs: z.number({ error: 'timeoutMs must be a number' }).int('timeoutMs must be an integer').positive('timeoutMs must be positive').max(86_400_000, 'timeoutMs is at most 86,400,000 (a day)').optional(),
});

export const storedDataRequestSchema = z.strictObject({
  datatype: datatypeSchema,
  value: z.unknown(),
});

export type ProcessJobRequest = z.infer<typeof processJobRequestSchema>;
export type ProcessSpec = z.infer<typeof processSchema>;
export type DataReference = z.infer<typeof dataReferenceSchema>;
export type StoredDataRequest = z.infer<typeof storedDataRequestSchema>;
