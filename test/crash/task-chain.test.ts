/**
 * SIGKILL while task jobs run and defer their next stage (issue 8,
 * RELIABILITY.md I2, I4, I6): three-stage chains under repeated kills, with
 * now and then a process that serves no queue opening the store in between.
 * Afterwards every deferred next stage exists exactly once, every job ended
 * exactly once, each fragment was written once, and no temporary survives.
 * Repeatable: HOLDFAST_CRASH_SEED=<seed>.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore, verifyStore } from '../../src/index.js';
import { crashSeed, fullScale, killAfter, runToEnd, startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

const CHAINS = fullScale ? 300 : 120;
const KILLS = fullScale ? 30 : 8;
const STAGES = ['chain', 'chain/next', 'chain/next/next'];

describe('crash: task jobs deferring their next stage under repeated SIGKILL', () => {
  it('ends with every next stage spawned once, every job ended once, fragments written once and no temporaries', async () => {
    const { seed, random } = crashSeed();
    const folder = tempFolder('holdfast-task-crash-');
    const store = join(folder, 'store');
    const ledger = join(folder, 'ledger.txt');
    const args = (mode: string) => [store, ledger, String(CHAINS), mode];
    let kills = 0;
    let idleRuns = 0;
    let requeued = 0;
    for (let run = 0; kills < KILLS && run < KILLS * 3; run++) {
      if (run % 4 === 3) {
        // A process that serves no queue opens the store: interrupted runs go back to queued, nothing fails.
        const idle = startWorkload('task-chain', args('idle'));
        expect(await waitForOutput(idle, 'IDLE'), `seed ${seed}: the idle process did not settle`).toBe(true);
        expect((await idle.exited).code).toBe(0);
        idleRuns++;
        requeued += Number(/IDLE (\d+)/.exec(idle.output())?.[1] ?? 0);
        continue;
      }
      const outcome = await killAfter(startWorkload('task-chain', args('worker'), { HOLDFAST_WORK_MS: '25' }), Math.floor(random() * 250));
      expect(outcome, `seed ${seed}: runtime did not open`).not.toBe('unready');
      if (outcome === 'finished') break;
      kills++;
    }
    const last = startWorkload('task-chain', args('worker'));
    expect((await runToEnd(last)).code, `seed ${seed}: final run failed`).toBe(0);
    expect(last.output()).toContain('DONE');
    expect(kills, `seed ${seed}: the chains finished before ${KILLS} kills`).toBeGreaterThanOrEqual(Math.min(KILLS, 10));

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      const jobs = [...readOnly.queryActors({ machine: 'taskJob' })];
      const expected = Array.from({ length: CHAINS }, (_, i) => STAGES.map((stage) => stage.replace('chain', `chain-${i}`))).flat();
      expect(jobs.map((job) => job.id).sort(), `seed ${seed}: each next stage exists exactly once`).toEqual(expected.sort());
      for (const job of jobs) {
        expect(job, `seed ${seed}`).toMatchObject({ status: 'done', state: 'succeeded' });
        const journal = [...readOnly.journal(job.id)];
        expect(journal.filter((entry) => entry.event === 'xstate.init'), `seed ${seed}: ${job.id} created once`).toHaveLength(1);
        expect(journal.filter((entry) => entry.to === 'succeeded' || entry.to === 'failed'), `seed ${seed}: ${job.id} ended once`).toHaveLength(1);
        const context = job.snapshot!.context as { next?: string; stage: number };
        expect(context.next, `seed ${seed}: ${job.id}'s hand-over`).toBe(context.stage < 3 ? `${job.id}/next` : undefined);
      }
      const fragments = [...readOnly.scanRecords('entities', ['crash'])];
      expect(fragments.map((record) => record.key).sort(), `seed ${seed}: one fragment per analyzed document`).toEqual(
        Array.from({ length: CHAINS }, (_, i) => ['crash', `doc-${i}`, `chain-${i}/next`]).sort(),
      );
      expect(fragments.every(({ value }) => /^document \d+$/.test((value as { properties: { bodyText: string[] } }).properties.bodyText[0]!))).toBe(true);
      const report = await verifyStore(readOnly, { expectSettled: true });
      expect(report.violations, `seed ${seed}`).toEqual([]);
      expect([...readOnly.inbox()]).toHaveLength(0);
      expect([...readOnly.timers()]).toHaveLength(0);
    } finally {
      await readOnly.close();
    }

    const tasksTmp = join(store, 'tmp', 'tasks');
    expect(existsSync(tasksTmp) ? readdirSync(tasksTmp) : [], `seed ${seed}: temporary local copies left`).toEqual([]);
    const runs = new Map<string, number>();
    for (const line of readFileSync(ledger, 'utf8').trim().split('\n')) {
      const [stage, jobId, , key] = line.split(' ');
      expect(key, `seed ${seed}: a task's idempotency key is its job id`).toBe(jobId);
      runs.set(`${stage} ${jobId}`, (runs.get(`${stage} ${jobId}`) ?? 0) + 1);
    }
    expect(runs.size, `seed ${seed}: every stage of every chain ran`).toBe(CHAINS * 3);
    const reruns = [...runs.values()].filter((count) => count > 1).length;
    console.log(`task crash seed ${seed}: ${kills} kills, ${idleRuns} idle opens putting ${requeued} interrupted runs back to queued, ${reruns} runs re-run after a kill`);
  });
});
