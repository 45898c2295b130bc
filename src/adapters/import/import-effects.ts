/**
 * The effects the import machines name, provided at assembly: load and plan
 * the import, read a chunk of the plan back, create objects and links with
 * the service, post the import-complete event. They read records (the plan,
 * the parents' identifiers) through their context, which may answer later,
 * and never write the store: steps do.
 */
import { NonRetryableError } from '../../errors.js';
import type { Dependants } from '../../machines/import-unblock.machine.js';
import { IMPORT_RECORDS, type CreateLinkInput, type CreateObjectInput, type Identifiers, type ImportCompleted, type LoadResult, type PlanChunk, type ServiceAnswer } from '../../machines/import.types.js';
import { effect } from '../../runtime/effect.js';
import type { EffectContext, EffectRecords } from '../../runtime/effect-runner.js';
import { postCompletion } from './import-http.js';
import { ImportPlanner } from './import-plan.js';
import { readImportFile, readText } from './import-reader.js';
import type { ImportService } from './import-service.js';
import { parseLinkTags } from './link-tags.js';
import { decodePlanChunk } from './plan-chunks.js';
import { ProblemList } from './problem-list.js';

/** What the effects are given: the services to call (records they read through their context). */
export interface ImportPorts {
  /** The service a batch names: a registered in-process one, or HTTP at a URL. */
  service(name: string): ImportService;
  fetch?: typeof fetch;
  /** Spawns per plan chunk. @default 250 */
  chunkSize?: number;
  /** The longest line of a JSON Lines import. @default 16 MB */
  maxLineBytes?: number;
}

/** The effect implementations the import machines name, for `machine.provide({ actors })`. */
export function createImportEffects(ports: ImportPorts) {
  /** Validates and plans an import file, streamed into the planner, which keeps each record compactly once checked: the file is never held whole. */
  const planFile = async (input: { file: string; linkTags?: string | undefined }): Promise<LoadResult> => {
    const planner = new ImportPlanner();
    // One bounded list for all: the link tags' problems, the reading's, then the plan's (a line's stay in that order).
    const problems = new ProblemList();
    const linkTags = input.linkTags === undefined ? undefined : parseLinkTags(await readText(input.linkTags, 'the link-tags file'), problems).tags;
    await readImportFile(input.file, planner, ports.maxLineBytes === undefined ? {} : { maxLineBytes: ports.maxLineBytes }, problems);
    return planner.finish(linkTags, ports.chunkSize === undefined ? { problems } : { chunkSize: ports.chunkSize, problems });
  };
  return {
    loadImport: effect<LoadResult, { file: string; linkTags?: string | undefined }>(async (input) => planFile(input)),

    /** Who waits for a parked object: its plan, made again from the import file (its own record may be unreadable). */
    findDependants: effect<Dependants, { file: string; linkTags?: string | undefined; key: string }>(async (input) => {
      const plan = await planFile(input);
      const changed = (why: string) => new NonRetryableError(`the import file ${input.file} ${why}: the objects waiting for ${input.key} cannot be found`, { code: 'IMPORT_INVALID' });
      if (!plan.ok) throw changed('no longer validates');
      for (const [index, stored] of plan.chunks.entries()) {
        for (const spawn of decodePlanChunk(stored, `chunk ${index} of the plan made again`).spawns) {
          if (spawn.key !== input.key || spawn.machine !== 'pendingObject') continue;
          const { index: objectIndex, id, line, children, linksAsChild, linksAsParent } = spawn.input;
          return { index: objectIndex, id, line, children, linksAsChild, linksAsParent };
        }
      }
      throw changed(`plans no object ${input.key}`);
    }),

    readPlanChunk: effect<PlanChunk, { batch: string; chunk: number }>(async (input, context) => {
      const what = `chunk ${input.chunk} of import ${input.batch}'s plan`;
      const chunk = await readsOf(context).get<unknown>(IMPORT_RECORDS.plan, [input.batch, input.chunk]);
      if (chunk === undefined || chunk === null) throw new NonRetryableError(`${what} is missing`, { code: 'RECORD_CORRUPT' });
      return decodePlanChunk(chunk, what);
    }),

    createObject: effect<ServiceAnswer, CreateObjectInput>(async (input, context) => {
      const parents: { linkTag: string; identifiers: Identifiers }[] = [];
      const scan = readsOf(context).iterate<{ linkTag: string; identifiers: Identifiers }>(IMPORT_RECORDS.parents, [input.batch, input.index]);
      // A store that answers at once is read in this tick: `for await` over it cost a promise per parent and one more per object.
      if (Symbol.iterator in scan) for (const { value } of scan) parents.push(value);
      else for await (const { value } of scan) parents.push(value);
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

/** The records an effect reads: only a runtime gives them. */
function readsOf(context: EffectContext): Pick<EffectRecords, 'get' | 'iterate'> {
  if (!context.records) throw new NonRetryableError("the import's effects read its plan through the runtime: run them in a runtime", { code: 'EFFECT_FAILED' });
  return context.records;
}
