import { describe, expect, it } from 'vitest';
import { arithmetic, numbers, openBatch } from './batch-harness.js';
import { arrayOf } from '../../../src/runtime/async-views.js';

describe('batch jobs: create and run', () => {
  it('runs every batch and writes one result per item', async () => {
    const h = await openBatch([arithmetic()], undefined, { chunkSize: 7 });
    try {
      const job = await h.jobs.create({ application: 'arith', source: 'test:numbers', items: numbers(50), partition: 'size:20', description: 'fifty' });
      expect((await h.jobs.get(job))).toMatchObject({ id: job, application: 'arith', partition: 'size:20', items: 50, batches: 3, state: 'created', description: 'fifty' });
      const summary = await h.jobs.run(job, { batches: 'all', parallel: 2 });
      expect(summary).toMatchObject({ job, batchesRun: 3, items: 50, results: 50, exceptions: 0 });
      const results = (await arrayOf(h.jobs.results(job)));
      expect(results).toHaveLength(50);
      expect(results.find((r) => r.item === 'i7')!.value).toBe('v15');
      expect((await h.jobs.get(job))!.state).toBe('finished');
      expect((await h.jobs.batches(job)).map((b) => [b.batch, b.done, b.items])).toEqual([[0, true, 20], [1, true, 20], [2, true, 10]]);
      const stats = (await h.jobs.stats(job));
      expect(stats.map((s) => [s.node, s.items, s.successes, s.failures])).toEqual([['double', 50, 50, 0], ['plus', 50, 50, 0], ['label', 50, 50, 0]]);
      const again = await h.jobs.run(job, { batches: 'all' });
      expect(again).toMatchObject({ batchesRun: 0, items: 0 });
    } finally {
      await h.close();
    }
  });
});
