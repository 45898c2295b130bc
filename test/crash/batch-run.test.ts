/**
 * Batch jobs under SIGKILL at random instants (issue 5): `run --all
 * --parallel 4` over 5,000 items (100,000 at full scale) is killed and
 * resumed until done. At the end every item has exactly one result or one
 * open exception, each batch was completed exactly once (its record's count
 * and its completed actors), the DAG statistics add up to the item count,
 * and the store verifies. Repeatable: HOLDFAST_CRASH_SEED=<seed>.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore, verifyStore } from '../../src/index.js';
import type { BatchRecord, ExceptionRecord, ItemPage } from '../../src/adapters/batch/batch-records.js';
import { crashSeed, fullScale, killAfter, runToEnd, startWorkload } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

const ITEMS = fullScale ? 100_000 : 5_000;
const BATCH_SIZE = fullScale ? 2_500 : 250;
const CHUNK = fullScale ? 500 : 60;
const ITEM_US = fullScale ? 150 : 600;
const KILLS = fullScale ? 25 : 8;
/** Kills land from the moment the store is open to about one full run later. */
const WINDOW_MS = fullScale ? 2_500 : 1_000;

describe('crash: batch job run --all --parallel 4 under repeated SIGKILL', () => {
  it(`ends with every one of ${ITEMS.toLocaleString('en-US')} items once in results or open exceptions, each batch done once, stats adding up`, async () => {
    const { seed, random } = crashSeed();
    const store = join(tempFolder('holdfast-crash-batch-'), 'store');
    const args = [store, String(ITEMS), String(BATCH_SIZE), String(CHUNK), String(ITEM_US)];
    let kills = 0;
    for (let run = 0; kills < KILLS && run < KILLS * 3; run++) {
      const outcome = await killAfter(startWorkload('batch-run', args), Math.floor(random() * WINDOW_MS));
      expect(outcome, `seed ${seed}: runtime did not open`).not.toBe('unready');
      if (outcome === 'finished') break;
      kills++;
    }
    const last = startWorkload('batch-run', args);
    const { code } = await runToEnd(last, 240_000);
    expect(code, `seed ${seed}: final run failed`).toBe(0);
    expect(last.output()).toContain('DONE');

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      const jobs = [...readOnly.queryActors({ machine: 'batchJob' })];
      expect(jobs, `seed ${seed}: one job`).toHaveLength(1);
      const job = jobs[0]!.id;
      const context = jobs[0]!.snapshot!.context as { items: number; batches: number; run?: unknown; queue: unknown[] };
      expect(context).toMatchObject({ items: ITEMS, batches: ITEMS / BATCH_SIZE, queue: [] });
      expect(context.run).toBeUndefined();

      const ids = [...readOnly.scanRecords<ItemPage>('batch.items', [job])].flatMap((r) => r.value.map(([id]) => id));
      expect(ids).toHaveLength(ITEMS);
      const results = new Set([...readOnly.scanRecords('batch.results', [job])].map((r) => String((r.key as unknown[])[1])));
      const exceptions = [...readOnly.scanRecords<ExceptionRecord>('batch.exceptions', [job])];
      expect(exceptions.every((e) => !e.value.resolved), `seed ${seed}`).toBe(true);
      const open = new Set(exceptions.map((r) => String((r.key as unknown[])[1])));
      expect(open.size).toBe(Math.ceil(ITEMS / 97));
      for (const id of open) expect(results.has(id), `seed ${seed}: ${id} has a result and an exception`).toBe(false);
      expect(results.size + open.size, `seed ${seed}: every item once`).toBe(ITEMS);
      for (const id of ids) expect(results.has(id) || open.has(id), `seed ${seed}: ${id} has no outcome`).toBe(true);

      const batches = [...readOnly.scanRecords<BatchRecord>('batch.batches', [job])].map((r) => r.value);
      expect(batches).toHaveLength(ITEMS / BATCH_SIZE);
      expect(batches.every((b) => b.done && b.completions === 1), `seed ${seed}: each batch completed once`).toBe(true);
      const completedActors = new Map<string, number>();
      for (const actor of readOnly.queryActors({ parent: job })) {
        const batch = /\/b(\d+)\.r\d+$/.exec(actor.id)?.[1];
        if (batch !== undefined && actor.state === 'completed') completedActors.set(batch, (completedActors.get(batch) ?? 0) + 1);
        expect(actor.status, `seed ${seed}: ${actor.id}`).toBe('done');
      }
      expect(completedActors.size).toBe(ITEMS / BATCH_SIZE);
      expect([...completedActors.values()].every((count) => count === 1), `seed ${seed}: one completed actor per batch`).toBe(true);

      const sum = (node: string, field: 'items' | 'successes' | 'failures') => batches.reduce((total, b) => total + (b.stats[node]?.[field] ?? 0), 0);
      expect([sum('parse', 'items'), sum('work', 'items'), sum('format', 'items')]).toEqual([ITEMS, ITEMS, ITEMS - open.size]);
      expect([sum('work', 'successes'), sum('work', 'failures')]).toEqual([ITEMS - open.size, open.size]);
      expect(sum('format', 'successes')).toBe(results.size);

      const report = await verifyStore(readOnly);
      expect(report.violations, `seed ${seed}`).toEqual([]);
      expect(report.byStatus.parked).toBe(0);
      expect(report.waiting).toEqual([job]);
      expect([...readOnly.scanRecords('batch.creating')]).toHaveLength(0);
    } finally {
      await readOnly.close();
    }
    console.log(`batch crash seed ${seed}: ${kills} kills`);
  });
});
