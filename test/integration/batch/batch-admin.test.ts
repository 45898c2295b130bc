/** Bad input changes nothing; delete removes everything of a job and counts it (issue 5). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineApplication, HoldfastError } from '../../../src/index.js';
import { arithmetic, numbers, openBatch, type Harness } from './batch-harness.js';

/** Every record under any batch collection, and every actor: what "nothing changed" compares. */
async function everything(h: Harness): Promise<string[]> {
  const collections = ['batch.items', 'batch.results', 'batch.exceptions', 'batch.sampleResults', 'batch.batches', 'batch.runs', 'batch.creating'];
  const records = [];
  for (const c of collections) records.push(...(await h.runtime.records.scan(c)).map((r) => `${c} ${JSON.stringify(r.key)}`));
  return [...records, ...(await h.runtime.query()).map((a) => `actor ${a.id}`)];
}

const withConfig = defineApplication({ name: 'cfg', config: z.object({ country: z.string().length(2) }), steps: [{ name: 's', run: () => 1 }] });

describe('batch jobs: bad input', () => {
  it.each([
    ['an unknown application', { application: 'nope' }, /UNKNOWN_APPLICATION.*unknown application "nope"; registered: arith, cfg/],
    ['a bad partition spec', { partition: 'size:0' }, /INVALID_INPUT.*bad partition spec "size:0"/],
    ['a config failing its schema', { application: 'cfg', config: { country: 'Hungary' } }, /INVALID_INPUT.*config for application "cfg" is invalid: country:/],
    ['an empty source', { items: [] }, /INVALID_INPUT.*yielded no items/],
    ['duplicate item ids', { items: [{ id: 'a', value: 1 }, { id: 'b', value: 2 }, { id: 'a', value: 3 }] }, /INVALID_INPUT.*item 3: id "a" is also item 1's/],
    ['an item without an id', { items: [{ id: 'a', value: 1 }, { value: 2 }] }, /INVALID_INPUT.*item 2: id must be a string/],
    ['an id too long for a key', { items: [{ id: 'x'.repeat(513), value: 1 }] }, /INVALID_INPUT.*item 1: id must be a string of 1 to 512/],
    ['a value that is not JSON', { items: [{ id: 'a', value: 1 }, { id: 'b', value: 2n }] }, /INVALID_INPUT.*item "b": its value cannot be stored as JSON/],
    ['params that are not strings', { params: { a: 1 } }, /INVALID_INPUT.*param a must be a string/],
    ['items that are not iterable', { items: 42 }, /INVALID_INPUT.*items must be an iterable/],
  ])('refuses %s with a clear error and creates nothing', async (_what, change, message) => {
    const h = await openBatch([arithmetic(), withConfig]);
    try {
      const before = await everything(h);
      const request = { application: 'arith', source: 'test', items: numbers(3), ...change } as never;
      await expect(h.jobs.create(request)).rejects.toThrowError(message);
      expect(await everything(h)).toEqual(before);
    } finally {
      await h.close();
    }
  });

  it('a source that fails mid-way (after 30,000 items were written) leaves nothing behind', async () => {
    const h = await openBatch([arithmetic()]);
    try {
      async function* failing() {
        for (let n = 0; n < 30_000; n++) yield { id: `i${n}`, value: { n } };
        throw new HoldfastError('SOURCE_UNREADABLE', 'line 30001: not JSON');
      }
      await expect(h.jobs.create({ application: 'arith', source: 'jsonl:x', items: failing() })).rejects.toThrowError(/SOURCE_UNREADABLE.*line 30001/);
      expect(await everything(h)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('cleans up what a create or delete killed mid-way left (a marker without a job actor)', async () => {
    const h = await openBatch([arithmetic()]);
    try {
      await h.runtime.store.commit([
        { op: 'putRecord', collection: 'batch.creating', key: ['job-dead'], value: { at: 1 } },
        { op: 'putRecord', collection: 'batch.items', key: ['job-dead', 0, 0], value: [['a', 1]] },
        { op: 'putRecord', collection: 'batch.results', key: ['job-dead', 'a'], value: { value: 1, batch: 0 } },
      ], 'flush');
      const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(2) });
      expect((await everything(h)).filter((line) => line.includes('job-dead'))).toEqual([]);
      expect((await everything(h)).filter((line) => line.includes(job)).length).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });

  it('refuses unknown job ids, bad batch numbers, bad parallel and bad samples, changing nothing', async () => {
    const h = await openBatch([arithmetic()]);
    try {
      const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(10), partition: 'size:5' });
      const before = await everything(h);
      await expect(h.jobs.run('job-nope', { batches: 'all' })).rejects.toThrowError(/JOB_NOT_FOUND.*no batch job "job-nope"/);
      await expect(h.jobs.batches('job-nope')).rejects.toThrowError(/JOB_NOT_FOUND/);
      await expect(h.jobs.stats('job-nope')).rejects.toThrowError(/JOB_NOT_FOUND/);
      await expect(h.jobs.exceptions('job-nope')).rejects.toThrowError(/JOB_NOT_FOUND/);
      await expect(h.jobs.resolve('job-nope', 'a', 1)).rejects.toThrowError(/JOB_NOT_FOUND/);
      await expect(h.jobs.delete('job-nope')).rejects.toThrowError(/JOB_NOT_FOUND/);
      await expect(h.jobs.updateConfig('job-nope', {})).rejects.toThrowError(/JOB_NOT_FOUND/);
      expect((await h.jobs.get('job-nope'))).toBeUndefined();
      await expect(h.jobs.run(job, { batches: [0, 2, -1] })).rejects.toThrowError(/INVALID_INPUT.*batches 0 to 1; no batch 2, -1/);
      await expect(h.jobs.run(job, { batches: [] })).rejects.toThrowError(/INVALID_INPUT/);
      await expect(h.jobs.run(job, { batches: 'all', parallel: 0 })).rejects.toThrowError(/INVALID_INPUT.*parallel/);
      await expect(h.jobs.run(job, { batches: 'all', parallel: 1.5 })).rejects.toThrowError(/INVALID_INPUT.*parallel/);
      await expect(h.jobs.run(job, { batches: 'all', sample: 0 })).rejects.toThrowError(/INVALID_INPUT.*sample/);
      expect(await everything(h)).toEqual(before);
    } finally {
      await h.close();
    }
  });

  it('a job whose application is not registered any more can be read but not run', async () => {
    let h = await openBatch([arithmetic()]);
    const folder = h.folder;
    const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(4) });
    await h.close();
    h = await openBatch([withConfig], folder);
    try {
      expect((await h.jobs.get(job))).toMatchObject({ application: 'arith', state: 'created' });
      await expect(h.jobs.run(job, { batches: 'all' })).rejects.toThrowError(/UNKNOWN_APPLICATION.*"arith" is not registered here/);
    } finally {
      await h.close();
    }
  });
});

describe('batch jobs: delete', () => {
  it('removes the job\'s actors, items, results, exceptions, batch records and runs, and says how many records went', async () => {
    const h = await openBatch([arithmetic({ failEvery: 4 })]);
    try {
      const keep = await h.jobs.create({ application: 'arith', source: 'other', items: numbers(5) });
      const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(20), partition: 'size:5' });
      await h.jobs.run(job, { batches: 'all', parallel: 2 });
      await h.jobs.run(job, { batches: 'all', sample: 3 });
      const before = await everything(h);
      const mine = before.filter((line) => line.includes(job));
      const records = mine.filter((line) => !line.startsWith('actor'));
      // 4 pages of 5 items + 15 results + 5 exceptions + 3 samples + 4 batch records + 2 run records
      expect(records).toHaveLength(33);
      const actors = (await h.runtime.query({ root: job as never })).length;
      expect(actors).toBe(1 + 4 + 1);
      expect(await h.jobs.delete(job)).toEqual({ records: 33, actors: 6 });
      expect(await everything(h)).toEqual(before.filter((line) => !line.includes(job)));
      expect((await h.jobs.get(job))).toBeUndefined();
      expect((await h.jobs.list()).map((j) => j.id)).toEqual([keep]);
      expect(await h.runtime.journal(job)).toHaveLength(0);
    } finally {
      await h.close();
    }
  });
});

describe('batch jobs: paused', () => {
  it('refuses to run or reconfigure a paused job instead of waiting for ever', async () => {
    const h = await openBatch([arithmetic()]);
    try {
      const job = await h.jobs.create({ application: 'arith', source: 'test', items: numbers(4) });
      await h.runtime.pause(job);
      expect((await h.jobs.get(job))!.state).toBe('paused');
      await expect(h.jobs.run(job, { batches: 'all' })).rejects.toThrowError(/INVALID_INPUT.*is paused: unpause it first/);
      await h.runtime.unpause(job);
      expect(await h.jobs.run(job, { batches: 'all' })).toMatchObject({ results: 4 });
    } finally {
      await h.close();
    }
  });
});
