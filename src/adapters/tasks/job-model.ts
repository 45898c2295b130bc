/**
 * The job models of openaleph-procrastinate, as zod schemas: `Job { queue,
 * task, payload }` for work bound to no dataset, and `DatasetJob { dataset,
 * queue, task, payload: { entities, context } }`, whose entities are
 * FollowTheMoney entities in their JSON form (`id`, `schema`, `properties`).
 * Invalid jobs are refused with one error naming every wrong field.
 * @example
 * const job = DatasetJob.fromEntity({ dataset: 'leaks', queue: 'index', task: 'aleph.tasks.index_proxy', entity });
 */
import { z } from 'zod';
import { HoldfastError } from '../../errors.js';
import type { AnyJobData, DatasetJobData, EntityData, JobData } from '../../machines/task.types.js';

/** A FollowTheMoney entity or fragment. */
export type Entity = EntityData;
export type Job = JobData;
export type DatasetJob = DatasetJobData;
/** A type alias for `Job | DatasetJob`, as tasks receive and return them. */
export type AnyJob = AnyJobData;

/** SHA-1 of a file's content, lower-case hex, as FollowTheMoney's `contentHash` keeps it. */
export const CONTENT_HASH = /^[0-9a-f]{40}$/;

const printable = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is longer than ${max} characters`)
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), `${what} must not contain control characters`);

/** Replaces zod's wording for a wrong type only; other issues (unknown keys) keep theirs. */
const onlyTypeError = (message: string) => (issue: { code?: string }) => (issue.code === 'invalid_type' ? message : undefined);
const listOfStrings = onlyTypeError('a property holds a list of strings');

const queueName = printable('a queue name', 100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a queue name is letters, digits, `_`, `.` and `-`');
const taskName = printable('a task name', 200).regex(/^[A-Za-z_][A-Za-z0-9_.:-]*$/, 'a task name is a dotted name such as `service.tasks.task_name`');
const datasetName = printable('a dataset name', 200);

export const entitySchema = z.looseObject({
  id: printable('an entity id', 1024),
  schema: z.string({ error: 'schema must be a string' }).regex(/^[A-Z][A-Za-z]*$/, 'schema is a FollowTheMoney schema name such as `Person` or `Document`'),
  properties: z
    .object({ contentHash: z.array(z.string().regex(CONTENT_HASH, 'a contentHash is the SHA-1 of the content: 40 lower-case hex digits'), { error: listOfStrings }).optional() }, { error: onlyTypeError('properties must be an object of property name to a list of strings') })
    .catchall(z.array(z.string({ error: 'a property value must be a string' }), { error: listOfStrings })),
});

export const jobSchema = z.strictObject(
  {
    queue: queueName,
    task: taskName,
    payload: z.record(z.string(), z.unknown(), { error: onlyTypeError('payload must be an object') }),
  },
  { error: onlyTypeError('a job is an object with `queue`, `task` and `payload`') },
);

export const datasetJobSchema = z.strictObject({
  dataset: datasetName,
  queue: queueName,
  task: taskName,
  payload: z.strictObject(
    {
      entities: z.array(entitySchema, { error: onlyTypeError('payload.entities must be a list of entities (a list even for one)') }),
      context: z.record(z.string(), z.unknown(), { error: onlyTypeError('payload.context must be an object') }).default({}),
    },
    { error: onlyTypeError('payload must be an object with `entities` and an optional `context`') },
  ),
}, { error: onlyTypeError('a dataset job is an object with `dataset`, `queue`, `task` and `payload`') });

// The schemas produce exactly the plain types the machine carries.
const _entityMatches: z.ZodType<EntityData> = entitySchema;
const _jobMatches: z.ZodType<JobData> = jobSchema;
const _datasetJobMatches: z.ZodType<DatasetJobData> = datasetJobSchema;
void [_entityMatches, _jobMatches, _datasetJobMatches];

/** What the entity constructors take besides the entities. */
export interface DatasetJobFields {
  dataset: string;
  queue: string;
  task: string;
  context?: Record<string, unknown>;
}

/** Constructors of a `Job`. */
export const Job = {
  schema: jobSchema,
  /** @throws INVALID_INPUT naming every wrong field */
  parse: (value: unknown): Job => parseWith(jobSchema, value, 'job'),
  create: (fields: Job): Job => parseWith(jobSchema, fields, 'job'),
};

/** Constructors of a `DatasetJob`, from one entity or many. */
export const DatasetJob = {
  schema: datasetJobSchema,
  /** @throws INVALID_INPUT naming every wrong field */
  parse: (value: unknown): DatasetJob => parseWith(datasetJobSchema, value, 'dataset job'),
  /** A job for one entity: its payload's `entities` is still a list. */
  fromEntity: (fields: DatasetJobFields & { entity: Entity }): DatasetJob => DatasetJob.fromEntities({ ...fields, entities: [fields.entity] }),
  /** A job for many entities (batch processing). */
  fromEntities: ({ dataset, queue, task, entities, context = {} }: DatasetJobFields & { entities: readonly Entity[] }): DatasetJob =>
    parseWith(datasetJobSchema, { dataset, queue, task, payload: { entities, context } }, 'dataset job'),
};

/** A `DatasetJob` when the value has a `dataset`, otherwise a `Job`. @throws INVALID_INPUT naming every wrong field */
export function parseJob(value: unknown): AnyJob {
  return isRecord(value) && 'dataset' in value ? DatasetJob.parse(value) : Job.parse(value);
}

export function isDatasetJob(job: AnyJob): job is DatasetJob {
  return 'dataset' in job;
}

/** Every problem of a value against a schema, one `path: message` each (empty when valid). */
export function jobProblems(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${pathOf(issue.path) || '(job)'}: ${issue.message}`);
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${pathOf(issue.path) || `(${what})`}: ${issue.message}`);
  throw new HoldfastError('INVALID_INPUT', `invalid ${what}: ${problems.join('; ')}`, { details: { problems } });
}

/** `payload.entities[0].properties.name`, as a person would write it. */
function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
