/**
 * SIGKILL during a fold (issue 21): retention removes a finished parent's
 * final children a page per commit, each with the parent's `folded` count; a
 * kill at any instant leaves every page folded or not (the count is a whole
 * number of pages, and children left plus children counted are all of them),
 * never touches unfinished work, and the next pass finishes the fold.
 * Repeatable: HOLDFAST_CRASH_SEED=<seed> npm test.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore, verifyStore } from '../../src/index.js';
import { actorId, type SyncStore } from '../../src/persistence/store.js';
import { FOLDED, type FoldedChildren } from '../../src/runtime/child-fold.js';
import { defineMachine } from '../../src/runtime/machine-registry.js';
import { child, parent } from '../fixtures/machines.js';
import { crashSeed, fullScale, startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';
import { syncReads } from '../helpers/sync-reads.js';

const folding = defineMachine({ ...parent, name: 'folding', foldChildren: true });
const ROUNDS = fullScale ? 8 : 3;
/** Three pages of 256 (child-fold.ts): a kill can fall between them. */
const CHILDREN = 600;
const PAGE = 256;

/** What must hold after any kill; returns how many children of the finished parents are folded. */
function check(store: SyncStore, rounds: number, seed: number): number {
  let folded = 0;
  for (let round = 0; round < rounds; round++) {
    const id = actorId(`finished-${round}`);
    expect(store.getActor(id)?.status, `seed ${seed}: ${id}`).toBe('done');
    expect((store.getActor(id)!.snapshot!.context as { done: number }).done).toBe(CHILDREN);
    const left = [...store.queryActors({ parent: id })];
    expect(left.every((c) => c.status === 'done'), `seed ${seed}: ${id} has a child not done`).toBe(true);
    const count = store.getRecord<FoldedChildren>(FOLDED, id) ?? { children: 0, states: {}, at: 0 };
    expect(count.children % PAGE === 0 || count.children === CHILDREN, `seed ${seed}: ${id} folded ${count.children}: not whole pages`).toBe(true);
    expect(left.length + count.children, `seed ${seed}: ${id} lost children`).toBe(CHILDREN);
    expect(count.states.done ?? 0).toBe(count.children);
    folded += count.children;
  }
  return folded;
}

describe('crash: SIGKILL during a fold', () => {
  it('leaves each page of children folded or not, never unfinished work, and the next pass finishes', async () => {
    const { seed, random } = crashSeed();
    const store = join(tempFolder('holdfast-crash-'), 'store');
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The pass is three fold commits: killed around a random one, or a few ms after it starts.
      const killAt = Math.floor(random() * 4);
      const jitter = Math.floor(random() * (killAt === 0 ? 30 : 4));
      const workload = startWorkload('fold', [store, String(round), String(CHILDREN), String(killAt), String(jitter)]);
      expect(await waitForOutput(workload, 'READY', 30_000), `seed ${seed}: ${workload.errors()}`).toBe(true);
      const { signal, code } = await workload.exited;
      expect(signal === 'SIGKILL' || code === 0, `seed ${seed}: ${workload.errors()}`).toBe(true);
      const readOnly = openLmdbStore(store, { readOnly: true });
      try {
        const folded = check(readOnly, round + 1, seed);
        expect(readOnly.countActors({ parent: actorId(`waiting-${round}`) }), `seed ${seed}: unfinished work was folded`).toBe(5);
        expect((await verifyStore(readOnly)).violations, `seed ${seed}`).toEqual([]);
        outcomes.push(`${signal === 'SIGKILL' ? `killed at ${killAt}+${jitter}ms` : 'finished'} (${folded} folded)`);
      } finally {
        await readOnly.close();
      }
    }
    // After the kills: the unfinished parents complete, and a pass folds everything left.
    const runtime = await createRuntime({ store, machines: [folding, child], retention: false });
    try {
      for (let round = 0; round < ROUNDS; round++) await runtime.waitFor(`waiting-${round}`, (record) => record.status === 'done', 20_000);
      await runtime.whenIdle();
      await runtime.prune({ olderThanMs: 0 });
      expect(check(syncReads(runtime), ROUNDS, seed)).toBe(ROUNDS * CHILDREN);
      for (let round = 0; round < ROUNDS; round++) expect((await runtime.records.get<FoldedChildren>(FOLDED, `waiting-${round}`))?.children).toBe(5);
      const report = await verifyStore(runtime.store);
      expect(report.violations, `seed ${seed}`).toEqual([]);
      expect(report.folded).toBe(ROUNDS * (CHILDREN + 5));
      expect(report.actors).toBe(ROUNDS * 2);
    } finally {
      await runtime.close();
    }
    console.log(`crash seed ${seed}: ${outcomes.join(', ')}`);
  }, 40_000);
});
