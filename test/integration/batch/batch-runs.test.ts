/** Partitions, one batch, all, parallel, and sample runs over a real store (issue 5). */
import { describe, expect, it } from 'vitest';
import { defineApplication } from '../../../src/index.js';
import { arithmetic, numbers, openBatch } from './batch-harness.js';
import { arrayOf } from '../../../src/runtime/async-views.js';

describe('batch jobs: partitions and runs', () => {
  it('every:N puts item i in batch i mod N, and --batch runs that batch alone', async () => {
    const h = await openBatch([arithmetic()]);
    try {
      const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(23), partition: 'every:5' });
      expect((await h.jobs.get(job))).toMatchObject({ batches: 5, items: 23, partition: 'every:5' });
      const summary = await h.jobs.run(job, { batches: [2] });
      expect(summary).toMatchObject({ batchesRun: 1, items: 5, results: 5 });
      expect((await arrayOf(h.jobs.results(job))).map((r) => r.item).sort()).toEqual(['i12', 'i17', 'i2', 'i22', 'i7']);
      const batches = (await h.jobs.batches(job));
      expect(batches.filter((b) => b.done).map((b) => b.batch)).toEqual([2]);
      expect(batches.map((b) => b.items)).toEqual([5, 5, 5, 4, 4]);
      expect((await h.jobs.get(job))).toMatchObject({ state: 'partial', summary: { done: 5, pending: 18, failed: 0 } });
    } finally {
      await h.close();
    }
  });

  it('snapshots 30,000 items in pages: source order kept, duplicates found across commits, every batch readable', async () => {
    const h = await openBatch([arithmetic()]);
    try {
      for (const partition of ['every:3', 'every:5000', 'size:777']) {
        const job = await h.jobs.create({ application: 'arith', source: 'big', items: numbers(30_000), partition });
        const ids = (await arrayOf(h.jobs.items(job))).map((item) => item.id);
        expect(ids).toHaveLength(30_000);
        expect(ids.every((id, n) => id === `i${n}`)).toBe(true);
        const summary = await h.jobs.run(job, { batches: 'all', parallel: 2 });
        expect(summary.results).toBe(30_000);
        expect((await arrayOf(h.jobs.results(job))).find((r) => r.item === 'i29999')!.value).toBe('v59999');
        const repeated = [...numbers(30_000), { id: 'i3', value: null }];
        await expect(h.jobs.create({ application: 'arith', source: 'big', items: repeated, partition })).rejects.toThrowError(/item 30001: id "i3" is also item 4's/);
      }
    } finally {
      await h.close();
    }
  });

  it('keeps several partitionings of one source as separate jobs with the same items', async () => {
    const h = await openBatch([arithmetic()]);
    try {
      const a = await h.jobs.create({ application: 'arith', source: 'same', items: numbers(30), partition: 'size:10' });
      const b = await h.jobs.create({ application: 'arith', source: 'same', items: numbers(30), partition: 'every:4' });
      expect(a).not.toBe(b);
      expect((await h.jobs.list()).map((j) => [j.id, j.partition, j.batches])).toEqual([[a, 'size:10', 3], [b, 'every:4', 4]]);
      await h.jobs.run(b, { batches: 'all', parallel: 4 });
      expect((await arrayOf(h.jobs.results(a)))).toHaveLength(0);
      expect((await arrayOf(h.jobs.results(b)))).toHaveLength(30);
      expect((await arrayOf(h.jobs.items(a))).map((i) => i.id)).toEqual((await arrayOf(h.jobs.items(b))).map((i) => i.id));
    } finally {
      await h.close();
    }
  });

  it('runs batches in parallel up to K at a time', async () => {
    let running = 0;
    let most = 0;
    const slow = defineApplication({
      name: 'slow',
      steps: [{ name: 'wait', run: async (item) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        running--;
        return item;
      } }],
    });
    const h = await openBatch([slow]);
    try {
      const job = await h.jobs.create({ application: 'slow', source: 'test', items: numbers(40), partition: 'size:5' });
      const summary = await h.jobs.run(job, { batches: 'all', parallel: 3 });
      expect(summary).toMatchObject({ batchesRun: 8, results: 40 });
      expect(most).toBe(3);
    } finally {
      await h.close();
    }
  });

  it('a sample run takes N evenly spread items, keeps results apart and marks no batch done', async () => {
    const h = await openBatch([arithmetic({ failEvery: 10 })]);
    try {
      const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(100), partition: 'size:25' });
      const summary = await h.jobs.run(job, { batches: 'all', sample: 4 });
      expect(summary).toMatchObject({ batchesRun: 1, items: 4, results: 2, exceptions: 2 });
      expect((await arrayOf(h.jobs.results(job, { sample: true }))).map((r) => r.item).sort()).toEqual(['i25', 'i75']);
      expect((await h.jobs.exceptions(job, { sample: true })).map((e) => [e.item, e.step, e.error.code])).toEqual([['i0', 'plus', 'BAD_NUMBER'], ['i50', 'plus', 'BAD_NUMBER']]);
      expect((await arrayOf(h.jobs.results(job)))).toHaveLength(0);
      expect((await h.jobs.exceptions(job))).toHaveLength(0);
      expect((await h.jobs.batches(job)).some((b) => b.done)).toBe(false);
      // The same sample again: the same items; a smaller one replaces it.
      await h.jobs.run(job, { batches: 'all', sample: 2 });
      expect((await arrayOf(h.jobs.results(job, { sample: true }))).map((r) => r.item).sort()).toEqual([]);
      expect((await h.jobs.exceptions(job, { sample: true })).map((e) => e.item).sort()).toEqual(['i0', 'i50']);
      expect((await h.jobs.get(job))!.state).toBe('created');
    } finally {
      await h.close();
    }
  });

  it('gives each step the job config, params and ids', async () => {
    const seen: unknown[] = [];
    const app = defineApplication({ name: 'ctx', steps: [{ name: 'look', run: (_item, _inputs, context) => (seen.push(context), 1) }] });
    const h = await openBatch([app]);
    try {
      const job = await h.jobs.create({ application: 'ctx', source: 'test', items: numbers(1), config: { k: 'v' }, params: { rovat: '15' } });
      await h.jobs.run(job, { batches: 'all' });
      expect(seen).toEqual([{ jobId: job, itemId: 'i0', config: { k: 'v' }, params: { rovat: '15' } }]);
    } finally {
      await h.close();
    }
  });
});
