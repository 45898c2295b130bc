/**
 * SIGKILL while process jobs run (issue 7, RELIABILITY.md I2, I4, I9): a mix
 * of idempotent and non-idempotent jobs, functions and executables, killed
 * mid-run, then resumed (sometimes killed again). Afterwards no acknowledged
 * job is lost; every idempotent job succeeded (run again where it was cut
 * short); every non-idempotent job either succeeded having started once or
 * ended `interrupted` having started at most once: none was ever started
 * twice; no executable outlived its owner past the next start.
 * Repeatable: HOLDFAST_CRASH_SEED=<seed>.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore, verifyStore } from '../../src/index.js';
import { crashSeed, fullScale, killAfter, runToEnd, startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

const JOBS = fullScale ? 200 : 40;
// A job cut short at every restart is parked as poison after 5 recoveries (RELIABILITY.md): at most 5 kills here.
const KILLS = fullScale ? 5 : 3;

describe('crash: process jobs under SIGKILL', () => {
  it('re-runs interrupted idempotent jobs, marks the others interrupted, and loses none', async () => {
    const { seed, random } = crashSeed();
    const folder = tempFolder('holdfast-process-crash-');
    const ledger = join(folder, 'ledger.txt');
    const args = (mode: string) => [folder, ledger, String(JOBS), mode];

    const first = startWorkload('process-jobs', args('submit'));
    expect(await waitForOutput(first, 'READY'), `seed ${seed}: submissions did not finish`).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(random() * 150)));
    first.child.kill('SIGKILL');
    await first.exited;
    const submitted = [...first.output().matchAll(/SUBMITTED (\S+) (true|false) (\S+)/g)].map((m, i) => ({ id: m[1]!, idempotent: m[2] === 'true', tag: m[3]!, file: i % 3 === 2 }));
    expect(submitted).toHaveLength(JOBS);

    for (let kill = 1; kill < KILLS; kill++) {
      const outcome = await killAfter(startWorkload('process-jobs', args('resume')), 100 + Math.floor(random() * 300));
      expect(outcome, `seed ${seed}: resume did not open`).not.toBe('unready');
      if (outcome === 'finished') break;
    }
    const last = startWorkload('process-jobs', args('resume'));
    expect((await runToEnd(last)).code, `seed ${seed}: the last run failed`).toBe(0);
    expect(last.output()).toContain('DONE');
    const settledLedger = readFileSync(ledger, 'utf8');
    const lines = settledLedger.trim().split('\n');
    const count = (kind: string, tag: string) => lines.filter((line) => line === `${kind} ${tag}`).length;
    const store = openLmdbStore(join(folder, 'store'), { readOnly: true });
    try {
      let interrupted = 0;
      let reruns = 0;
      let orphansKilled = 0;
      for (const job of submitted) {
        const record = store.getActor(job.id as never);
        expect(record, `seed ${seed}: job ${job.id} was lost`).toBeDefined();
        const starts = count('start', job.tag);
        if (job.idempotent) {
          expect(record!.state, `seed ${seed}: idempotent ${job.id}`).toBe('succeeded');
          expect(count('end', job.tag), `seed ${seed}: ${job.id} ran to its end`).toBeGreaterThanOrEqual(1);
          if (starts > 1) reruns++;
        } else {
          expect(starts, `seed ${seed}: non-idempotent ${job.id} started twice`).toBeLessThanOrEqual(1);
          expect(['succeeded', 'interrupted'], `seed ${seed}: ${job.id} is ${record!.state}`).toContain(record!.state);
          if (record!.state === 'succeeded') expect(starts, `seed ${seed}: ${job.id}`).toBe(1);
          else interrupted++;
          // An executable cut short by the kill never finished: the next owner killed its orphaned group.
          if (record!.state === 'interrupted' && job.file) {
            expect(count('end', job.tag), `seed ${seed}: the orphan of ${job.id} kept running`).toBe(0);
            orphansKilled++;
          }
        }
      }
      // The kill landed mid-run: some idempotent jobs ran again and some others were marked interrupted.
      expect(interrupted, `seed ${seed}: no job was interrupted`).toBeGreaterThan(0);
      expect(reruns, `seed ${seed}: no idempotent job ran again`).toBeGreaterThan(0);
      expect(orphansKilled, `seed ${seed}: no executable was cut short`).toBeGreaterThan(0);
      const report = await verifyStore(store);
      expect(report.violations, `seed ${seed}`).toEqual([]);
      expect([...store.scanRecords('processStarts')].length, `seed ${seed}: start marks outlived their runs`).toBe(0);
    } finally {
      await store.close();
    }
  });
});
