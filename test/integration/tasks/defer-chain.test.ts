import { describe, expect, it } from 'vitest';
import { DatasetJob, Job, type AnyJob } from '../../../src/adapters/tasks/job-model.js';
import { defineTasks } from '../../../src/adapters/tasks/task-registry.js';
import { deferTaskJob, describeTaskJob } from '../../../src/adapters/tasks/task-worker.js';
import { openTaskRuntime, person, settled } from '../../helpers/tasks/task-runtime.js';
import { tempFolder } from '../../helpers/temp-store.js';

const asDataset = (job: AnyJob) => job as DatasetJob;

describe('task jobs: deferring the next stage', () => {
  it('runs a chain of three stages, each spawned by the step that completes the stage before', async () => {
    const seen: string[] = [];
    const tasks = defineTasks({
      'chain.extract': (job, { stage }) => {
        seen.push(`extract:${stage}`);
        const { dataset, payload } = asDataset(job);
        return DatasetJob.fromEntities({ dataset, queue: 'analyze', task: 'chain.analyze', entities: payload.entities, context: { from: 'extract' } });
      },
      'chain.analyze': (job, { stage }) => {
        seen.push(`analyze:${stage}`);
        const { dataset, payload } = asDataset(job);
        expect(payload.context).toEqual({ from: 'extract' });
        return DatasetJob.fromEntities({ dataset, queue: 'index', task: 'chain.index', entities: payload.entities });
      },
      'chain.index': (_job, { stage }) => void seen.push(`index:${stage}`),
    });
    const task = await openTaskRuntime(tempFolder(), { tasks, queues: { ingest: 2, analyze: 2, index: 2 } });
    try {
      const { runtime } = task;
      const first = DatasetJob.fromEntities({ dataset: 'leaks', queue: 'ingest', task: 'chain.extract', entities: [person('p1'), person('p2')] });
      const id = await deferTaskJob(runtime, first, { id: 'chain' });
      const records = [await settled(runtime, id), await settled(runtime, 'chain/next'), await settled(runtime, 'chain/next/next')];
      expect(seen).toEqual(['extract:1', 'analyze:2', 'index:3']);
      expect(records.map(describeTaskJob)).toEqual([
        expect.objectContaining({ id: 'chain', state: 'succeeded', queue: 'ingest', task: 'chain.extract', stage: 1, entities: 2, next: 'chain/next' }),
        expect.objectContaining({ id: 'chain/next', state: 'succeeded', queue: 'analyze', task: 'chain.analyze', stage: 2, next: 'chain/next/next' }),
        expect.objectContaining({ id: 'chain/next/next', state: 'succeeded', queue: 'index', task: 'chain.index', stage: 3 }),
      ]);
      expect(records[2]!.snapshot!.context).not.toHaveProperty('next', expect.anything());
      // One commit: the next stage was created at the very instant its parent completed, in the parent's tree.
      for (const [parent, child] of [[records[0]!, records[1]!], [records[1]!, records[2]!]] as const) {
        expect(child.parent).toBe(parent.id);
        expect(child.root).toBe('chain');
        expect(child.createdAt).toBe(parent.updatedAt);
        const completion = (await runtime.journal(parent.id)).find((entry) => entry.to === 'succeeded')!;
        expect(completion.event).toMatch(/^xstate\.done\.actor\.task$/);
      }
      expect(await runtime.query({ machine: 'taskJob' })).toHaveLength(3);
    } finally {
      await task.close();
    }
  });

  it("writes the bulk writer's fragments with the job's completion, and the next stage loads them merged", async () => {
    let loaded: unknown;
    const tasks = defineTasks({
      'enrich.names': (job, { writer }) => {
        const bulk = writer();
        for (const entity of asDataset(job).payload.entities) {
          bulk.add({ id: entity.id, schema: 'Person', properties: { alias: [`alias of ${entity.id}`] } });
          bulk.add({ id: entity.id, schema: 'Person', properties: { nationality: ['gb'] } });
        }
        return DatasetJob.fromEntities({ ...asDataset(job), task: 'enrich.read', entities: asDataset(job).payload.entities });
      },
      'enrich.read': async (_job, { loadEntities }) => void (loaded = await loadEntities()),
    });
    const task = await openTaskRuntime(tempFolder(), { tasks, queues: { enrich: 4 } });
    try {
      const { runtime } = task;
      const id = await deferTaskJob(runtime, DatasetJob.fromEntities({ dataset: 'leaks', queue: 'enrich', task: 'enrich.names', entities: [person('p1'), person('p2')] }));
      const done = await settled(runtime, id);
      await settled(runtime, `${id}/next`);
      expect(describeTaskJob(done).fragments).toBe(2);
      const records = (await runtime.records.scan('entities', ['leaks']));
      expect(records.map((r) => r.key)).toEqual([
        ['leaks', 'p1', id],
        ['leaks', 'p2', id],
      ]);
      expect(records[0]!.value).toEqual({ id: 'p1', schema: 'Person', properties: { alias: ['alias of p1'], nationality: ['gb'] } });
      expect(loaded).toEqual([
        { id: 'p1', schema: 'Person', properties: { alias: ['alias of p1'], nationality: ['gb'] } },
        { id: 'p2', schema: 'Person', properties: { alias: ['alias of p2'], nationality: ['gb'] } },
      ]);
    } finally {
      await task.close();
    }
  });

  it('writes nothing for an attempt that throws, and retries it under the same idempotency key', async () => {
    const keys: string[] = [];
    const tasks = defineTasks({
      'flaky.write': (_job, { writer, attempt, idempotencyKey }) => {
        keys.push(idempotencyKey);
        writer().add({ id: `attempt-${attempt}`, schema: 'Thing', properties: {} });
        if (attempt === 1) throw new Error('the first attempt fails');
        return undefined;
      },
    });
    const task = await openTaskRuntime(tempFolder(), { tasks, queues: { q: 1 }, backoffMs: 1 });
    try {
      const { runtime } = task;
      const id = await deferTaskJob(runtime, DatasetJob.fromEntity({ dataset: 'd', queue: 'q', task: 'flaky.write', entity: person('p1') }));
      expect((await settled(runtime, id)).state).toBe('succeeded');
      expect(keys).toHaveLength(2);
      expect(new Set(keys).size).toBe(1);
      expect((await runtime.records.scan('entities', ['d'])).map((r) => r.key)).toEqual([['d', 'attempt-2', id]]);
    } finally {
      await task.close();
    }
  });

  it('runs a plain job, not bound to a dataset, that defers nothing', async () => {
    let received: unknown;
    const tasks = defineTasks({ 'admin.tasks.cleanup': (job, { entities }) => void (received = [job, entities()]) });
    const task = await openTaskRuntime(tempFolder(), { tasks, queues: { default: 1 } });
    try {
      const job = Job.create({ queue: 'default', task: 'admin.tasks.cleanup', payload: { olderThanDays: 30 } });
      const record = await settled(task.runtime, await deferTaskJob(task.runtime, job));
      expect(record.state).toBe('succeeded');
      expect(received).toEqual([job, []]);
    } finally {
      await task.close();
    }
  });
});
