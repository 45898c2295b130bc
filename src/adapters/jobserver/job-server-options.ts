/** Checks job-server options at once: one INVALID_OPTIONS error naming every problem. */
import { z } from 'zod';
import { HoldfastError } from '../../errors.js';
import type { JobServerOptions } from './job-server.types.js';

const positiveInt = z.number().int().positive();
const optionsSchema = z
  .object({
    dataDir: z.string().min(1),
    scriptsDir: z.string().min(1).optional(),
    functions: z.record(z.string(), z.function()).optional(),
    datatypes: z.record(z.string(), z.function()).optional(),
    extensions: z.array(z.string().regex(/^\.[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an extension starts with a dot, such as .csv')).min(1).optional(),
    maxUploadBytes: positiveInt.optional(),
    maxOutputBytes: positiveInt.optional(),
    defaultTimeoutMs: positiveInt.max(86_400_000).optional(),
    evalMemoryMb: z.number().int().min(16).max(65_536).optional(),
    allowEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')).optional(),
    maxChildren: positiveInt.optional(),
    functionsVersion: z.string().min(1).optional(),
    allowUnsandboxedEval: z.boolean().optional(),
    evalSandbox: z.function().optional(),
  })
  .strict();

/** @throws INVALID_OPTIONS naming every problem */
export function validateJobServerOptions(options: JobServerOptions): void {
  const parsed = optionsSchema.safeParse(options);
  if (parsed.success) return;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
  throw new HoldfastError('INVALID_OPTIONS', `invalid job server options: ${problems.join('; ')}`, { details: { problems } });
}
