/**
 * SIGTERM drains (RELIABILITY.md): no new work, running effects finish or are
 * left to re-run, everything flushed, no leaked handles (the process exits on
 * its own, code 0); the store is clean and the work completes on restart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/index.js';
import { verifyStore } from '../../src/testing/index.js';
import { fullScale, startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';
import { expectParentComplete } from './workloads/parent-store-checks.js';

const CHILDREN = fullScale ? 1_000 : 200;

describe('crash: SIGTERM drains', () => {
  it('exits 0 on its own after SIGTERM mid-run, leaves a clean store, and the work completes on restart', async () => {
    const folder = tempFolder('holdfast-drain-');
    const store = join(folder, 'store');
    const ledger = join(folder, 'ledger.txt');
    const args = [store, ledger, String(CHILDREN), '20'];

    const first = startWorkload('drain', args, { HOLDFAST_WORK_MS: '30' });
    expect(await waitForOutput(first, 'WORKING', 30_000), first.output()).toBe(true);
    first.child.kill('SIGTERM');
    const exit = await Promise.race([first.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000))]);
    if (exit === 'hung') first.child.kill('SIGKILL');
    expect(exit, `did not exit on its own after SIGTERM (a leaked handle?)\n${first.output()}`).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('NEW WORK REFUSED RUNTIME_CLOSED');
    expect(first.output()).toContain('DRAINED');
    expect(first.output()).not.toContain('DONE');

    const drained = openLmdbStore(store, { readOnly: true });
    try {
      expect(drained.getActor('root' as never)?.status, 'SIGTERM should land mid-run').toBe('active');
      const report = await verifyStore(drained);
      expect(report.violations).toEqual([]);
      expect(report.waiting.filter((id) => id !== 'root'), 'active children all have work pending').toEqual([]);
      // Every effect that ran to the end before the drain had its result committed.
      const ran = new Set(readFileSync(ledger, 'utf8').trim().split('\n').map((line) => line.split(' ')[0]));
      const settledChildren = [...drained.queryActors({ parent: 'root' as never })].filter((c) => c.status === 'done' || c.state !== 'working');
      for (const c of settledChildren) expect(ran.has(String((c.snapshot?.context as { index: number }).index))).toBe(true);
    } finally {
      await drained.close();
    }

    const second = startWorkload('drain', args);
    expect(await waitForOutput(second, 'DONE', 45_000), second.output()).toBe(true);
    expect((await second.exited).code).toBe(0);
    await expectParentComplete(store, ledger, CHILDREN, 'after a SIGTERM drain');
  });
});
