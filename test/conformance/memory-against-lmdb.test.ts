/**
 * The memory store against the LMDB store, model-based: the same random commits
 * (actors put, moved and deleted with their index, journal entries, inbox
 * messages, timers, records; now and then one that fails) go to both, and after
 * each one every read of the port answers the same on both.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import { openMemoryStore } from '../../src/persistence/memory-store.js';
import type { ActorFilter, ActorRecord, ActorStatus, Mutation, Store, SyncStore } from '../../src/persistence/store.js';
import { tempFolder } from '../helpers/temp-store.js';
import { actor, id, list } from './conformance-fixtures.js';

const NAMES = ['j', 'j/a', 'j/b', 'j/a/x', 'k', 'k/c'];
const STATUSES: ActorStatus[] = ['active', 'done', 'error', 'parked'];
const STATES = ['idle', 'copying', 'copying.waiting', 'done'];

const op = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), name: fc.constantFrom(...NAMES), state: fc.constantFrom(...STATES), status: fc.constantFrom(...STATUSES), machine: fc.constantFrom('load', 'part') }),
  fc.record({ kind: fc.constant('delete' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('journal' as const), name: fc.constantFrom(...NAMES), seq: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('dropJournal' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('inbox' as const), name: fc.constantFrom(...NAMES), seq: fc.integer({ min: 1, max: 2 }), remove: fc.boolean() }),
  fc.record({ kind: fc.constant('timer' as const), name: fc.constantFrom(...NAMES), due: fc.integer({ min: 0, max: 2 }), remove: fc.boolean() }),
  fc.record({ kind: fc.constant('record' as const), key: fc.oneof(fc.integer({ min: -1, max: 1 }), fc.constantFrom('a', 'a/b'), fc.tuple(fc.constant('x'), fc.integer({ min: 0, max: 1 }))), value: fc.integer(), remove: fc.boolean() }),
  fc.record({ kind: fc.constant('bad' as const) }),
);

const FILTERS: ActorFilter[] = [
  {},
  { root: id('j') },
  { parent: id('j') },
  { topOnly: true },
  { machine: 'part' },
  { machine: 'load', state: 'copying' },
  { status: 'active' },
  { root: id('j'), status: 'done', limit: 2 },
  { parent: id('j/a'), offset: 1 },
];

describe('memory store: the same answers as LMDB, commit after commit', () => {
  let lmdb: SyncStore;
  let memory: SyncStore;
  beforeAll(() => {
    lmdb = openLmdbStore(join(tempFolder('holdfast-model-'), 'store'));
    memory = openMemoryStore();
  });
  afterAll(async () => {
    await lmdb.close();
    await memory.close();
  });

  it('answers every read alike after random commits, failed ones included', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 }), async (commits) => {
        const prefix = `r${run++}-`;
        const name = (base: string) => id(`${prefix}${base}`);
        for (const commit of commits) {
          const latest = new Map<string, ActorRecord | undefined>();
          const current = (base: string) => (latest.has(base) ? latest.get(base) : (lmdb.getActor(name(base)) ?? undefined));
          const mutations: Mutation[] = [];
          for (const step of commit) {
            switch (step.kind) {
              case 'put': {
                const parent = base(step.name);
                const record = { ...actor(name(step.name), { machine: step.machine, state: step.state, status: step.status, ...(parent ? { parent: name(parent), root: name(step.name.split('/')[0]!) } : {}) }) };
                mutations.push({ op: 'putActor', record, previous: current(step.name) });
                latest.set(step.name, record);
                break;
              }
              case 'delete': {
                const record = current(step.name);
                if (record) mutations.push({ op: 'deleteActor', record });
                latest.set(step.name, undefined);
                break;
              }
              case 'journal':
                mutations.push({ op: 'putJournal', actor: name(step.name), entry: { seq: step.seq, event: 'e', from: 'a', to: `s${step.seq}`, at: step.seq, durationMs: 0 } });
                break;
              case 'dropJournal':
                mutations.push({ op: 'deleteJournal', actor: name(step.name) });
                break;
              case 'inbox':
                mutations.push(step.remove ? { op: 'deleteInbox', to: name(step.name), seq: step.seq } : { op: 'putInbox', message: { to: name(step.name), seq: step.seq, event: { type: 'go' } } });
                break;
              case 'timer':
                mutations.push(step.remove ? { op: 'deleteTimer', due: step.due, actor: name(step.name), id: 't' } : { op: 'putTimer', timer: { due: step.due, actor: name(step.name), id: 't', event: { type: 'tick' } } });
                break;
              case 'record':
                mutations.push(step.remove ? { op: 'deleteRecord', collection: prefix, key: step.key } : { op: 'putRecord', collection: prefix, key: step.key, value: step.value });
                break;
              case 'bad':
                mutations.push({ op: 'putRecord', collection: prefix, key: 'bad', value: 1n });
                break;
            }
          }
          const outcome = async (store: Store) => store.commit(mutations, 'commit').then(() => 'applied', (error: { code?: string }) => error.code);
          expect(await outcome(memory)).toBe(await outcome(lmdb));
          await expectSameReads(lmdb, memory, prefix, NAMES.map(name));
        }
      }),
      { numRuns: 60, seed: Number(process.env.HOLDFAST_MODEL_SEED ?? 19) },
    );
  });
});

/** The parent name of a base name, if it has one. */
function base(name: string): string | undefined {
  const slash = name.lastIndexOf('/');
  return slash > 0 ? name.slice(0, slash) : undefined;
}

async function expectSameReads(lmdb: Store, memory: Store, prefix: string, ids: ReturnType<typeof id>[]): Promise<void> {
  const both = async <T>(read: (store: Store) => T | Promise<T>) => [await read(lmdb), await read(memory)];
  const scoped = (filter: ActorFilter): ActorFilter => ({ ...filter, ...(filter.root ? { root: id(prefix + filter.root) } : {}), ...(filter.parent ? { parent: id(prefix + filter.parent) } : {}) });
  for (const filter of FILTERS) {
    const [fromLmdb, fromMemory] = await both(async (store) => (await list(store.queryActors(scoped(filter)))).filter((record) => record.id.startsWith(prefix)));
    expect(fromMemory, JSON.stringify(filter)).toEqual(fromLmdb);
    if (filter.root || filter.parent) {
      const [countLmdb, countMemory] = await both((store) => store.countActors(scoped(filter)));
      expect(countMemory, JSON.stringify(filter)).toBe(countLmdb);
    }
  }
  for (const actorId of ids) {
    const [lmdbView, memoryView] = await both(async (store) => ({
      record: await store.getActor(actorId),
      identity: await store.identityOf(actorId),
      journal: await list(store.journal(actorId)),
      inbox: await list(store.inbox(actorId)),
    }));
    expect(memoryView, actorId).toEqual(lmdbView);
  }
  const [timersLmdb, timersMemory] = await both(async (store) => (await list(store.timers())).filter((timer) => timer.actor.startsWith(prefix)));
  expect(timersMemory).toEqual(timersLmdb);
  const [recordsLmdb, recordsMemory] = await both((store) => list(store.scanRecords(prefix)));
  expect(recordsMemory).toEqual(recordsLmdb);
  const [problemsLmdb, problemsMemory] = await both(async (store) => {
    const problems: string[] = [];
    await store.checkIntegrity({ problem: (problem) => problems.push(`${problem.kind} ${problem.id}: ${problem.problem}`) });
    return problems;
  });
  expect(problemsMemory).toEqual(problemsLmdb);
}
