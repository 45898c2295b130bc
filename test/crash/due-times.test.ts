/**
 * Durable time across a kill (RELIABILITY.md): delayed transitions whose due
 * time passed while the process was down fire after the restart, late, and
 * once each (xstate#5331: XState does not restore `after` delays itself).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/index.js';
import { verifyStore } from '../../src/testing/index.js';
import { fullScale, startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

const SLEEPERS = fullScale ? 2_000 : 200;
const NAP_MS = fullScale ? 1_000 : 300; // long enough for every spawn to be durable before the first falls due

describe('crash: due times across a SIGKILL', () => {
  it('fires each timer that fell due while the process was down once, late, after the restart', async () => {
    const store = join(tempFolder('holdfast-due-'), 'store');
    const first = startWorkload('sleepers', [store, String(SLEEPERS), String(NAP_MS)]);
    expect(await waitForOutput(first, 'SPAWNED', 30_000), first.output()).toBe(true);
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await first.exited).signal).toBe('SIGKILL');

    const down = openLmdbStore(store, { readOnly: true });
    let latestDue = 0;
    try {
      const sleepers = [...down.queryActors({ machine: 'sleeper' })];
      expect(sleepers).toHaveLength(SLEEPERS);
      // Killed before any nap ended: every sleeper waits on a stored due time.
      expect(sleepers.filter((s) => s.state !== 'sleeping').map((s) => s.id)).toEqual([]);
      const timers = [...down.timers()];
      expect(timers).toHaveLength(SLEEPERS);
      latestDue = Math.max(...timers.map((t) => t.due));
    } finally {
      await down.close();
    }

    // The process stays down past every due time (the scenario, not a synchronisation).
    const downFor = Math.max(0, latestDue - Date.now()) + 600;
    await new Promise((resolve) => setTimeout(resolve, downFor));
    const restartedAt = Date.now();
    const second = startWorkload('sleepers', [store, String(SLEEPERS), String(NAP_MS)]);
    expect(await waitForOutput(second, 'DONE', 30_000), second.output()).toBe(true);
    expect((await second.exited).code).toBe(0);
    expect(restartedAt - killedAt).toBeGreaterThanOrEqual(600);

    const after = openLmdbStore(store, { readOnly: true });
    try {
      for (const record of after.queryActors({ machine: 'sleeper' })) {
        expect(record, record.id).toMatchObject({ status: 'done', state: 'awake' });
        const woke = [...after.journal(record.id)].filter((entry) => entry.from === 'sleeping');
        expect(woke, `${record.id} left sleeping once`).toHaveLength(1);
        expect(woke[0]!.event).toMatch(/^xstate\.after\./);
        const spawnedAt = [...after.journal(record.id)][0]!.at;
        // Late: after the restart, well past its due time.
        expect(woke[0]!.at).toBeGreaterThanOrEqual(restartedAt);
        expect(woke[0]!.at).toBeGreaterThanOrEqual(spawnedAt + NAP_MS);
      }
      expect([...after.timers()]).toEqual([]);
      expect((await verifyStore(after, { expectSettled: true })).violations).toEqual([]);
    } finally {
      await after.close();
    }
  });
});
