/**
 * The shapes a task job carries: jobs as openaleph-procrastinate defines them
 * (`Job { queue, task, payload }`, `DatasetJob { dataset, queue, task,
 * payload: { entities, context } }`), FollowTheMoney entities in their JSON
 * form, and what one run of a task hands back to its `taskJob` actor.
 * Plain types: the zod models that check them live in src/adapters/tasks.
 */

/** A FollowTheMoney entity (or fragment) in its JSON form: `id`, `schema`, `properties`. */
export interface EntityData {
  id: string;
  schema: string;
  /** Property name to its values; FollowTheMoney keeps every value as a string. */
  properties: Record<string, string[]>;
  [extra: string]: unknown;
}

/** A job not bound to a dataset (management work). */
export interface JobData {
  queue: string;
  task: string;
  payload: Record<string, unknown>;
}

/** A job bound to a dataset; its entities are always a list, even for one. */
export interface DatasetJobData {
  dataset: string;
  queue: string;
  task: string;
  payload: { entities: EntityData[]; context: Record<string, unknown> };
}

export type AnyJobData = JobData | DatasetJobData;

/** An error as a finished job keeps it. */
export interface TaskErrorJson {
  code: string;
  message: string;
}

/** What spawns a `taskJob`: the job, and its place in a defer chain (1 for the first). */
export interface TaskJobInput {
  job: AnyJobData;
  stage?: number;
}

export interface TaskJobContext {
  job: AnyJobData;
  stage: number;
  /** The next stage's actor id, once this job deferred one. */
  next?: string | undefined;
  /** Entity fragments this job wrote. */
  fragments?: number | undefined;
  error?: TaskErrorJson | undefined;
}

/** The input of one task run, as the effect receives it. */
export interface TaskRunInput {
  job: AnyJobData;
  /** The `taskJob` actor's id. */
  jobId: string;
  stage: number;
}

/** An entity fragment the bulk writer flushes, keyed `[dataset, entity id, job id]` in `entities`. */
export interface FragmentWrite {
  dataset: string;
  entity: EntityData;
}

/** What a task run hands back: the next stage's job (or null) and the fragments to write. */
export interface TaskOutcome {
  next: AnyJobData | null;
  fragments: FragmentWrite[];
}

/** The record collection of entity fragments. */
export const ENTITY_FRAGMENTS = 'entities';
