/**
 * SIGKILL at random instants across a 1,000-child workload (issue 2, RELIABILITY.md:
 * I1, I2, I4, I5). Repeatable: HOLDFAST_CRASH_SEED=<seed> npm test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore, verifyStore } from '../../src/index.js';
import { crashSeed, fullScale, killAfter, runToEnd, startWorkload } from '../helpers/processes.js';
import { summariseStore } from '../helpers/store-summary.js';
import { tempFolder } from '../helpers/temp-store.js';

const CHILDREN = 1_000;
const KILLS = fullScale ? 40 : 12;

describe('crash: parent with 1,000 children under repeated SIGKILL', () => {
  it('ends with every actor final, counts exact, every effect run with a stable key, and a clean store', async () => {
    const { seed, random } = crashSeed();
    const folder = tempFolder('holdfast-crash-');
    const store = join(folder, 'store');
    const ledger = join(folder, 'ledger.txt');
    const args = [store, ledger, String(CHILDREN), '40'];
    let kills = 0;
    for (let run = 0; kills < KILLS && run < KILLS * 3; run++) {
      const outcome = await killAfter(startWorkload('parent-children', args, { HOLDFAST_WORK_MS: '30' }), Math.floor(random() * 300));
      expect(outcome, `seed ${seed}: runtime did not open`).not.toBe('unready');
      if (outcome === 'finished') break; // finished before we could kill it: the kills so far stand
      kills++;
    }
    const last = startWorkload('parent-children', args);
    const { code, signal, timedOut } = await runToEnd(last);
    if (code !== 0) {
      const why = timedOut ? 'did not end in 120 s' : `exited ${code ?? signal}`;
      expect.fail(`seed ${seed}: final run ${why}\nstdout: ${last.output().slice(-1_000)}\nstderr: ${last.errors().slice(-2_000)}\nstore:\n${await summariseStore(store)}`);
    }
    expect(last.output()).toContain('DONE');

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      const root = readOnly.getActor('root' as never)!;
      const context = root.snapshot!.context as { done: number; total: number; seen: Record<string, true> };
      expect(root.status, `seed ${seed}`).toBe('done');
      expect(context.done, `seed ${seed}: parent counted each child once`).toBe(CHILDREN);
      expect(Object.keys(context.seen)).toHaveLength(CHILDREN);
      const children = [...readOnly.queryActors({ parent: 'root' as never })];
      expect(children).toHaveLength(CHILDREN);
      expect(children.every((c) => c.status === 'done')).toBe(true);
      const report = await verifyStore(readOnly, { expectSettled: true });
      expect(report.violations, `seed ${seed}`).toEqual([]);
      expect([...readOnly.inbox()]).toHaveLength(0);
      expect([...readOnly.timers()]).toHaveLength(0);
    } finally {
      await readOnly.close();
    }
    expect(existsSync(ledger)).toBe(true);
    const keysByIndex = new Map<string, Set<string>>();
    for (const line of readFileSync(ledger, 'utf8').trim().split('\n')) {
      const [index, , key] = line.split(' ');
      if (!keysByIndex.has(index!)) keysByIndex.set(index!, new Set());
      keysByIndex.get(index!)!.add(key!);
    }
    expect(keysByIndex.size, `seed ${seed}: every effect ran at least once`).toBe(CHILDREN);
    for (const [index, keys] of keysByIndex) expect(keys.size, `seed ${seed}: child ${index} re-ran under one key`).toBe(1);
    console.log(`crash seed ${seed}: ${kills} kills`);
  });
});
