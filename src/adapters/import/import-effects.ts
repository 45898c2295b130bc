/**
 * The effects the import machines name, provided at assembly: load and plan
 * the import, read a chunk of the plan back, create objects and links with
 * the service, post the import-complete event. They read records (the plan,
 * the parents' identifiers) and never write the store: steps do.
 */
import { readFile } from 'node:fs/promises';
import { NonRetryableError } from '../../errors.js';
import { IMPORT_RECORDS, type CreateLinkInput, type CreateObjectInput, type Identifiers, type ImportCompleted, type LoadResult, type PlanChunk, type ServiceAnswer } from '../../machines/import.types.js';
import { effect } from '../../runtime/effect.js';
import { parseImportText } from './import-file.js';
import { postCompletion } from './import-http.js';
import { planImport } from './import-plan.js';
import type { ImportService } from './import-service.js';
import { parseLinkTags } from './link-tags.js';

/** Read access to the records that steps wrote. */
export interface RecordsReader {
  getRecord<T>(collection: string, key: string | (string | number)[]): T | undefined;
  scanRecords<T>(collection: string, prefix?: string | (string | number)[]): Iterable<{ key: unknown; value: T }>;
}

/** What the effects are given: records to read, and the services to call. */
export interface ImportPorts {
  records: RecordsReader;
  /** The service a batch names: a registered in-process one, or HTTP at a URL. */
  service(name: string): ImportService;
  fetch?: typeof fetch;
  /** Spawns per plan chunk. @default 250 */
  chunkSize?: number;
}

/** The effect implementations the import machines name, for `machine.provide({ actors })`. */
export function createImportEffects(ports: ImportPorts) {
  return {
    loadImport: effect<LoadResult, { file: string; linkTags?: string | undefined }>(async (input) => {
      const text = await readSource(input.file, 'the import file');
      const parsed = parseImportText(text);
      const linkTags = input.linkTags === undefined ? undefined : parseLinkTags(await readSource(input.linkTags, 'the link-tags file'));
      const problems = [...(linkTags?.problems ?? []), ...parsed.problems];
      const plan = planImport(parsed.records, linkTags?.tags, ports.chunkSize === undefined ? {} : { chunkSize: ports.chunkSize });
      if (problems.length === 0) return plan;
      return { ok: false, problems: [...problems, ...(plan.ok ? [] : plan.problems)].sort((a, b) => a.line - b.line) };
    }),

    readPlanChunk: effect<PlanChunk, { batch: string; chunk: number }>(async (input) => {
      const chunk = ports.records.getRecord<PlanChunk>(IMPORT_RECORDS.plan, [input.batch, input.chunk]);
      if (!chunk) throw new NonRetryableError(`chunk ${input.chunk} of import ${input.batch}'s plan is missing`, { code: 'RECORD_CORRUPT' });
      return chunk;
    }),

    createObject: effect<ServiceAnswer, CreateObjectInput>(async (input, context) => {
      const parents = [...ports.records.scanRecords<{ linkTag: string; identifiers: Identifiers }>(IMPORT_RECORDS.parents, [input.batch, input.index])].map((r) => r.value);
      const request = { idempotencyKey: input.key, type: input.type, data: input.data, parents };
      return ports.service(input.service).createObject(request, { signal: context.signal, attempt: context.attempt });
    }),

    createLink: effect<ServiceAnswer, CreateLinkInput>(async (input, context) => {
      const request = { idempotencyKey: input.key, linkTag: input.linkTag, child: input.child, parent: input.parent };
      return ports.service(input.service).createLink(request, { signal: context.signal, attempt: context.attempt });
    }),

    postCompletion: effect<{ status: number }, { key: string; url: string; event: ImportCompleted }>(async (input, context) =>
      postCompletion(input.url, { idempotencyKey: input.key, ...input.event }, context.signal, ports.fetch),
    ),
  };
}

async function readSource(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'SOURCE_MISSING' : 'SOURCE_UNREADABLE';
    throw new NonRetryableError(`${what} ${path} cannot be read: ${(cause as Error).message}`, { code, cause });
  }
}

