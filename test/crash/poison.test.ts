/**
 * Poison (RELIABILITY.md): an effect that kills its process on every attempt
 * is parked with POISON_ACTOR after a bounded number of recoveries, and the
 * rest of the work completes.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/index.js';
import { verifyStore } from '../../src/testing/index.js';
import { fullScale, startWorkload } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

const WORKERS = fullScale ? 500 : 40;
const MAX_RECOVERIES = 2;

describe('crash: a poison actor', () => {
  it(`is parked with POISON_ACTOR after ${MAX_RECOVERIES} recoveries, and every other actor completes`, async () => {
    const store = join(tempFolder('holdfast-poison-'), 'store');
    const args = [store, String(WORKERS), String(MAX_RECOVERIES)];
    const outcomes: string[] = [];
    let finished = false;
    // The first run and each of the allowed recoveries die; the run after that parks the poison.
    for (let run = 0; run < MAX_RECOVERIES + 3 && !finished; run++) {
      const workload = startWorkload('poison', args);
      const { code, signal } = await workload.exited;
      outcomes.push(signal ?? `exit ${code}`);
      if (code === 0) {
        finished = true;
        expect(workload.output()).toContain('DONE parked POISON_ACTOR');
      } else expect(signal, `run ${run + 1} ended otherwise than by its poison\n${workload.output()}`).toBe('SIGKILL');
    }
    expect(outcomes).toEqual([...Array<string>(MAX_RECOVERIES + 1).fill('SIGKILL'), 'exit 0']);

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      const poison = readOnly.getActor('poison' as never)!;
      expect(poison).toMatchObject({ status: 'parked', error: { code: 'POISON_ACTOR' }, recoveries: MAX_RECOVERIES });
      expect(poison.error?.message).toMatch(/interrupted mid-effect/);
      // Its attempts: the first run's, then one per recovery, each counted durably before it ran.
      expect(poison.effects.chore?.attempt).toBe(MAX_RECOVERIES + 1);
      const workers = [...readOnly.queryActors({ machine: 'worker' })];
      expect(workers).toHaveLength(WORKERS);
      expect(workers.filter((w) => w.status !== 'done').map((w) => w.id)).toEqual([]);
      const report = await verifyStore(readOnly, { expectSettled: true });
      expect(report.violations).toEqual([]);
      expect(report.byStatus).toMatchObject({ done: WORKERS, parked: 1, active: 0 });
    } finally {
      await readOnly.close();
    }
  });

  it('parks only the poison: actors in flight beside it at every crash run alone after the second and complete', async () => {
    const store = join(tempFolder('holdfast-poison-'), 'store');
    const neighbours = 6;
    const outcomes: string[] = [];
    for (let run = 0; run < MAX_RECOVERIES + 3 && !outcomes.includes('exit 0'); run++) {
      // Each worker's effect takes 300 ms and the workers share the poison's limit: without running
      // suspects alone, they were counted at every crash with it and parked with it.
      const workload = startWorkload('poison', [store, String(neighbours), String(MAX_RECOVERIES), '300']);
      const { code, signal } = await workload.exited;
      outcomes.push(signal ?? `exit ${code}`);
      if (code === 0) expect(workload.output()).toContain('DONE parked POISON_ACTOR');
    }
    expect(outcomes).toEqual([...Array<string>(MAX_RECOVERIES + 1).fill('SIGKILL'), 'exit 0']);
    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      const workers = [...readOnly.queryActors({ machine: 'worker' })];
      expect(workers.map((w) => [w.id, w.status])).toEqual(workers.map((w) => [w.id, 'done']));
      expect(workers.every((w) => w.recoveries === undefined)).toBe(true);
      expect(readOnly.getActor('poison' as never)).toMatchObject({ status: 'parked', error: { code: 'POISON_ACTOR' } });
    } finally {
      await readOnly.close();
    }
  });
});
