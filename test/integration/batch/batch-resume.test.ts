/** A run interrupted by closing the runtime continues after reopening, each batch done once (issue 5). */
import { describe, expect, it } from 'vitest';
import { defineApplication, openHoldfast } from '../../../src/index.js';
import { numbers, openBatch } from './batch-harness.js';
import { arrayOf } from '../../../src/runtime/async-views.js';
import { waitUntil } from '../../helpers/watch.js';

const slow = defineApplication({
  name: 'slow',
  version: '1',
  steps: [
    { name: 'wait', run: async (item) => (await new Promise((resolve) => setTimeout(resolve, 1)), (item as { n: number }).n) },
    { name: 'fail', after: ['wait'], run: (_item, inputs) => { if ((inputs.wait as number) % 13 === 0) throw new Error('thirteen'); return inputs.wait; } },
  ],
});

describe('batch jobs: resume', () => {
  it('continues a run stopped mid-way where it stood: every item once, every batch done once', async () => {
    let h = await openBatch([slow], undefined, { chunkSize: 4 });
    const folder = h.folder;
    const job = await h.jobs.create({ application: 'slow', source: 'test', items: numbers(120), partition: 'size:10' });
    const interrupted = h.jobs.run(job, { batches: 'all', parallel: 2 }).catch((error: Error) => error);
    await waitUntil(async () => (await h.jobs.batches(job)).filter((b) => b.done).length >= 2, 'two batches done', 20_000);
    await h.close();
    expect(await interrupted).toMatchObject({ code: 'RUNTIME_CLOSED' });

    h = await openBatch([slow], folder, { chunkSize: 4 });
    try {
      expect((await h.jobs.get(job))!.state).toBe('running');
      const [resumed] = await h.jobs.resumeRuns();
      expect(resumed).toMatchObject({ job, batchesRun: 12, batchesFailed: 0, items: 120 });
      expect(resumed!.results + resumed!.exceptions).toBe(120);
      const batches = (await h.jobs.batches(job));
      expect(batches.every((b) => b.done && b.completions === 1)).toBe(true);
      const results = (await arrayOf(h.jobs.results(job)));
      const open = (await h.jobs.exceptions(job, { open: true }));
      expect(results.length + open.length).toBe(120);
      expect(new Set([...results.map((r) => r.item), ...open.map((e) => e.item)]).size).toBe(120);
      expect(open).toHaveLength(10);
      const completed = (await h.runtime.query({ root: job as never, machine: 'batch' })).filter((actor) => actor.state === 'completed');
      expect(completed).toHaveLength(12);
      expect((await h.jobs.get(job))).toMatchObject({ state: 'finished', summary: { done: 110, failed: 10, pending: 0, exceptionsOpen: 10 } });
      // A run --all after the fact finds nothing left to do.
      expect(await h.jobs.run(job, { batches: 'all', parallel: 4 })).toMatchObject({ batchesRun: 0 });
    } finally {
      await h.close();
    }
  });

  it('openHoldfast hosts the machines and resumes runs on open', async () => {
    const { tempFolder } = await import('../../helpers/temp-store.js');
    const store = tempFolder('holdfast-batch-open-');
    let holdfast = await openHoldfast({ store, applications: [slow], listen: false });
    const job = await holdfast.batchJobs.create({ application: 'slow', source: 'test', items: numbers(60), partition: 'size:5' });
    const interrupted = holdfast.batchJobs.run(job, { batches: 'all' }).catch((error: Error) => error);
    await waitUntil(async () => (await holdfast.batchJobs.batches(job)).some((b) => b.done), 'a batch done', 20_000);
    await holdfast.close();
    await interrupted;
    holdfast = await openHoldfast({ store, applications: [slow], listen: false });
    try {
      const summaries = await holdfast.batchJobs.resumeRuns();
      expect(summaries).toHaveLength(1);
      expect((await holdfast.batchJobs.batches(job)).every((b) => b.done && b.completions === 1)).toBe(true);
    } finally {
      await holdfast.close();
    }
  });
});
