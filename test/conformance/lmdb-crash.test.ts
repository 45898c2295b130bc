/**
 * The conformance suite's crash for LMDB: a child commits steps back to back (two in
 * flight) and is SIGKILLed at a random instant; reopened, the store holds exactly the
 * state after one commit n, every commit up to n and none after, and n is at least the
 * last commit the child was told was done (RELIABILITY.md I1). Run again from there.
 * HOLDFAST_CRASH_SEED repeats a run.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import type { ActorId, IntegrityProblem } from '../../src/persistence/store.js';
import { crashSeed, fullScale, killAfter, startWorkload } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';
import { list } from './conformance-fixtures.js';

const ROUNDS = fullScale ? 20 : 5;

describe('LMDB store: SIGKILL in the middle of a commit loop', () => {
  it('reopens with the whole of each commit or none of it, and every acknowledged one', async () => {
    const { seed, random } = crashSeed();
    const folder = join(tempFolder('holdfast-crash-'), 'store');
    let last = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const child = startWorkload('store-commits', [folder]);
      const outcome = await killAfter(child, 30 + Math.floor(random() * 300));
      expect(outcome, `seed ${seed} round ${round}: ${child.errors()}`).toBe('killed');
      const acknowledged = Math.max(0, ...[...child.output().matchAll(/^ACK (\d+)$/gm)].map((match) => Number(match[1])));
      const store = openLmdbStore(folder);
      try {
        const n = store.getRecord<number>('c', 'n') ?? 0;
        const context = `seed ${seed} round ${round}: store at ${n}, acknowledged ${acknowledged}`;
        expect(n, context).toBeGreaterThanOrEqual(Math.max(acknowledged, last));
        const records = await list(store.scanRecords<number>('c'));
        expect(records.filter((record) => record.value !== n), context).toEqual([]);
        expect(records.map((record) => record.key).filter((key) => String(key).startsWith('d')), context).toEqual(n > 0 ? [`d${n}`] : []);
        expect(records, context).toHaveLength(n > 0 ? 52 : 0);
        const actor = await store.getActor('a1' as ActorId);
        expect(actor?.state, context).toBe(n > 0 ? `s${n}` : undefined);
        expect(await store.countActors({ machine: 'worker' }), context).toBe(n > 0 ? 1 : 0);
        expect(await store.countActors({ machine: 'worker', state: `s${n}` }), context).toBe(n > 0 ? 1 : 0);
        expect((await list(store.journal('a1' as ActorId))).map((entry) => entry.seq), context).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        const problems: IntegrityProblem[] = [];
        await store.checkIntegrity({ problem: (problem) => problems.push(problem) });
        expect(problems, context).toEqual([]);
        last = n;
      } finally {
        await store.close();
      }
    }
    expect(last).toBeGreaterThan(0);
  });
});
