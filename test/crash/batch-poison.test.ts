/**
 * A poison item (its step kills the process every time): the batches in
 * flight with it are interrupted as often as it is, so after a bounded number
 * of restarts one of them is parked as POISON_ACTOR, and the run ends with
 * that error naming it instead of crash-looping or waiting for ever. (The
 * runtime counts recoveries per actor, not per cause: innocent batches that
 * were in flight can be the ones parked; `holdfast retry` resumes them.)
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/index.js';
import type { BatchRecord } from '../../src/batch/batch-records.js';
import { runToEnd, startWorkload } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

describe('crash: a batch whose item kills the process', () => {
  it('stops the crash loop within 11 restarts: a batch is parked as POISON_ACTOR and the run says which', async () => {
    const store = join(tempFolder('holdfast-crash-poison-'), 'store');
    const args = [store, '400', '100', '50', '0'];
    let last = '';
    let runs = 0;
    for (; runs < 14 && !last.includes('POISON'); runs++) {
      const workload = startWorkload('batch-run', args, { HOLDFAST_POISON_ITEM: '250' });
      const { code, signal, timedOut } = await runToEnd(workload, 60_000);
      expect(timedOut).toBe(false);
      last = workload.output();
      if (last.includes('POISON')) expect(code).toBe(1);
      else expect(signal).toBe('SIGKILL');
    }
    expect(runs).toBeLessThanOrEqual(12);
    const named = /POISON \[POISON_ACTOR\] batch (job-\S+\/b\d\.r1) of job (job-\S+) is parked/.exec(last);
    expect(named, last).not.toBeNull();

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      const job = [...readOnly.queryActors({ machine: 'batchJob' })][0]!.id;
      expect(job).toBe(named![2]);
      const parked = [...readOnly.queryActors({ root: job, status: 'parked' })];
      expect(parked.map((actor) => actor.id)).toContain(named![1]);
      expect(parked.every((actor) => actor.error?.code === 'POISON_ACTOR')).toBe(true);
      // Batches that finished before the poison was reached stay done, once.
      const batches = [...readOnly.scanRecords<BatchRecord>('batch.batches', [job])].map((r) => r.value);
      expect(batches.every((b) => b.completions <= 1)).toBe(true);
    } finally {
      await readOnly.close();
    }
  });
});
