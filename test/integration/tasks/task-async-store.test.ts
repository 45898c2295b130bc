/**
 * Task jobs over a store whose reads are asynchronous (issues 18, 19): `loadEntities` reads the
 * fragments earlier stages wrote through the effect's context, so it runs over a store without `sync`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetJob, type AnyJob } from '../../../src/adapters/tasks/job-model.js';
import { defineTasks } from '../../../src/adapters/tasks/task-registry.js';
import { deferTaskJob, taskJobMachines, taskQueueLimits, wakeTaskJobs } from '../../../src/adapters/tasks/task-worker.js';
import { createRuntime, openMemoryStore } from '../../../src/index.js';
import { person, settled } from '../../helpers/tasks/task-runtime.js';
import { tempFolder } from '../../helpers/temp-store.js';

describe('task jobs over a store without sync', () => {
  it("loads a dataset job's entities from the fragments the stage before wrote", async () => {
    const store = openMemoryStore({ reads: 'async', path: join(tempFolder(), 'store') });
    expect(store.sync).toBeUndefined();
    let loaded: unknown;
    const tasks = defineTasks({
      'enrich.names': (job, { writer }) => {
        const { dataset, payload } = job as DatasetJob;
        for (const entity of payload.entities) writer().add({ id: entity.id, schema: 'Person', properties: { alias: [`alias of ${entity.id}`] } });
        return DatasetJob.fromEntities({ dataset, queue: 'enrich', task: 'enrich.read', entities: payload.entities });
      },
      'enrich.read': async (_job: AnyJob, { loadEntities }) => void (loaded = await loadEntities()),
    });
    const worker = { tasks, queues: { enrich: 2 } };
    const runtime = await createRuntime({ store, machines: taskJobMachines(store, worker), limits: { queues: taskQueueLimits(worker) }, closeGraceMs: 0 });
    try {
      await wakeTaskJobs(runtime, worker);
      const id = await deferTaskJob(runtime, DatasetJob.fromEntities({ dataset: 'leaks', queue: 'enrich', task: 'enrich.names', entities: [person('p1')] }));
      expect((await settled(runtime, id)).status).toBe('done');
      expect((await settled(runtime, `${id}/next`)).status).toBe('done');
      expect(loaded).toEqual([{ id: 'p1', schema: 'Person', properties: { alias: ['alias of p1'] } }]); // the fragments, as over LMDB (defer-chain.test.ts)
    } finally {
      await runtime.close();
      await store.close();
    }
  });
});
