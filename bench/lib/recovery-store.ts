/**
 * The store suite (c) opens: FINAL final actors and ACTIVE actors each
 * mid-effect, written straight through the Store interface in big commits
 * (no runtime: a million spawns would take minutes). Built once and cached
 * under os.tmpdir(); `resetActive` puts the active ones back before each run.
 */
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actorId, openLmdbStore, STORE_FORMAT_VERSION, type ActorRecord } from '../../src/index.js';
import type { Mutation } from '../../src/persistence/store.js';

/** Bump when the records written here change, so a stale cache is rebuilt. */
const BUILD_VERSION = 1;
const BATCH = 20_000;
const CREATED = 1_700_000_000_000;

export function cachedStorePath(final: number, active: number): string {
  return join(tmpdir(), 'holdfast-bench-cache', `recovery-b${BUILD_VERSION}-f${STORE_FORMAT_VERSION}-${final}-${active}`);
}

/** An actor of the bench's `job` machine, final or waiting on its `work` effect. */
function jobRecord(name: string, i: number, final: boolean): ActorRecord {
  const id = actorId(name);
  const record: ActorRecord = {
    id, machine: 'job', version: '1', root: id,
    status: final ? 'done' : 'active',
    state: final ? 'done' : 'working',
    snapshot: { value: final ? 'done' : 'working', context: { i }, status: final ? 'done' : 'active' },
    seq: final ? 2 : 1,
    effects: final ? {} : { work: { src: 'work', input: { i }, key: `${id}:work:1`, attempt: 1 } },
    timers: {},
    createdAt: CREATED, updatedAt: CREATED,
  };
  return record;
}

function journalOf(record: ActorRecord): Mutation[] {
  const init: Mutation = { op: 'putJournal', actor: record.id, entry: { seq: 1, event: 'xstate.init', from: '', to: 'working', at: CREATED, durationMs: 0 } };
  if (record.seq === 1) return [init];
  return [init, { op: 'putJournal', actor: record.id, entry: { seq: 2, event: 'xstate.done.actor.work', from: 'working', to: 'done', at: CREATED, durationMs: 0 } }];
}

export const activeId = (k: number) => `active-${k}`;

/** Builds the store if no complete cached copy exists; returns whether it was cached and the build time. */
export async function ensureStore(path: string, final: number, active: number, log: (line: string) => void): Promise<{ cached: boolean; buildMs: number }> {
  if (existsSync(join(path, 'complete'))) return { cached: true, buildMs: 0 };
  rmSync(path, { recursive: true, force: true });
  const started = performance.now();
  const store = openLmdbStore(path);
  try {
    for (let n = 0; n < final + active; n += BATCH) {
      const mutations: Mutation[] = [];
      for (let k = n; k < Math.min(final + active, n + BATCH); k++) {
        const record = k < final ? jobRecord(`done-${k}`, k, true) : jobRecord(activeId(k - final), k, false);
        mutations.push({ op: 'putActor', record }, ...journalOf(record));
      }
      await store.commit(mutations, 'commit');
      if ((n / BATCH) % 10 === 0) log(`recovery store: ${n + BATCH} of ${final + active} actors written`);
    }
  } finally {
    await store.close();
  }
  writeFileSync(join(path, 'complete'), `${new Date().toISOString()}\n`);
  return { cached: false, buildMs: performance.now() - started };
}

/** Puts the active actors back mid-effect (a previous run finished them). */
export async function resetActive(path: string, final: number, active: number): Promise<void> {
  const store = openLmdbStore(path);
  try {
    for (let n = 0; n < active; n += BATCH) {
      const mutations: Mutation[] = [];
      for (let k = n; k < Math.min(active, n + BATCH); k++) {
        const record = jobRecord(activeId(k), final + k, false);
        mutations.push({ op: 'putActor', record, previous: store.getActor(record.id) });
      }
      await store.commit(mutations, 'flush');
    }
  } finally {
    await store.close();
  }
}

export function storeSizeMb(path: string): number {
  return statSync(join(path, 'data.mdb')).size / (1024 * 1024);
}
