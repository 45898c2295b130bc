/** Fix and continue: code and config changes, drift per batch, and --stale re-runs (issue 5). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineApplication } from '../../../src/index.js';
import { arithmetic, numbers, openBatch } from './batch-harness.js';
import { arrayOf } from '../../../src/runtime/async-views.js';

describe('batch jobs: drift and stale re-runs', () => {
  it('marks batches done under older code as drifted; --stale re-runs them, replacing results and re-evaluating exceptions', async () => {
    let h = await openBatch([arithmetic({ failEvery: 4, version: 'v1' })]);
    const folder = h.folder;
    const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(30), partition: 'size:10' });
    await h.jobs.run(job, { batches: [0, 1] });
    expect((await h.jobs.exceptions(job, { open: true }))).toHaveLength(5); // 0 4 8 12 16
    await h.close();

    // The code is fixed (no more failures) and reloaded: the remaining batch runs with it.
    h = await openBatch([arithmetic({ version: 'v2' })], folder);
    try {
      expect((await h.jobs.get(job))!.codeVersion).toBe('v2');
      expect((await h.jobs.batches(job)).map((b) => [b.batch, b.done, b.codeVersion ?? null, b.drift])).toEqual([[0, true, 'v1', true], [1, true, 'v1', true], [2, false, null, false]]);
      await h.jobs.run(job, { batches: 'all' });
      expect((await h.jobs.batches(job)).map((b) => b.drift)).toEqual([true, true, false]);
      const stale = await h.jobs.run(job, { batches: 'stale', parallel: 2 });
      expect(stale).toMatchObject({ batchesRun: 2, items: 20, results: 20, exceptions: 0 });
      expect((await h.jobs.batches(job)).map((b) => [b.codeVersion, b.drift, b.completions])).toEqual([['v2', false, 2], ['v2', false, 2], ['v2', false, 1]]);
      expect((await h.jobs.exceptions(job, { open: true }))).toHaveLength(0);
      expect((await h.jobs.exceptions(job)).every((e) => e.resolved && e.resolution === 'rerun')).toBe(true);
      expect((await arrayOf(h.jobs.results(job)))).toHaveLength(30);
      expect((await h.jobs.stats(job)).map((s) => s.items)).toEqual([30, 30, 30]);
      // Nothing drifted now: --stale has nothing to do.
      expect(await h.jobs.run(job, { batches: 'stale' })).toMatchObject({ batchesRun: 0 });
    } finally {
      await h.close();
    }
  });

  it('a config change is validated, recorded with its hash, used by later batches and shown as drift', async () => {
    const app = defineApplication({
      name: 'cfg',
      version: '1',
      config: z.object({ add: z.number().int() }),
      steps: [{ name: 'add', run: (item, _inputs, context) => (item as { n: number }).n + (context.config as { add: number }).add }],
    });
    const h = await openBatch([app]);
    try {
      const job = await h.jobs.create({ application: 'cfg', source: 'test', items: numbers(6), partition: 'size:3', config: { add: 100 } });
      const before = (await h.jobs.get(job))!;
      await h.jobs.run(job, { batches: [0] });
      await expect(h.jobs.updateConfig(job, { add: 'lots' })).rejects.toThrowError(/INVALID_INPUT.*add:/);
      expect((await h.jobs.get(job))!.configHash).toBe(before.configHash);
      await h.jobs.updateConfig(job, { add: 1000 });
      const after = (await h.jobs.get(job))!;
      expect(after.config).toEqual({ add: 1000 });
      expect(after.configHash).not.toBe(before.configHash);
      await h.jobs.run(job, { batches: 'all' });
      expect((await h.jobs.batches(job)).map((b) => [b.configHash, b.drift])).toEqual([[before.configHash, true], [after.configHash, false]]);
      expect(Object.fromEntries((await arrayOf(h.jobs.results(job))).map((r) => [r.item, r.value]))).toEqual({ i0: 100, i1: 101, i2: 102, i3: 1003, i4: 1004, i5: 1005 });
      await h.jobs.run(job, { batches: 'stale' });
      expect((await h.jobs.batches(job)).every((b) => !b.drift)).toBe(true);
      expect((await arrayOf(h.jobs.results(job))).find((r) => r.item === 'i0')!.value).toBe(1000);
    } finally {
      await h.close();
    }
  });

  it("keeps a person's answer through a stale re-run, whether the new code still fails the item or not", async () => {
    let h = await openBatch([arithmetic({ failEvery: 4, version: 'v1' })]);
    const folder = h.folder;
    const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(8), partition: 'size:4' });
    await h.jobs.run(job, { batches: 'all' });
    const [first, second] = (await h.jobs.exceptions(job, { open: true })); // items 0 and 4
    await h.jobs.resolve(job, first!.item, 'by hand 0');
    await h.jobs.resolve(job, second!.item, 'by hand 4');
    await h.close();

    // v2 still fails item 0 and now handles item 4: both keep the answer a person gave.
    h = await openBatch([arithmetic({ failEvery: 8, version: 'v2' })], folder);
    try {
      expect(await h.jobs.run(job, { batches: 'stale' })).toMatchObject({ batchesRun: 2, items: 8, results: 8, exceptions: 0 });
      const results = Object.fromEntries((await arrayOf(h.jobs.results(job))).map((r) => [r.item, r.value]));
      expect([results[first!.item], results[second!.item]]).toEqual(['by hand 0', 'by hand 4']);
      expect((await h.jobs.exceptions(job, { open: true }))).toHaveLength(0);
      expect((await h.jobs.exceptions(job)).map((e) => e.resolution)).toEqual(['human', 'human']);
    } finally {
      await h.close();
    }
  });
});
