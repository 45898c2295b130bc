/**
 * Delete is refused while a process runs a batch job (issue 17, item 2): through
 * the library and the owner's socket alike, JOB_RUNNING and nothing deleted; once
 * paused it goes, and a `run` that followed it ends with JOB_DELETED instead of
 * waiting for ever. A run a kill interrupted, in a store no process runs, is idle.
 */
import { describe, expect, it } from 'vitest';
import { batchOwnerCommands } from '../../../src/adapters/batch/batch-owner-commands.js';
import { batchJobMachines, createBatchJobs, createRuntime, defineApplication, openLmdbStore, type Application } from '../../../src/index.js';
import { numbers, openBatch } from './batch-harness.js';

/** An application whose items wait for `release` (the returned gate). */
function gated(): { app: Application; release: () => void } {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { app: defineApplication({ name: 'slow', steps: [{ name: 'wait', run: async (item) => (await gate, item) }] }), release };
}

describe('batch jobs: delete while a run is in progress', () => {
  it('is refused JOB_RUNNING by the library and the owner socket; after pause it goes and the in-process run ends JOB_DELETED', async () => {
    const { app, release } = gated();
    const h = await openBatch([app]);
    try {
      const job = await h.jobs.create({ application: 'slow', source: 'test', items: numbers(6), partition: 'size:2' });
      const run = h.jobs.run(job, { batches: 'all' });
      run.catch(() => {});
      await h.runtime.waitFor(job, (record) => record.state === 'running', 5_000);
      await expect(h.jobs.delete(job)).rejects.toThrowError(/JOB_RUNNING.*has a run in progress: pause it/);
      const commands = batchOwnerCommands({ jobs: h.jobs, applications: [app], pid: 4242 });
      await expect(commands.deleteBatchJob!({ job })).rejects.toMatchObject({ code: 'JOB_RUNNING' });
      expect((await h.jobs.get(job))).toBeDefined();
      expect((await h.runtime.query({ root: job as never })).length).toBeGreaterThan(1);

      await h.runtime.pause(job);
      const started = Date.now();
      expect(await commands.deleteBatchJob!({ job })).toMatchObject({ actors: expect.any(Number) as number });
      expect((await h.jobs.get(job))).toBeUndefined();
      await expect(run).rejects.toMatchObject({ code: 'JOB_DELETED', message: expect.stringMatching(/was deleted before its run ended/) as string });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      release();
      await h.close();
    }
  });

  it('ends a run whose job is parked with the job\'s error, naming retry, not resume', async () => {
    const { app, release } = gated();
    const h = await openBatch([app]);
    try {
      const job = await h.jobs.create({ application: 'slow', source: 'test', items: numbers(2) });
      const run = h.jobs.run(job, { batches: 'all' });
      run.catch(() => {});
      await h.runtime.waitFor(job, (record) => record.state === 'running', 5_000);
      // Parked as the host parks a job that killed its process at every restart (the record as the store keeps it).
      const record = (await h.runtime.get(job))!;
      await h.runtime.store.commit([{ op: 'putActor', record: { ...record, status: 'parked', error: { code: 'POISON_ACTOR', message: 'interrupted at every restart' } }, previous: record }], 'flush');
      const started = Date.now();
      await expect(run).rejects.toMatchObject({ code: 'POISON_ACTOR', message: expect.stringMatching(/was parked before its run ended.*holdfast retry/) as string });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      release();
      await h.close();
    }
  });

  it('deletes a finished job at once, and an interrupted one only where no process runs it', async () => {
    const { app, release } = gated();
    const h = await openBatch([app]);
    const folder = h.folder;
    const job = await h.jobs.create({ application: 'slow', source: 'test', items: numbers(4), partition: 'size:2' });
    const done = await h.jobs.create({ application: 'slow', source: 'done', items: numbers(1) });
    release();
    await h.jobs.run(done, { batches: 'all' });
    expect(await h.jobs.delete(done)).toMatchObject({ actors: 2 });
    // A second gate that never opens: the run is cut short by close.
    const stuck = gated();
    await h.close();

    // Interrupted: an owner that resumes the store's work runs it, so it is refused there.
    const store = openLmdbStore(folder);
    let runtime = await createRuntime({ store, machines: batchJobMachines([stuck.app]), closeGraceMs: 50 });
    let jobs = createBatchJobs(runtime, [stuck.app]);
    await jobs.startRun(job, { batches: 'all' });
    await runtime.waitFor(job, (record) => record.state === 'running', 5_000);
    await expect(jobs.delete(job)).rejects.toMatchObject({ code: 'JOB_RUNNING' });
    await runtime.close();

    const again = await createRuntime({ store, machines: batchJobMachines([stuck.app]), closeGraceMs: 50 });
    await expect(createBatchJobs(again, [stuck.app]).delete(job)).rejects.toMatchObject({ code: 'JOB_RUNNING' });
    await again.close();

    // A process that resumes nothing (the CLI's own delete, no owner running) runs nothing of it: idle.
    runtime = await createRuntime({ store, machines: batchJobMachines([]), resume: false });
    jobs = createBatchJobs(runtime, [], { wake: false });
    try {
      expect((await jobs.get(job))?.state).toBe('running');
      expect(await jobs.delete(job)).toMatchObject({ actors: expect.any(Number) as number });
      expect((await jobs.get(job))).toBeUndefined();
    } finally {
      stuck.release();
      await runtime.close();
      await store.close();
    }
  });
});
