/**
 * `holdfast delete ID` of a data load (or of a watch, with its batches): the
 * copies the load made that Dataverse does not hold go with it. Which copies:
 * those whose storage identifiers its records name (entries, and the datafiles'
 * prepared files), never another file. Dataverse is asked first; when it cannot
 * be, the delete is refused with nothing deleted, unless the person asks to keep
 * the copies (`--keep-copies`).
 */
import type { DataverseClient } from '../adapters/dataverse/dataverse-client.js';
import { SECRETS } from '../adapters/dataload/dataload-effects.js';
import { distinctCopies, planCopiesCleanup, removeCopies, type CopiesPlan, type NamedCopy } from '../adapters/dataload/load-copies.js';
import { HoldfastError } from '../errors.js';
import { DATAFILE_MACHINE, type DataFileContext } from '../machines/datafile.machine.js';
import { DATALOAD_MACHINE, type DataLoadContext } from '../machines/dataload.machine.js';
import type { CopiedEntry, CopiesReport, RegistrationResult } from '../machines/dataload.types.js';
import type { ActorRecord } from '../runtime/actor-types.js';
import type { DeleteCleanup, DeleteOutcome, RecordReader } from '../runtime/job-delete.js';
import type { Runtime } from '../runtime/runtime.js';
import { WAITING_STATES } from './load-follow.js';

export interface LoadDeleteOptions {
  /** Delete the job even when Dataverse cannot be asked; its copies then all stay. @default false */
  keepCopies?: boolean;
}

/** Options of `Holdfast.deleteJob`. */
export interface DeleteOptions extends LoadDeleteOptions {
  /** A Dataverse token, kept for the job's loads' installations before they are asked. */
  token?: string;
}

/** What a delete removed: records, actors, and for a data load its copies (removed and kept, per load). */
export type DeleteResult = DeleteOutcome & {
  copies?: (CopiesReport & { load: string })[];
};

/** What {@link deleteJobWithLoads} needs of the assembly. */
export interface LoadDeletePorts {
  keepToken: (dataverseUrl: string, token: string) => Promise<void>;
}

/**
 * Deletes a top job with its records and its loads' copies that Dataverse does
 * not hold. A load that waits on a person (`registrationFailed`, `blocked`) runs
 * nothing, so it is paused for the delete rather than refused with JOB_RUNNING;
 * unpaused again if the delete is refused.
 * @throws ACTOR_NOT_FOUND, INVALID_INPUT, JOB_RUNNING; COPIES_UNCONFIRMED (nothing deleted)
 */
export async function deleteJobWithLoads(runtime: Runtime, id: string, ports: LoadDeletePorts, options: DeleteOptions = {}): Promise<DeleteResult> {
  const job = await runtime.get(id);
  const actors = job && job.root === job.id ? await runtime.query({ root: job.id }) : [];
  if (options.token !== undefined) for (const url of loadDataverseUrls(actors)) await ports.keepToken(url, options.token);
  const waiting = job?.machine === DATALOAD_MACHINE && job.status === 'active' && WAITING_STATES.has(job.state) && !(await runtime.isPaused(id));
  if (waiting) await runtime.pause(id);
  try {
    return (await runtime.delete(id, { keepCopies: options.keepCopies === true })) as DeleteResult;
  } catch (error) {
    if (waiting && (await runtime.get(id)) !== undefined) await runtime.unpause(id);
    throw error;
  }
}

/** Per load of the job, the plan kept in the delete marker. */
type LoadPlans = { load: string; plan: CopiesPlan }[];

/**
 * The data load machine's `onDelete` (the runtime runs it for a job holding data loads):
 * plans which copies go, asking Dataverse, refused with COPIES_UNCONFIRMED unless the
 * delete's options say `keepCopies`; removes them after the actors went.
 */
export function loadCopiesCleanup(dataverse: (baseUrl: string, token: string) => DataverseClient): DeleteCleanup {
  return {
    async plan(job, actors, store, options: LoadDeleteOptions) {
      const plans: LoadPlans = [];
      for (const load of actors.filter((actor) => actor.machine === DATALOAD_MACHINE)) {
        const context = load.snapshot?.context as DataLoadContext | undefined;
        if (!context?.folder) continue; // never located: it made no copy
        const copies = distinctCopies(await namedCopies(load, actors, store));
        if (copies.length === 0) continue;
        // A registration under way when the job was paused may still land at Dataverse after any listing: keep them all.
        if (load.state === 'registering') {
          const folder = { filesDir: context.filesDir, folder: context.folder };
          plans.push({ load: load.id, plan: { ...folder, remove: [], kept: copies.map((copy) => ({ storageIdentifier: copy.storageIdentifier, reason: 'a registration was under way when the load was deleted: Dataverse may hold it yet' })) } });
          continue;
        }
        // The token the store keeps for the installation, read before Dataverse is asked.
        const token = context.dataverseUrl !== undefined ? (await store.get<{ token: string }>(SECRETS, context.dataverseUrl))?.token : undefined;
        const client = (baseUrl: string) => dataverse(baseUrl, token ?? '');
        const plan = await planCopiesCleanup({ dataset: context.dataset, dataverseUrl: context.dataverseUrl, filesDir: context.filesDir, folder: context.folder, copies }, client);
        plans.push({ load: load.id, plan });
      }
      const unconfirmed = plans.filter(({ plan }) => plan.unconfirmed !== undefined);
      if (unconfirmed.length > 0 && !options.keepCopies) throw refusal(job, actors, unconfirmed);
      return plans.length > 0 ? plans : undefined;
    },
    async finish(plans) {
      const copies: (CopiesReport & { load: string })[] = [];
      for (const { load, plan } of plans as LoadPlans) copies.push({ load, ...(await removeCopies(plan)) });
      return { copies };
    },
  };
}

/** The Dataverse installations a job's loads register with: a token given to `delete` is kept for each. */
export function loadDataverseUrls(actors: readonly ActorRecord[]): string[] {
  const urls = actors.filter((actor) => actor.machine === DATALOAD_MACHINE).map((actor) => (actor.snapshot?.context as DataLoadContext | undefined)?.dataverseUrl);
  return [...new Set(urls.filter((url): url is string => typeof url === 'string'))];
}

/** Every copy a load's records name, with the file id its records give it when registered. */
async function namedCopies(load: ActorRecord, actors: readonly ActorRecord[], store: RecordReader): Promise<NamedCopy[]> {
  const fileIds = new Map<string, number>();
  for (const result of (await store.get<RegistrationResult[]>('registrations', load.id)) ?? []) if (result.ok) fileIds.set(result.key, result.fileId);
  const copies: NamedCopy[] = [];
  for await (const { value } of store.scan<CopiedEntry>('entries', [load.id])) {
    const fileId = fileIds.get(value.key);
    copies.push({ storageIdentifier: value.storageIdentifier, size: value.size, ...(fileId !== undefined ? { fileId } : {}) });
  }
  for (const file of actors.filter((actor) => actor.parent === load.id && actor.machine === DATAFILE_MACHINE)) {
    const context = file.snapshot?.context as DataFileContext | undefined;
    if (!context?.prepared) continue;
    const fileId = context.fileId ?? fileIds.get(context.key);
    copies.push({ storageIdentifier: context.prepared.storageIdentifier, size: context.prepared.size, ...(fileId !== undefined ? { fileId } : {}) });
  }
  return copies;
}

function refusal(job: string, actors: readonly ActorRecord[], unconfirmed: LoadPlans): HoldfastError {
  const first = unconfirmed[0]!.plan;
  const kept = unconfirmed.flatMap(({ plan }) => plan.kept.map((copy) => `${plan.folder.authority}/${plan.folder.identifier}/${copy.storageIdentifier}`));
  const urls = loadDataverseUrls(actors.filter((actor) => unconfirmed.some(({ load }) => load === actor.id)));
  return new HoldfastError(
    'COPIES_UNCONFIRMED',
    `job ${job} was not deleted: Dataverse ${urls.join(', ')} could not be asked which of the load's ${kept.length} copies it holds ` +
      `(${first.unconfirmed!.code}: ${first.unconfirmed!.message}); they stay in ${first.filesDir}: ${kept.slice(0, 10).join(', ')}${kept.length > 10 ? ', …' : ''}. ` +
      `Run \`holdfast delete ${job} --token-file FILE\` once Dataverse answers, or \`holdfast delete ${job} --keep-copies\` to delete the job and keep every copy`,
    { details: { id: job, urls, copies: kept, code: first.unconfirmed!.code } },
  );
}
