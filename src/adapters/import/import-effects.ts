/**
 * The effects the import machines name, provided at assembly: load and plan
 * the import, read a chunk of the plan back, create objects and links with
 * the service, post the import-complete event. They read records (the plan,
 * the parents' identifiers) through their context, which may answer later,
 * and never write the store: steps do.
 */
import { stat } from 'node:fs/promises';
import { NonRetryableError } from '../../errors.js';
import type { Dependants } from '../../machines/import-unblock.machine.js';
import {
  IMPORT_RECORDS,
  type CreateLinkInput,
  type CreateObjectInput,
  type Identifiers,
  type ImportCompleted,
  type LoadResult,
  type PlanChunk,
  type PlanPart,
  type PlanPartRequest,
  type ServiceAnswer,
  type StoredPlanChunk,
} from '../../machines/import.types.js';
import { effect } from '../../runtime/effect.js';
import type { EffectContext, EffectRecords } from '../../runtime/effect-runner.js';
import { postCompletion } from './import-http.js';
import { ImportPlanner, type PlanResult } from './import-plan.js';
import { readImportFile, readText } from './import-reader.js';
import type { ImportService } from './import-service.js';
import { parseLinkTags } from './link-tags.js';
import { decodePlanChunk, type PlanChunks } from './plan-chunks.js';
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
  const planFile = async (input: { file: string; linkTags?: string | undefined }): Promise<PlanResult> => {
    const planner = new ImportPlanner();
    // One bounded list for all: the link tags' problems, the reading's, then the plan's (a line's stay in that order).
    const problems = new ProblemList();
    const linkTags = input.linkTags === undefined ? undefined : parseLinkTags(await readText(input.linkTags, 'the link-tags file'), problems).tags;
    await readImportFile(input.file, planner, ports.maxLineBytes === undefined ? {} : { maxLineBytes: ports.maxLineBytes }, problems);
    return planner.finish(linkTags, ports.chunkSize === undefined ? { problems } : { chunkSize: ports.chunkSize, problems });
  };
  /** Plans the file, and holds the plan for the parts its batch reads next; the fingerprint says which file was planned. */
  const loadPlan = async (input: { file: string; linkTags?: string | undefined }): Promise<{ result: PlanResult; fingerprint?: string }> => {
    const stamp = await fileStamp(input.file);
    const result = await planFile(input);
    if (!result.ok) return { result };
    const fingerprint = `${stamp}:${result.objects}:${result.links}:${result.plan.count}`;
    held.hold(planKey(input), fingerprint, result.plan);
    return { result, fingerprint };
  };
  const held = new HeldPlans();
  return {
    loadImport: effect<LoadResult, { file: string; linkTags?: string | undefined }>(async (input) => {
      const { result, fingerprint } = await loadPlan(input);
      return result.ok ? { ok: true, objects: result.objects, links: result.links, chunks: result.plan.count, fingerprint: fingerprint! } : result;
    }),

    /** Chunks of the plan `loadImport` made, to be stored; after a restart the file is planned again, and must be the one loaded. */
    readPlanPart: effect<PlanPart, PlanPartRequest>(async (input) => {
      let plan = held.get(planKey(input), input.fingerprint);
      if (!plan) {
        const { result, fingerprint } = await loadPlan(input);
        if (!result.ok || fingerprint !== input.fingerprint) {
          throw new NonRetryableError(`the import file ${input.file} changed while its plan was being stored: start the import again`, { code: 'IMPORT_INVALID' });
        }
        plan = result.plan;
      }
      const chunks: StoredPlanChunk[] = [];
      for (let n = input.from; n < Math.min(input.to, plan.count); n++) chunks.push(plan.chunk(n));
      if (input.to >= plan.count) held.drop(planKey(input)); // the last part: nothing reads this plan again
      return { chunks };
    }),

    /** Who waits for a parked object: its plan, made again from the import file (its own record may be unreadable). */
    findDependants: effect<Dependants, { file: string; linkTags?: string | undefined; key: string }>(async (input) => {
      const plan = await planFile(input);
      const changed = (why: string) => new NonRetryableError(`the import file ${input.file} ${why}: the objects waiting for ${input.key} cannot be found`, { code: 'IMPORT_INVALID' });
      if (!plan.ok) throw changed('no longer validates');
      for (let n = 0; n < plan.plan.count; n++) {
        for (const spawn of decodePlanChunk(plan.plan.chunk(n), `chunk ${n} of the plan made again`).spawns) {
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

/** The file's size and modification time, or '' when it cannot be read (its reading then fails, and says why). */
async function fileStamp(file: string): Promise<string> {
  return stat(file).then(
    ({ size, mtimeMs }) => `${size}:${mtimeMs}`,
    () => '',
  );
}

const planKey = (input: { file: string; linkTags?: string | undefined }) => `${input.file}\0${input.linkTags ?? ''}`;

/**
 * Plans made by `loadImport` (or made again after a restart), held until their
 * batch has stored them: a plan of 1,000,000 objects is its tables, about 200 MB,
 * where its chunks all at once were 400 MB more. At most MAX_HELD_PLANS (a batch
 * that stopped mid-way does not pin one forever); one let go is made again.
 */
class HeldPlans {
  private readonly plans = new Map<string, { fingerprint: string; plan: PlanChunks }>();

  hold(key: string, fingerprint: string, plan: PlanChunks): void {
    this.plans.delete(key);
    this.plans.set(key, { fingerprint, plan });
    for (const oldest of this.plans.keys()) {
      if (this.plans.size <= MAX_HELD_PLANS) break;
      this.plans.delete(oldest);
    }
  }

  get(key: string, fingerprint: string): PlanChunks | undefined {
    const held = this.plans.get(key);
    return held?.fingerprint === fingerprint ? held.plan : undefined;
  }

  drop(key: string): void {
    this.plans.delete(key);
  }
}
const MAX_HELD_PLANS = 4;

/** The records an effect reads: only a runtime gives them. */
function readsOf(context: EffectContext): Pick<EffectRecords, 'get' | 'iterate'> {
  if (!context.records) throw new NonRetryableError("the import's effects read its plan through the runtime: run them in a runtime", { code: 'EFFECT_FAILED' });
  return context.records;
}
