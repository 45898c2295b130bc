/**
 * A store opened without a job's application does not fail its batches
 * (issue 5): a `run --all --parallel 4` is SIGKILLed mid-run; a process
 * without the application (as `holdfast watch` or `ingest` open the store)
 * resumes the interrupted batches, which wait where they stood; a process
 * with it wakes them and the run ends with every item once.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHoldfast } from '../../src/cli/assembly.js';
import { openLmdbStore, verifyStore } from '../../src/index.js';
import type { BatchRecord } from '../../src/adapters/batch/batch-records.js';
import { runCli } from '../helpers/dataload.js';
import { startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';
import { crashyApplication } from './workloads/crashy-app.js';
import { arrayOf } from '../../src/runtime/async-views.js';

const ITEMS = 2_000;
const BATCH_SIZE = 200;

/** The application of test/crash/workloads/batch-run.ts (same name and version). */
const crashy = crashyApplication();

/** The job's batch records and batch actors, read beside any owner. */
function peek(store: string) {
  const readOnly = openLmdbStore(store, { readOnly: true });
  try {
    const job = [...readOnly.queryActors({ machine: 'batchJob' })][0];
    const records = job ? [...readOnly.scanRecords<BatchRecord>('batch.batches', [job.id])].map((r) => ({ key: JSON.stringify(r.key), position: r.value.position, done: r.value.done })) : [];
    const actors = job ? [...readOnly.queryActors({ parent: job.id })].map((a) => ({ id: a.id, state: a.state, status: a.status, effects: Object.keys(a.effects).length, recoveries: a.recoveries ?? 0 })) : [];
    return { job: job?.id, records, actors };
  } finally {
    void readOnly.close();
  }
}

describe('crash: batches wait for their application', () => {
  it('wait, neither failing nor advancing, in a process without the application, and finish in one with it', async () => {
    const store = join(tempFolder('holdfast-crash-waiting-'), 'store');
    // 800 us an item: about 0.4 s per batch of 200 at --parallel 4, so the kill lands mid-run.
    const child = startWorkload('batch-run', [store, String(ITEMS), String(BATCH_SIZE), '20', '800']);
    expect(await waitForOutput(child, 'JOB ')).toBe(true);
    const deadline = Date.now() + 30_000;
    while (peek(store).records.filter((r) => r.position > 0).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    child.child.kill('SIGKILL');
    await child.exited;
    expect(child.output()).not.toContain('DONE');
    const before = peek(store);
    const job = before.job!;
    const inFlight = before.actors.filter((a) => a.status === 'active').length;
    expect(inFlight, 'batches in flight at the kill').toBeGreaterThan(0);

    // Twice without the application: each open resumes the interrupted work, and nothing moves.
    for (let open = 0; open < 2; open++) {
      const holdfast = await openHoldfast({ store, listen: false });
      try {
        await holdfast.runtime.whenIdle(20_000);
        const view = (await holdfast.batchJobs.get(job))!;
        expect(view.state).toBe('waitingForApplication');
        expect(view.waitingForApplication).toMatchObject({ application: 'crashy' });
        expect(view.waitingForApplication!.batches).toHaveLength(inFlight);
        expect((await holdfast.batchJobs.batches(job)).filter((b) => b.waitingForApplication)).toHaveLength(inFlight);
      } finally {
        await holdfast.close();
      }
      const after = peek(store);
      expect(after.records, 'no batch advanced').toEqual(before.records);
      expect(after.actors.filter((a) => a.state === 'failed'), 'no batch failed').toEqual([]);
      const waiting = after.actors.filter((a) => a.status === 'active');
      // No effect left to run, and no recovery counted towards the poison limit.
      expect(waiting.every((a) => a.state === 'waitingForApplication' && a.effects === 0 && a.recoveries === 0)).toBe(true);
      expect(waiting).toHaveLength(inFlight);
    }
    // The read-only views say so.
    const shown = await runCli(['job', job, '--store', store]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/waitingForApplication[\s\S]*wait for application crashy: continue with holdfast resume --app FILE/);
    const batches = await runCli(['batches', job, '--store', store]);
    expect(batches.stdout).toContain('waiting for its application');

    // A process with the application wakes them at open; the interrupted run ends, then a run --all finds the rest.
    const holdfast = await openHoldfast({ store, applications: [crashy], listen: false });
    try {
      const [resumed] = await holdfast.batchJobs.resumeRuns();
      expect(resumed).toMatchObject({ job, batchesFailed: 0, errors: [] });
      await holdfast.batchJobs.run(job, { batches: 'all', parallel: 4 });
      const results = new Set((await arrayOf(holdfast.batchJobs.results(job))).map((r) => r.item));
      const open = (await holdfast.batchJobs.exceptions(job, { open: true })).map((e) => e.item);
      expect(open).toHaveLength(Math.ceil(ITEMS / 97));
      for (const item of open) expect(results.has(item)).toBe(false);
      expect(results.size + open.length, 'every item exactly once').toBe(ITEMS);
      const views = (await holdfast.batchJobs.batches(job));
      expect(views.every((b) => b.done && b.completions === 1 && !b.waitingForApplication)).toBe(true);
      expect((await holdfast.batchJobs.get(job))).toMatchObject({ state: 'finished' });
      expect((await holdfast.runtime.query({ root: job as never, machine: 'batch' })).filter((a) => a.state === 'failed')).toEqual([]);
      const report = await verifyStore(holdfast.store);
      expect(report.violations).toEqual([]);
    } finally {
      await holdfast.close();
    }
  });
});
