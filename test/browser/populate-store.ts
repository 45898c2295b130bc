/**
 * A store holding many actors, written straight through the Store port (a
 * million `item` records take about 20 s here, where running them would take
 * far longer): `jobs` batches, their items 99% done and 1% waiting, each with
 * the record and index entries the runtime itself writes, and a journal for
 * the first items of each batch.
 */
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import type { ActorId, ActorRecord, Mutation } from '../../src/persistence/store.js';

const COMMIT_SIZE = 20_000;

export const itemId = (job: string, index: number) => `${job}/file-${String(index).padStart(7, '0')}.csv`;

function record(id: string, machine: string, state: string, context: unknown, parent: string | undefined, root: string, at: number): ActorRecord {
  const status = state === 'done' || state === 'complete' ? 'done' : 'active';
  const base: ActorRecord = {
    id: id as ActorId,
    machine,
    version: '1',
    root: root as ActorId,
    status,
    state,
    snapshot: { value: state, context, status },
    seq: status === 'done' ? 3 : 0,
    effects: {},
    timers: {},
    createdAt: at,
    updatedAt: at,
  };
  if (parent !== undefined) base.parent = parent as ActorId;
  return base;
}

/** Writes `total` items under `jobs` batches into the store at `folder`; resolves with the batch ids. */
export async function populateStore(folder: string, total: number, jobs = 4): Promise<string[]> {
  const store = openLmdbStore(folder);
  const at = Date.now();
  const perJob = Math.ceil(total / jobs);
  const waiting = (index: number) => index % 100 === 0;
  const ids: string[] = [];
  try {
    let batch: Mutation[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await store.commit(batch, 'commit');
      batch = [];
    };
    for (let j = 0; j < jobs; j++) {
      const job = `big-${j}`;
      ids.push(job);
      const items = Math.min(perJob, total - j * perJob);
      const stillWaiting = Math.ceil(items / 100);
      batch.push({ op: 'putActor', record: record(job, 'batch', 'running', { counts: { total: items, done: items - stillWaiting }, ms: 0 }, undefined, job, at + j) });
      for (let index = 0; index < items; index++) {
        const id = itemId(job, index);
        const state = waiting(index) ? 'waiting' : 'done';
        batch.push({ op: 'putActor', record: record(id, 'item', state, { index, ms: 0 }, job, job, at) });
        if (index < 50 && state === 'done') {
          batch.push({ op: 'putJournal', actor: id as ActorId, entry: { seq: 0, event: 'xstate.init', from: '', to: 'waiting', at, durationMs: 0 } });
          batch.push({ op: 'putJournal', actor: id as ActorId, entry: { seq: 1, event: 'go', from: 'waiting', to: 'working.copying', at: at + 1, durationMs: 1 } });
          batch.push({ op: 'putJournal', actor: id as ActorId, entry: { seq: 3, event: 'xstate.done.actor.work', from: 'working.copying', to: 'done', at: at + 2, durationMs: 1 } });
        }
        if (batch.length >= COMMIT_SIZE) await flush();
      }
    }
    await flush();
  } finally {
    await store.close();
  }
  return ids;
}
