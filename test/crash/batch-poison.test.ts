/**
 * A poison item (its step kills the process every time): after a bounded
 * number of restarts its batch is parked as POISON_ACTOR, and the run ends with
 * that error naming it (the job counts it as a failed batch) instead of
 * crash-looping or waiting for ever. The
 * batches in flight beside it are not parked with it: from the second crash
 * on, the runtime runs each suspect alone (effect-launcher.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/index.js';
import type { BatchRecord } from '../../src/adapters/batch/batch-records.js';
import { runToEnd, startWorkload } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

describe('crash: a batch whose item kills the process', () => {
  it('stops the crash loop within 11 restarts: the batch of the poison item alone is parked as POISON_ACTOR, and the run says which', async () => {
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
    // The resumed run ended, the poison batch counted as failed and named (it never waits on a person).
    const named = /POISON \[POISON_ACTOR\] batch ((job-[^/\s]+)\/b\d\.r1) is parked/.exec(last);
    expect(named, last).not.toBeNull();

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      const job = [...readOnly.queryActors({ machine: 'batchJob' })][0]!.id;
      expect(job).toBe(named![2]);
      const parked = [...readOnly.queryActors({ root: job, status: 'parked' })];
      // Items 0-99 are b0, 100-199 b1...: item 250 is in b2, and only b2 is parked.
      expect(parked.map((actor) => actor.id)).toEqual([named![1]]);
      expect(named![1]).toMatch(/\/b2\.r1$/);
      expect(parked[0]!.error?.code).toBe('POISON_ACTOR');
      // Batches that finished before the poison was reached stay done, once.
      const batches = [...readOnly.scanRecords<BatchRecord>('batch.batches', [job])].map((r) => r.value);
      expect(batches.every((b) => b.completions <= 1)).toBe(true);
    } finally {
      await readOnly.close();
    }
  });
});
