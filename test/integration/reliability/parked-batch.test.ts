/**
 * A parked batch never holds its batch job's run (issue 16, item 4): a batch
 * whose record is corrupt when the run resumes is counted by the job as a
 * failed batch with RECORD_CORRUPT, and the run ends with the rest done.
 */
import { describe, expect, it } from 'vitest';
import { defineApplication, openLmdbStore } from '../../../src/index.js';
import { corruptActorRecord, within } from '../../helpers/corrupt-record.js';
import { numbers, openBatch } from '../batch/batch-harness.js';
import { waitUntil } from '../../helpers/watch.js';

const slow = defineApplication({
  name: 'slow',
  version: '1',
  // 20 ms an item: a batch takes about 200 ms, so other batches are still running when the first is done.
  steps: [{ name: 'wait', run: async (item) => (await new Promise((resolve) => setTimeout(resolve, 20)), (item as { n: number }).n) }],
});

describe('batch jobs: a parked batch', () => {
  it('ends the resumed run with the corrupt batch counted as failed, naming it, and every other batch done', async () => {
    let h = await openBatch([slow], undefined, { chunkSize: 2 });
    const folder = h.folder;
    const job = await h.jobs.create({ application: 'slow', source: 'test', items: numbers(120), partition: 'size:10' });
    const interrupted = h.jobs.run(job, { batches: 'all', parallel: 2 }).catch((error: Error) => error);
    // Interrupted with one batch done and another under way (closing lets a running chunk finish, not its batch).
    await waitUntil(
      async () => {
        const batches = await h.runtime.query({ root: job as never, machine: 'batch' });
        return batches.some((b) => b.status === 'done') && batches.some((b) => b.status === 'active');
      },
      'a batch done and another running',
      20_000,
    );
    await h.close();
    await interrupted;
    const peek = openLmdbStore(folder, { readOnly: true });
    const active = [...peek.queryActors({ root: job as never, machine: 'batch', status: 'active' })].map((actor) => actor.id);
    await peek.close();
    expect(active.length, 'batches running when the run was interrupted').toBeGreaterThan(0);
    await corruptActorRecord(folder, active[0]!);

    h = await openBatch([slow], folder, { chunkSize: 2 });
    try {
      const [resumed] = await within(h.jobs.resumeRuns(), 30_000, 'resuming the run');
      expect(resumed).toMatchObject({ job, batchesFailed: 1, batchesRun: 11 });
      expect(resumed!.errors).toEqual([expect.objectContaining({ code: 'RECORD_CORRUPT', message: expect.stringContaining(active[0]!) })]);
      expect(await h.runtime.get(active[0]!)).toMatchObject({ status: 'parked', parent: job, machine: 'batch', error: { code: 'RECORD_CORRUPT' } });
      expect((await h.jobs.get(job))!.state).not.toBe('running');
    } finally {
      await h.close();
    }
  });
});
