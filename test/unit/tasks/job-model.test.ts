import { describe, expect, it } from 'vitest';
import { DatasetJob, Job, isDatasetJob, parseJob } from '../../../src/adapters/tasks/job-model.js';
import { defineTasks } from '../../../src/adapters/tasks/task-registry.js';
import { HoldfastError } from '../../../src/errors.js';

const entity = { id: 'p1', schema: 'Person', properties: { name: ['Ada Lovelace'] }, datasets: ['leaks'] };
const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HoldfastError);
    expect((error as HoldfastError).code).toBe('INVALID_INPUT');
    return (error as HoldfastError).details?.problems as string[];
  }
  throw new Error('expected the job to be refused');
};

describe('Job', () => {
  it('accepts a queue, a task and an object payload', () => {
    const job = Job.create({ queue: 'default', task: 'service.tasks.cleanup', payload: { older_than: 30 } });
    expect(job).toEqual({ queue: 'default', task: 'service.tasks.cleanup', payload: { older_than: 30 } });
    expect(isDatasetJob(job)).toBe(false);
  });

  it('refuses a bad job naming every wrong field at once', () => {
    const problems = problemsOf(() => Job.parse({ queue: '', task: 3, payload: [], queeu: 'x' }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^queue: a queue name must not be empty/),
        expect.stringMatching(/^task: a task name must be a string/),
        expect.stringMatching(/^payload: payload must be an object/),
        expect.stringMatching(/Unrecognized key: "queeu"/),
      ]),
    );
  });

  it('refuses what is not an object', () => {
    expect(problemsOf(() => parseJob('index'))).toEqual(['(job): a job is an object with `queue`, `task` and `payload`']);
    expect(problemsOf(() => parseJob(null))).toHaveLength(1);
  });
});

describe('DatasetJob', () => {
  it('builds a job for one entity whose entities are still a list', () => {
    const job = DatasetJob.fromEntity({ dataset: 'leaks', queue: 'index', task: 'aleph.tasks.index_proxy', entity });
    expect(job).toEqual({ dataset: 'leaks', queue: 'index', task: 'aleph.tasks.index_proxy', payload: { entities: [entity], context: {} } });
    expect(isDatasetJob(job)).toBe(true);
  });

  it('builds a job for many entities, keeping their extra FollowTheMoney fields, with a context', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ ...entity, id: `p${i}`, caption: `P${i}` }));
    const job = DatasetJob.fromEntities({ dataset: 'leaks', queue: 'index', task: 'aleph.tasks.index_proxy', entities: many, context: { batch: 7 } });
    expect(job.payload.entities).toHaveLength(50);
    expect(job.payload.entities[49]).toMatchObject({ id: 'p49', caption: 'P49', datasets: ['leaks'] });
    expect(job.payload.context).toEqual({ batch: 7 });
  });

  it('is what parseJob makes of a value with a dataset', () => {
    const parsed = parseJob({ dataset: 'leaks', queue: 'index', task: 'a.b', payload: { entities: [entity] } });
    expect(isDatasetJob(parsed) && parsed.payload.context).toEqual({});
  });

  it('refuses bad entities field by field, with their index', () => {
    const problems = problemsOf(() =>
      DatasetJob.fromEntities({
        dataset: 'leaks',
        queue: 'ingest',
        task: 'ingestors.tasks.ingest',
        entities: [entity, { id: '', schema: 'person', properties: { name: 'Ada', contentHash: ['not-a-sha1'] } } as never],
      }),
    );
    expect(problems).toEqual([
      'payload.entities[1].id: an entity id must not be empty',
      'payload.entities[1].schema: schema is a FollowTheMoney schema name such as `Person` or `Document`',
      'payload.entities[1].properties.contentHash[0]: a contentHash is the SHA-1 of the content: 40 lower-case hex digits',
      'payload.entities[1].properties.name: a property holds a list of strings',
    ]);
  });

  it('refuses a payload that is not { entities, context }', () => {
    expect(problemsOf(() => DatasetJob.parse({ dataset: 'd', queue: 'q', task: 't', payload: { entities: entity } }))).toEqual([
      'payload.entities: payload.entities must be a list of entities (a list even for one)',
    ]);
    expect(problemsOf(() => DatasetJob.parse({ dataset: 'd', queue: 'q', task: 't', payload: { entities: [], extra: 1 } }))).toEqual(['payload: Unrecognized key: "extra"']);
    expect(problemsOf(() => DatasetJob.parse({ dataset: '', queue: 'q', task: 't', payload: { entities: [] } }))).toEqual(['dataset: a dataset name must not be empty']);
  });
});

describe('defineTasks', () => {
  const tasks = defineTasks({ 'svc.tasks.a': () => undefined, 'svc.tasks.b': () => undefined });

  it('resolves a task by name', () => {
    expect(tasks.has('svc.tasks.a')).toBe(true);
    expect(typeof tasks.get('svc.tasks.b')).toBe('function');
  });

  it('refuses an unknown task with a clear, non-retryable error naming the known ones', () => {
    expect(() => tasks.get('svc.tasks.nope')).toThrow('[UNKNOWN_TASK] no task named "svc.tasks.nope" is registered (known: svc.tasks.a, svc.tasks.b)');
    expect(() => tasks.get('svc.tasks.nope')).toThrow(expect.objectContaining({ name: 'NonRetryableError', code: 'UNKNOWN_TASK' }));
  });

  it('refuses task names a job could never carry', () => {
    expect(() => defineTasks({ 'has space': () => undefined, '': () => undefined })).toThrow(/INVALID_OPTIONS.*"has space", ""/);
  });
});
