/**
 * SIGKILL during a store format migration (issue 21): opening a format 2 store
 * for writing drops the root keys format 2 kept for a job's direct children
 * (lmdb-store.ts). Killed before, during or after that, nothing is lost: the
 * store reads as format 2 with every key it had, or as format 3 without the
 * dropped ones, never between; every actor and journal entry is there; and
 * the next open finishes the migration to a sound store.
 * Repeatable: HOLDFAST_CRASH_SEED=<seed> npm test.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { openLmdbStore, STORE_FORMAT_VERSION, verifyStore } from '../../src/index.js';
import type { ActorId, ActorRecord, Mutation, SyncStore } from '../../src/persistence/store.js';
import { crashSeed, fullScale, startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

const CHILDREN = fullScale ? 100_000 : 20_000;
const ROUNDS = fullScale ? 12 : 5;
const JOB = 'job' as ActorId;

const actor = (id: string, parent?: string): ActorRecord => ({
  id: id as ActorId,
  machine: 'counter',
  version: '1',
  root: JOB,
  ...(parent ? { parent: parent as ActorId } : {}),
  status: 'done',
  state: 'done',
  seq: 1,
  snapshot: { status: 'done', value: 'done', context: { id } },
  effects: {},
  timers: {},
  createdAt: 1,
  updatedAt: 1,
});
const childIds = Array.from({ length: CHILDREN }, (_, i) => `job/c${i}`);
/** The job, its children, and one grandchild (which keeps its root key in every format). */
const expectedIds = ['job', ...childIds, 'job/c0/g'].sort();

/** A store as format 2 wrote it: every actor of the job under ['r', root] too. */
async function formatTwoStore(folder: string): Promise<void> {
  const store = openLmdbStore(folder);
  const records = [actor('job'), ...childIds.map((id) => actor(id, 'job')), actor('job/c0/g', 'job/c0')];
  const mutations: Mutation[] = records.flatMap((record): Mutation[] => [
    { op: 'putActor', record },
    { op: 'putJournal', actor: record.id, entry: { seq: 1, event: 'start', from: 'idle', to: 'done', at: 1, durationMs: 0, snapshot: record.snapshot! } },
  ]);
  await store.commit(mutations, 'flush');
  await store.putMeta('format', 2);
  await store.close();
  const env = open<Buffer, (string | number)[]>({ path: join(folder, 'data.mdb'), maxDbs: 12 });
  const index = env.openDB<Buffer, (string | number)[]>({ name: 'index', encoding: 'binary', compression: false });
  await env.transaction(() => {
    for (const id of childIds) void index.put(['r', 'job', id], Buffer.from([1]));
  });
  await env.close();
}

/** What must hold after any kill, read without writing (a read-only open migrates nothing). */
function checkStore(store: SyncStore, seed: number): number {
  const format = store.getMeta<number>('format');
  expect([2, STORE_FORMAT_VERSION], `seed ${seed}: format`).toContain(format);
  expect([...store.actorIds({ root: JOB })], `seed ${seed}: the job's actors`).toEqual(expectedIds);
  expect(store.countActors({ root: JOB })).toBe(expectedIds.length);
  expect([...store.queryActors({ root: JOB })].filter((record) => record.status === 'done')).toHaveLength(expectedIds.length);
  for (const id of expectedIds.filter((_, i) => i % 50 === 0)) {
    expect([...store.journal(id as ActorId)].map((entry) => entry.seq), `seed ${seed}: ${id}'s journal`).toEqual([1]);
  }
  return format!;
}

describe('crash: SIGKILL during a store format migration', () => {
  it('leaves the old format whole or the new one whole, and the next open migrates it', async () => {
    const { seed, random } = crashSeed();
    const outcomes: string[] = [];
    // Round 0 runs to its end and times the open; the others are killed at a random instant within that time.
    let openMs = 0;
    const original = join(tempFolder('holdfast-migration-'), 'store');
    await formatTwoStore(original);
    for (let round = 0; round < ROUNDS; round++) {
      const folder = join(tempFolder('holdfast-migration-'), 'store');
      cpSync(original, folder, { recursive: true });
      const workload = startWorkload('migrate', [folder]);
      expect(await waitForOutput(workload, 'READY'), `seed ${seed}: ${workload.errors()}`).toBe(true);
      const delay = round === 0 ? undefined : Math.floor(random() * openMs * 1.2);
      if (delay !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        workload.child.kill('SIGKILL');
      }
      const { signal, code } = await workload.exited;
      expect(signal === 'SIGKILL' || code === 0, `seed ${seed}: ${workload.errors()}`).toBe(true);
      if (round === 0) openMs = Number(/DONE (\d+)/.exec(workload.output())?.[1]);
      const reader = openLmdbStore(folder, { readOnly: true });
      let format: number;
      try {
        format = checkStore(reader, seed);
      } finally {
        await reader.close();
      }
      outcomes.push(`${signal === 'SIGKILL' ? `killed at ${delay} ms` : `finished in ${/DONE (\d+)/.exec(workload.output())?.[1]} ms`}: format ${format}`);
      // The next open for writing finishes what the kill cut short.
      const writer = openLmdbStore(folder);
      try {
        expect(writer.getMeta('format')).toBe(STORE_FORMAT_VERSION);
        checkStore(writer, seed);
        expect((await verifyStore(writer)).violations, `seed ${seed}`).toEqual([]);
      } finally {
        await writer.close();
      }
    }
    console.log(`migration crash (seed ${seed}): ${outcomes.join('; ')}`);
    expect(outcomes[0]).toMatch(/format 3/);
  }, 300_000);
});
