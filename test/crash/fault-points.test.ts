/**
 * SIGKILL at every named fault point of the runtime (RELIABILITY.md), then
 * restart unarmed, drain and verify: counts exact, every actor final, the
 * store clean. Repeatable: HOLDFAST_CRASH_SEED=<seed>.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_POINTS } from '../../src/testing/index.js';
import { fullScale, seededRandom, startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';
import { expectParentComplete } from './workloads/parent-store-checks.js';

const CHILDREN = fullScale ? 400 : 50;
const RUNS_PER_POINT = fullScale ? 5 : 2;
const RUNTIME_POINTS = FAULT_POINTS.filter((point) => point.startsWith('committer.') || point.startsWith('effect.'));
/**
 * Visits a point surely gets in one run, so the kill lands anywhere in it: each
 * effect result passes effect.*; group commits pass committer.* in waves (the
 * spawn, then effects 8 at a time, their timers, their reports): 8 to 12 times
 * here, fewer under load as batches grow, so the first 6 are sure.
 */
const sureHits = (point: string) => (point.startsWith('effect.') ? CHILDREN : 6);

describe('crash: SIGKILL at each named fault point', () => {
  const seed = Number(process.env.HOLDFAST_CRASH_SEED ?? Date.now() % 1_000_000);
  const random = seededRandom(seed);

  it('covers every runtime fault point', () => {
    expect(RUNTIME_POINTS).toEqual(expect.arrayContaining(['committer.beforeCommit', 'committer.afterCommitBeforeEffects', 'effect.afterRunBeforeCommit']));
  });

  for (const point of RUNTIME_POINTS) {
    for (let run = 0; run < RUNS_PER_POINT; run++) {
      it(`dies at ${point}, then a restart completes every child exactly once with a clean store (run ${run + 1})`, async () => {
        const hit = 1 + Math.floor(random() * sureHits(point));
        const label = `seed ${seed}, ${point}:${hit}`;
        const folder = tempFolder('holdfast-fault-');
        const store = join(folder, 'store');
        const ledger = join(folder, 'ledger.txt');
        const args = [store, ledger, String(CHILDREN), '20'];

        const armed = startWorkload('faulty-parent-children', args, { HOLDFAST_FAULT_POINTS: `${point}:${hit}`, HOLDFAST_WORK_MS: '5' });
        const died = await armed.exited;
        expect(died.signal, `${label}: the armed point should have killed the process\n${armed.output()}`).toBe('SIGKILL');
        expect(armed.output(), label).not.toContain('DONE');

        const restarted = startWorkload('faulty-parent-children', args, { HOLDFAST_FAULT_POINTS: '' });
        expect(await waitForOutput(restarted, 'DONE', 45_000), `${label}: the restart did not finish\n${restarted.output()}`).toBe(true);
        expect((await restarted.exited).code, label).toBe(0);
        await expectParentComplete(store, ledger, CHILDREN, label);
      });
    }
  }
});
