/**
 * A runtime over a store whose reads are all asynchronous and which offers no `sync`
 * (`openMemoryStore({ reads: 'async' })`, the stand-in for PostgreSQL): it spawns, steps, runs
 * effects, fires timers, delivers a child's message to its parent, recovers after a reopen,
 * pauses, deletes and prunes, awaiting each read; `runtime.store` is the port itself, whose reads
 * answer by promise.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fromPromise, setup } from 'xstate';
import { createRuntime, defineMachine, effect, openMemoryStore, spawnActors, type Runtime, type Store } from '../../../src/index.js';
import { arrayOf } from '../../../src/runtime/async-views.js';
import { child, counter, parent, sleeper } from '../../fixtures/machines.js';

/** Runs `slow`: an effect that takes `ms` and counts its starts, so a reopen is seen to run it again. */
const starts: number[] = [];
const slowMachine = setup({
  types: { input: {} as { ms: number }, context: {} as { ms: number } },
  actors: { slow: fromPromise<{ ok: true }, { ms: number }>(async () => ({ ok: true })) },
}).createMachine({
  id: 'slow',
  context: ({ input }) => ({ ms: input.ms }),
  initial: 'working',
  states: {
    working: { invoke: { id: 'slow', src: 'slow', input: ({ context }) => ({ ms: context.ms }), onDone: 'done' } },
    done: { type: 'final' },
  },
});
const slow = defineMachine({
  name: 'slow',
  version: '1',
  machine: slowMachine.provide({
    actors: {
      slow: effect<{ ok: true }, { ms: number }>(async (input, context) => {
        starts.push(context.attempt);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, input.ms);
          context.signal.addEventListener('abort', () => (clearTimeout(timer), reject(context.signal.reason)));
        });
        return { ok: true };
      }),
    },
  }),
});

/** Spawns the counter `k` under itself on each `go`: a key spawned already is skipped (the store is asked). */
const spawner = defineMachine({
  name: 'spawner',
  version: '1',
  machine: setup({}).createMachine({
    id: 'spawner',
    initial: 'idle',
    states: { idle: { on: { go: { actions: spawnActors(() => [{ machine: 'counter', key: 'k', input: {} }]) } } } },
  }),
});

const machines = [parent, child, sleeper, slow, counter, spawner];
const runtimes: Runtime[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close();
  for (const store of stores.splice(0)) await store.close();
  starts.length = 0;
});

function asyncStore(): Store {
  const store = openMemoryStore({ reads: 'async' });
  stores.push(store);
  expect(store.sync).toBeUndefined();
  return store;
}

async function open(store: Store, options: { closeGraceMs?: number } = {}): Promise<Runtime> {
  const runtime = await createRuntime({ store, machines, ...options });
  runtimes.push(runtime);
  return runtime;
}

async function reopen(runtime: Runtime, store: Store): Promise<Runtime> {
  await runtime.close();
  runtimes.splice(runtimes.indexOf(runtime), 1);
  return open(store);
}

describe('a runtime over a store with only asynchronous reads', () => {
  it('runs a parent whose children run an effect, wait on a timer and message it, to its end', async () => {
    const runtime = await open(asyncStore());
    const id = await runtime.spawn('parent', { children: 3, delayMs: 20 }, { id: 'p-1' });
    const done = await runtime.waitFor(id, (record) => record.status === 'done', 10_000);
    expect(done.snapshot?.context).toMatchObject({ total: 3, done: 3, seen: { 0: true, 1: true, 2: true } });
    const children = await runtime.query({ parent: id });
    expect(children.map((record) => [record.id, record.status])).toEqual([
      ['p-1/c0', 'done'],
      ['p-1/c1', 'done'],
      ['p-1/c2', 'done'],
    ]);
    // A second spawn of the id is refused, as over LMDB.
    await expect(runtime.spawn('parent', { children: 1 }, { id: 'p-1' })).rejects.toMatchObject({ code: 'ACTOR_EXISTS' });
  });

  it('finishes after a reopen: timers waiting and an interrupted effect are recovered before createRuntime resolves', async () => {
    const store = asyncStore();
    let runtime = await open(store, { closeGraceMs: 0 });
    const parentId = await runtime.spawn('parent', { children: 2, delayMs: 300 }, { id: 'p-2' });
    const slowId = await runtime.spawn('slow', { ms: 5_000 }, { id: 's-1' });
    await runtime.waitFor('p-2/c0', (record) => record.state === 'resting', 5_000);
    await runtime.waitFor('p-2/c1', (record) => record.state === 'resting', 5_000);
    expect(starts).toEqual([1]);
    await runtime.close(); // the slow effect is interrupted; the children's timers wait in the store
    runtimes.splice(runtimes.indexOf(runtime), 1);
    const rerun: number[] = [];
    const quick = effect<{ ok: true }, { ms: number }>(async (_input, context) => (rerun.push(context.attempt), { ok: true }));
    runtime = await createRuntime({ store, machines: machines.map((m) => (m.name === 'slow' ? { ...m, machine: slowMachine.provide({ actors: { slow: quick } }) } : m)) });
    runtimes.push(runtime);
    // Recovery read the store before createRuntime resolved: the interrupted effect runs again, as attempt 2.
    expect(rerun).toEqual([2]);
    const done = await runtime.waitFor(parentId, (record) => record.status === 'done', 10_000);
    expect(done.snapshot?.context).toMatchObject({ done: 2 });
    expect((await runtime.waitFor(slowId, (record) => record.status === 'done', 5_000)).state).toBe('done');
  });

  it('holds a paused job and runs it on unpause; deletes a job; prunes its journals', async () => {
    const store = asyncStore();
    const runtime = await open(store);
    const id = await runtime.spawn('sleeper', { ms: 50 }, { id: 'z-1' });
    await runtime.pause(id);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await runtime.get(id))?.state).toBe('sleeping');
    await runtime.unpause(id);
    await runtime.waitFor(id, (record) => record.status === 'done', 5_000);

    const job = await runtime.spawn('parent', { children: 2 }, { id: 'p-3' });
    await runtime.waitFor(job, (record) => record.status === 'done', 10_000);
    const report = await runtime.prune({ olderThanMs: 0 });
    expect(report.entries).toBeGreaterThan(0);
    expect(await store.journalSpans(undefined, 10)).toEqual([]);

    expect(await runtime.delete(job)).toMatchObject({ actors: 3 });
    expect(await runtime.get(job)).toBeUndefined();
    expect(await runtime.query({ root: job })).toEqual([]);
    await expect(runtime.delete('nobody')).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
  });

  it('recovers a job paused before a reopen as paused', async () => {
    const store = asyncStore();
    let runtime = await open(store);
    const id = await runtime.spawn('sleeper', { ms: 50 }, { id: 'z-2' });
    await runtime.pause(id);
    runtime = await reopen(runtime, store);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await runtime.get(id))?.state).toBe('sleeping');
    await runtime.unpause(id);
    expect((await runtime.waitFor(id, (record) => record.status === 'done', 5_000)).state).toBe('awake');
  });

  it('skips a child key spawned already, asking the store, and keeps the child as it is', async () => {
    const runtime = await open(asyncStore());
    const id = await runtime.spawn('spawner', {}, { id: 'sp-1' });
    await runtime.send(id, { type: 'go' });
    await runtime.whenIdle();
    await runtime.send('sp-1/k', { type: 'increment', by: 7 });
    await runtime.send(id, { type: 'go' }); // the child exists (passivated, read from the store): not spawned again
    await runtime.whenIdle();
    expect((await runtime.get('sp-1/k'))?.snapshot?.context).toEqual({ count: 7 });
  });

  it('parks at recovery an actor whose machine is not registered, and retries it once it is', async () => {
    const store = asyncStore();
    let runtime = await open(store);
    const id = await runtime.spawn('counter', {}, { id: 'u-1' });
    await runtime.send(id, { type: 'increment' });
    await runtime.close();
    runtimes.splice(runtimes.indexOf(runtime), 1);
    runtime = await createRuntime({ store, machines: [sleeper] });
    runtimes.push(runtime);
    expect(await runtime.waitFor(id, (record) => record.status === 'parked', 5_000)).toMatchObject({ error: { code: 'UNKNOWN_MACHINE' } });
    runtime = await reopen(runtime, store);
    await expect(runtime.send(id, { type: 'increment' })).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    await runtime.retry(id);
    await runtime.send(id, { type: 'increment' });
    expect(await runtime.get(id)).toMatchObject({ status: 'active', snapshot: { context: { count: 2 } } });
    await expect(runtime.retry('nobody')).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
  });

  it('tells whether it runs a job by awaiting the port: a job active here, not a finished one, not one a runtime opened without resume was not sent', async () => {
    const store = asyncStore();
    let runtime = await open(store);
    const sleeping = await runtime.spawn('sleeper', { ms: 60_000 }, { id: 'z-2' });
    const job = await runtime.spawn('parent', { children: 1 }, { id: 'p-4' });
    await runtime.waitFor(job, (record) => record.status === 'done', 10_000);
    const hosted = runtime.hosts(sleeping);
    expect(hosted).toBeInstanceOf(Promise);
    expect(await hosted).toBe(true);
    expect(await runtime.hosts(job)).toBe(false);
    expect(await runtime.hosts('nobody')).toBe(false);
    await runtime.close();
    runtimes.splice(runtimes.indexOf(runtime), 1);
    runtime = await createRuntime({ store, machines, resume: false });
    runtimes.push(runtime);
    expect(await runtime.hosts(sleeping)).toBe(false);
  });

  it('answers the views by awaiting the port; runtime.store is the port as given, answering by promise', async () => {
    const store = asyncStore();
    const runtime = await open(store);
    expect(await runtime.count({})).toBe(0);
    expect(await runtime.records.get('c', 'k')).toBeUndefined();
    expect(runtime.store).toBe(store);
    expect(runtime.store.sync).toBeUndefined();
    const id = await runtime.spawn('counter', {}, { id: 'n-1' });
    const read = runtime.store.getActor(id);
    expect(read).toBeInstanceOf(Promise);
    expect(await read).toMatchObject({ id: 'n-1', machine: 'counter', status: 'active' });
    const scan = runtime.store.queryActors({ machine: 'counter' });
    expect(Symbol.asyncIterator in scan).toBe(true);
    expect((await arrayOf(scan)).map((record) => record.id)).toEqual(['n-1']);
    // Writes through it go to the store.
    await runtime.store.commit([{ op: 'putRecord', collection: 'c', key: 'k', value: 1 }], 'commit');
    expect(await runtime.records.get('c', 'k')).toBe(1);
    expect(await runtime.store.getRecord('c', 'k')).toBe(1);
  });
});
