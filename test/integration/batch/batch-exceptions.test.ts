/** The exception store: failures kept with their input, a person's answer, reprocessing after a fix (issue 5). */
import { describe, expect, it } from 'vitest';
import { defineApplication } from '../../../src/index.js';
import { arithmetic, numbers, openBatch } from './batch-harness.js';
import { arrayOf } from '../../../src/runtime/async-views.js';

describe('batch jobs: exceptions', () => {
  it('stores a failing item with its step, error, stack and input, without failing its batch', async () => {
    const h = await openBatch([arithmetic({ failEvery: 7 })]);
    try {
      const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(20), partition: 'size:10' });
      const summary = await h.jobs.run(job, { batches: 'all' });
      expect(summary).toMatchObject({ batchesRun: 2, batchesFailed: 0, results: 17, exceptions: 3 });
      const exceptions = (await h.jobs.exceptions(job));
      expect(exceptions.map((e) => [e.item, e.batch, e.step])).toEqual([['i0', 0, 'plus'], ['i14', 1, 'plus'], ['i7', 0, 'plus']]);
      expect(exceptions[0]).toMatchObject({ job, error: { code: 'BAD_NUMBER', message: 'cannot take 0' }, input: { n: 0 }, resolved: false });
      expect(exceptions[0]!.error.stack).toContain('cannot take 0');
      expect((await h.jobs.batches(job)).map((b) => [b.done, b.exceptions])).toEqual([[true, 2], [true, 1]]);
      const stats = (await h.jobs.stats(job));
      expect(stats.map((s) => [s.node, s.items, s.successes, s.failures])).toEqual([['double', 20, 20, 0], ['plus', 20, 17, 3], ['label', 17, 17, 0]]);
      for (const node of stats) expect(node.p95Ms).toBeGreaterThanOrEqual(node.p50Ms);
    } finally {
      await h.close();
    }
  });

  it('resolve records a person\'s answer as the result; reprocess runs the open ones again with the current code', async () => {
    let h = await openBatch([arithmetic({ failEvery: 5, version: 'v1' })]);
    const folder = h.folder;
    const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(20), partition: 'size:10' });
    await h.jobs.run(job, { batches: 'all', parallel: 2 });
    expect((await h.jobs.exceptions(job, { open: true })).map((e) => e.item)).toEqual(['i0', 'i10', 'i15', 'i5']);
    await h.jobs.resolve(job, 'i5', { manual: true });
    expect((await arrayOf(h.jobs.results(job))).find((r) => r.item === 'i5')!.value).toEqual({ manual: true });
    expect((await h.jobs.exceptions(job)).find((e) => e.item === 'i5')).toMatchObject({ resolved: true, value: { manual: true }, resolution: 'human' });
    await expect(h.jobs.resolve(job, 'i6', 1)).rejects.toThrowError(/INVALID_INPUT.*no exception for item "i6"/);
    await expect(h.jobs.resolve(job, 'i0', undefined)).rejects.toThrowError(/INVALID_INPUT/);
    // Reprocess under the same code: still failing, still open.
    expect(await h.jobs.reprocess(job)).toMatchObject({ items: 3, results: 0, exceptions: 3 });
    await h.close();

    h = await openBatch([arithmetic({ version: 'v2' })], folder);
    try {
      const summary = await h.jobs.reprocess(job, { parallel: 2 });
      expect(summary).toMatchObject({ items: 3, results: 3, exceptions: 0 });
      expect((await h.jobs.exceptions(job, { open: true }))).toHaveLength(0);
      const closed = Object.fromEntries((await h.jobs.exceptions(job)).map((e) => [e.item, e.resolution]));
      expect(closed).toEqual({ i0: 'reprocessed', i10: 'reprocessed', i15: 'reprocessed', i5: 'human' });
      const results = Object.fromEntries((await arrayOf(h.jobs.results(job))).map((r) => [r.item, r.value]));
      expect(Object.keys(results)).toHaveLength(20);
      expect(results.i10).toBe('v21');
      expect(results.i5).toEqual({ manual: true });
      // The batches' own completion is untouched by a reprocess.
      expect((await h.jobs.batches(job)).map((b) => [b.done, b.completions, b.exceptions])).toEqual([[true, 1, 0], [true, 1, 0]]);
      expect(await h.jobs.reprocess(job)).toMatchObject({ batchesRun: 0, items: 0 });
    } finally {
      await h.close();
    }
  });

  it('keeps the item as stored in the exception, even when a step changed it before throwing', async () => {
    const app = defineApplication({ name: 'mutate', steps: [{ name: 'scribble', run: (item) => {
      const value = item as { n: number; touched?: boolean };
      value.touched = true;
      if (value.n % 2 === 1) throw new Error('odd');
      return value;
    } }] });
    const h = await openBatch([app]);
    try {
      const job = await h.jobs.create({ application: 'mutate', source: 'test', items: numbers(6) });
      await h.jobs.run(job, { batches: 'all' });
      expect((await h.jobs.exceptions(job)).map((e) => e.input)).toEqual([{ n: 1 }, { n: 3 }, { n: 5 }]);
      expect((await arrayOf(h.jobs.results(job)))[0]!.value).toEqual({ n: 0, touched: true });
    } finally {
      await h.close();
    }
  });

  it('an async step past its timeoutMs fails its item with STEP_TIMEOUT; the batch goes on', async () => {
    const app = defineApplication({ name: 'stuck', steps: [{ name: 'lookup', timeoutMs: 50, run: (item) => ((item as { n: number }).n === 2 ? new Promise(() => {}) : Promise.resolve('ok')) }] });
    const h = await openBatch([app]);
    try {
      const job = await h.jobs.create({ application: 'stuck', source: 'test', items: numbers(4) });
      expect(await h.jobs.run(job, { batches: 'all' })).toMatchObject({ results: 3, exceptions: 1 });
      expect((await h.jobs.exceptions(job))[0]).toMatchObject({ item: 'i2', step: 'lookup', error: { code: 'STEP_TIMEOUT', message: 'step lookup took longer than 50 ms' } });
    } finally {
      await h.close();
    }
  });

  it('an item whose result is not JSON becomes an exception at the result step; the rest commit', async () => {
    const app = defineApplication({ name: 'big', steps: [{ name: 'make', run: (item) => ((item as { n: number }).n === 1 ? 10n : (item as { n: number }).n) }] });
    const h = await openBatch([app]);
    try {
      const job = await h.jobs.create({ application: 'big', source: 'test', items: numbers(3) });
      expect(await h.jobs.run(job, { batches: 'all' })).toMatchObject({ results: 2, exceptions: 1 });
      expect((await h.jobs.exceptions(job))[0]).toMatchObject({ item: 'i1', step: 'make', error: { code: 'RESULT_NOT_JSON' } });
    } finally {
      await h.close();
    }
  });
});
