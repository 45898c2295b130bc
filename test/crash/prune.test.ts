/**
 * SIGKILL during pruning (issue 21): retention removes and rewrites journal
 * entries in many small transactions; a kill at any instant loses nothing:
 * every unfinished actor's journal is whole (every step from its first to its
 * last, in order), a finished actor's journal is whole or gone from its start
 * (never a hole), finished jobs keep their summaries, and recovery runs the
 * unfinished work to its end. Repeatable: HOLDFAST_CRASH_SEED=<seed> npm test.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore, verifyStore } from '../../src/index.js';
import { actorId, type SyncStore } from '../../src/persistence/store.js';
import { child, counter, parent } from '../fixtures/machines.js';
import { crashSeed, fullScale, startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';
import { syncReads } from '../helpers/sync-reads.js';

const ROUNDS = fullScale ? 10 : 3;
const CHILDREN = fullScale ? 1_000 : 200;

/** What must hold after any kill: the journals retention may touch, and the summaries it must keep. */
function checkJournals(store: SyncStore, rounds: number, seed: number): { pruned: number; whole: number } {
  let pruned = 0;
  let whole = 0;
  for (const record of store.queryActors({})) {
    const seqs = [...store.journal(record.id)].map((entry) => entry.seq);
    const contiguous = seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1) && (seqs.length === 0 || seqs.at(-1) === record.seq);
    expect(contiguous, `seed ${seed}: ${record.id}'s journal has a hole: ${seqs.join(',')}`).toBe(true);
    if (record.status === 'active') {
      expect(seqs[0], `seed ${seed}: ${record.id} (unfinished) lost journal entries`).toBe(1);
      const latest = [...store.journal(record.id, { fromSeq: record.seq })][0];
      expect(latest?.snapshot, `seed ${seed}: ${record.id}'s latest entry lost its snapshot`).toEqual(record.snapshot);
    }
    if (seqs.length === 0) pruned++;
    else if (seqs[0] === 1) whole++;
  }
  for (let round = 0; round < rounds; round++) {
    const summary = store.getActor(actorId(`finished-${round}`));
    expect(summary?.status, `seed ${seed}: finished-${round}`).toBe('done');
    expect((summary!.snapshot!.context as { done: number }).done).toBe(CHILDREN);
    expect([...store.queryActors({ parent: actorId(`finished-${round}`) })].filter((c) => c.status === 'done')).toHaveLength(CHILDREN);
  }
  return { pruned, whole };
}

describe('crash: SIGKILL during pruning', () => {
  it('loses no journal entry of unfinished work, no summary of finished work, and recovery runs on', async () => {
    const { seed, random } = crashSeed();
    const store = join(tempFolder('holdfast-crash-'), 'store');
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A pass is about 15 transactions, and 3 more per earlier round (its counter's journal read
      // again): killed around a random one of them, at once or a few ms on.
      const killAt = 1 + Math.floor(random() * (15 + 3 * round));
      const jitter = Math.floor(random() * 4);
      const workload = startWorkload('prune', [store, String(round), String(CHILDREN), String(killAt), String(jitter)]);
      expect(await waitForOutput(workload, 'READY'), `seed ${seed}: ${workload.errors()}`).toBe(true);
      const { signal, code } = await workload.exited;
      const outcome = signal === 'SIGKILL' ? `killed at ${killAt}+${jitter}ms` : `finished (${code})`;
      expect(signal === 'SIGKILL' || code === 0, `seed ${seed}: ${workload.errors()}`).toBe(true);
      const readOnly = openLmdbStore(store, { readOnly: true });
      try {
        const { pruned, whole } = checkJournals(readOnly, round + 1, seed);
        outcomes.push(`${outcome} (${pruned} journals gone, ${whole} whole)`);
      } finally {
        await readOnly.close();
      }
    }
    // Recovery after the kills: the resting children fire their timers, their parents complete.
    const runtime = await createRuntime({ store, machines: [parent, child, counter], retention: false });
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const done = await runtime.waitFor(`waiting-${round}`, (record) => record.status === 'done', 20_000);
        expect((done.snapshot!.context as { done: number }).done, `seed ${seed}`).toBe(5);
      }
      const { whole } = checkJournals(syncReads(runtime), ROUNDS, seed);
      expect(whole).toBeGreaterThan(0);
      // A pass after the kills finishes what they cut short.
      await runtime.prune({ olderThanMs: 0 });
      const after = checkJournals(syncReads(runtime), ROUNDS, seed);
      expect(after.pruned).toBe(ROUNDS * (CHILDREN + 1 + 6));
      expect((await verifyStore(runtime.store)).violations, `seed ${seed}`).toEqual([]);
    } finally {
      await runtime.close();
    }
    console.log(`crash seed ${seed}: ${outcomes.join(', ')}`);
  }, 60_000);
});
