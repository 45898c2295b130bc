/**
 * The keyed records a job leaves besides its actors, per machine, so deleting
 * a top job takes them too (batch jobs clean their own, src/batch). Each
 * machine's entry finds its records from the job's actors as they were before
 * the delete, by keyed gets and prefix scans done after it: a step that was
 * committing when the delete came has landed by then, so its records are seen.
 * Records of a dataset rather than of a job stay (`loaded`: what a folder
 * already put into a dataset, so a later load skips it).
 * @example
 * const { records, actors } = await deleteJobWithRecords(runtime, 'load-1');
 */
import { DATALOAD_MACHINE } from '../machines/dataload.machine.js';
import { IMPORT_BATCH_MACHINE, IMPORT_RECORDS } from '../machines/import.types.js';
import { PROCESS_JOB_MACHINE } from '../machines/process-job.machine.js';
import { PROCESS_GROUPS, PROCESS_JOB_OWNERS, PROCESS_OUTPUTS, PROCESS_STARTS, type ProcessJobContext } from '../machines/process-job.types.js';
import { TASK_JOB_MACHINE } from '../machines/task-job.machine.js';
import { ENTITY_FRAGMENTS } from '../machines/task.types.js';
import { WATCH_MACHINE } from '../machines/watch.machine.js';
import type { ActorRecord, RecordKey, Store } from '../persistence/store.js';
import type { Runtime } from '../runtime/runtime.js';

export interface RecordRef {
  collection: string;
  key: RecordKey;
}

type RecordReader = Pick<Store, 'getRecord' | 'scanRecords'>;

/** What the lists need of an actor: kept in the delete marker, so a delete cut short can be finished without the actors. */
export interface JobActor {
  id: string;
  machine: string;
  /** A process job's owner (its `processJobOwners` key). */
  owner?: string;
}

/** The records that the given actors (all of one machine, all of one job) left. */
export type JobRecordsOf = (actors: readonly JobActor[], store: RecordReader) => RecordRef[];

/** Deletes under way, by job id: written before the actors go, removed with the last records. */
export const DELETING_JOBS = 'deletingJobs';

/** The collections a watch keeps under its id: files taken, files per batch, files refused. */
export const WATCH_COLLECTIONS = ['watch.taken', 'watch.batch', 'watch.refused'] as const;

const scanned = (store: RecordReader, collection: string, prefix: RecordKey): RecordRef[] => [...store.scanRecords(collection, prefix)].map(({ key }) => ({ collection, key: key as RecordKey }));
const kept = (store: RecordReader, collection: string, key: RecordKey): RecordRef[] => (store.getRecord(collection, key) !== undefined ? [{ collection, key }] : []);
/** The metadata `holdfast ingest --metadata` (or the owner's putMetadata) kept under a job's id. */
const metadataOf = (store: RecordReader, id: string) => kept(store, 'metadata', id);

/** Per machine, the records its actors leave. A machine not listed leaves none outside its actors. */
export const JOB_RECORDS: Readonly<Record<string, JobRecordsOf>> = {
  [DATALOAD_MACHINE]: (actors, store) => actors.flatMap(({ id }) => [...scanned(store, 'entries', [id]), ...kept(store, 'registrations', id), ...metadataOf(store, id)]),
  [WATCH_MACHINE]: (actors, store) => actors.flatMap(({ id }) => [...WATCH_COLLECTIONS.flatMap((collection) => scanned(store, collection, [id])), ...metadataOf(store, id)]),
  [PROCESS_JOB_MACHINE]: (actors, store) => {
    const ids = new Set<string>(actors.map(({ id }) => String(id)));
    // Groups are removed when their child exits; one left by a killed owner names its job.
    const groups = [...store.scanRecords<{ jobId?: string }>(PROCESS_GROUPS)].filter(({ value }) => ids.has(value?.jobId ?? '')).map(({ key }) => ({ collection: PROCESS_GROUPS, key: key as RecordKey }));
    return [
      ...actors.flatMap((actor) => [
        ...(actor.owner !== undefined ? kept(store, PROCESS_JOB_OWNERS, [actor.owner, actor.id]) : []),
        ...kept(store, PROCESS_OUTPUTS, actor.id),
        ...scanned(store, PROCESS_STARTS, [actor.id]),
      ]),
      ...groups,
    ];
  },
  // An import's plan chunks, problems and parents' identifiers are all keyed by its batch id first.
  [IMPORT_BATCH_MACHINE]: (actors, store) =>
    actors.flatMap(({ id }) => [...scanned(store, IMPORT_RECORDS.plan, [id]), ...kept(store, IMPORT_RECORDS.problems, id), ...scanned(store, IMPORT_RECORDS.parents, [id])]),
  // Entity fragments are keyed [dataset, entity, stage actor]: the whole collection is read to find a job's.
  [TASK_JOB_MACHINE]: (actors, store) => {
    const ids = new Set<string>(actors.map(({ id }) => String(id)));
    return [...store.scanRecords(ENTITY_FRAGMENTS)].filter(({ key }) => Array.isArray(key) && ids.has(String(key[2]))).map(({ key }) => ({ collection: ENTITY_FRAGMENTS, key: key as RecordKey }));
  },
};

/** Every record the given actors of one job left, by the machines' lists. */
export function recordsOfJob(actors: readonly JobActor[], store: RecordReader, lists: Readonly<Record<string, JobRecordsOf>> = JOB_RECORDS): RecordRef[] {
  const byMachine = new Map<string, JobActor[]>();
  for (const actor of actors) byMachine.set(actor.machine, [...(byMachine.get(actor.machine) ?? []), actor]);
  const refs: RecordRef[] = [];
  for (const [machine, ofMachine] of byMachine) {
    const list = Object.hasOwn(lists, machine) ? lists[machine] : undefined;
    if (list) refs.push(...list(ofMachine, store));
  }
  return refs;
}

/** The actors of a job whose machines leave records, as the lists need them. */
function jobActors(actors: readonly ActorRecord[], lists: Readonly<Record<string, JobRecordsOf>>): JobActor[] {
  return actors
    .filter((actor) => Object.hasOwn(lists, actor.machine))
    .map((actor) => {
      const owner = actor.machine === PROCESS_JOB_MACHINE ? (actor.snapshot?.context as Partial<ProcessJobContext> | undefined)?.owner : undefined;
      return { id: String(actor.id), machine: actor.machine, ...(typeof owner === 'string' ? { owner } : {}) };
    });
}

/**
 * What deleting a job does outside the store (a data load's copies in the file
 * store): planned before its actors go, carried out after them, and carried out
 * again by `finishDeletes` from the plan kept in the delete marker if a kill
 * came in between. `finish` must be safe to repeat.
 */
export interface JobCleanup {
  /** The plan for a job's actors, JSON-safe (undefined: nothing to do). Throws to refuse the delete; nothing is deleted then. */
  plan(job: string, actors: readonly ActorRecord[], store: RecordReader): Promise<unknown>;
  /** Carries out a plan; what it returns is added to the delete's answer. */
  finish(plan: unknown): Promise<Record<string, unknown>>;
}

/** Mutations per transaction when removing a job's records: bounds one transaction's size. */
const CHUNK = 5_000;

type Deleting = Pick<Runtime, 'get' | 'query' | 'delete' | 'store' | 'isPaused'>;

/** Removes the records of `actors`, the marker last (with the last chunk): a kill in between leaves the marker to finish from. */
async function removeRecords(store: Store, job: string, actors: readonly JobActor[], lists: Readonly<Record<string, JobRecordsOf>>): Promise<number> {
  const mutations = recordsOfJob(actors, store, lists).map(({ collection, key }) => ({ op: 'deleteRecord' as const, collection, key }));
  const all = [...mutations, { op: 'deleteRecord' as const, collection: DELETING_JOBS, key: job }];
  for (let at = 0; at < all.length; at += CHUNK) await store.commit(all.slice(at, at + CHUNK), 'flush');
  return mutations.length;
}

/**
 * Deletes a top job (runtime.delete: its actors, journals, messages, timers), then every record its actors left.
 * Actors first: records written by a step still committing land before the delete and are found after it.
 * A marker kept meanwhile lets `finishDeletes` complete a delete that a kill cut short.
 * @throws ACTOR_NOT_FOUND, INVALID_INPUT (not a top job), JOB_RUNNING (as runtime.delete)
 */
export async function deleteJobWithRecords(
  runtime: Deleting,
  id: string,
  lists: Readonly<Record<string, JobRecordsOf>> = JOB_RECORDS,
  cleanup?: JobCleanup,
): Promise<{ records: number; actors: number } & Record<string, unknown>> {
  const job = runtime.get(id);
  const actors = job && job.root === job.id ? runtime.query({ root: job.id }) : [];
  const listed = jobActors(actors, lists);
  // A running job is refused by runtime.delete below (JOB_RUNNING): nothing to plan, nobody to ask first.
  const running = actors.some((actor) => actor.status === 'active') && !runtime.isPaused(id);
  const plan = cleanup && actors.length > 0 && !running ? await cleanup.plan(id, actors, runtime.store) : undefined;
  const marked = listed.length > 0 || plan !== undefined;
  if (marked) await runtime.store.commit([{ op: 'putRecord', collection: DELETING_JOBS, key: id, value: { at: Date.now(), actors: listed, ...(plan !== undefined ? { cleanup: plan } : {}) } }], 'flush');
  try {
    await runtime.delete(id);
  } catch (error) {
    if (marked) await runtime.store.commit([{ op: 'deleteRecord', collection: DELETING_JOBS, key: id }], 'flush');
    throw error;
  }
  // After the actors (their effects are cancelled with them), before the records: a kill in between leaves the plan in the marker.
  const outside = plan !== undefined && cleanup ? await cleanup.finish(plan) : {};
  return { ...outside, records: await removeRecords(runtime.store, id, listed, lists), actors: actors.length };
}

/** Finishes deletes a kill cut short (their markers); a marker whose job still exists is dropped (its delete never happened). Resolves with how many were finished. */
export async function finishDeletes(runtime: Pick<Runtime, 'get' | 'store'>, lists: Readonly<Record<string, JobRecordsOf>> = JOB_RECORDS, cleanup?: JobCleanup): Promise<number> {
  let finished = 0;
  for (const { key, value } of [...runtime.store.scanRecords<{ actors: JobActor[]; cleanup?: unknown }>(DELETING_JOBS)]) {
    const job = String(key);
    if (runtime.get(job) !== undefined) await runtime.store.commit([{ op: 'deleteRecord', collection: DELETING_JOBS, key: job }], 'flush');
    else {
      if (value.cleanup !== undefined && cleanup) await cleanup.finish(value.cleanup);
      await removeRecords(runtime.store, job, value.actors, lists);
      finished++;
    }
  }
  return finished;
}
