/**
 * ActorHost.load over a store whose reads answer later (src/runtime/actor-host.ts): deliveries to a
 * passivated actor that come while its record is read wait, and are stepped in the order they came,
 * each once, after one read; a read that fails parks the actor and answers every waiting caller;
 * two spawns of one id while the store answers give one actor.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, HoldfastError, openMemoryStore, type Runtime, type Store, type SyncStore } from '../../../src/index.js';
import { asyncReads } from '../../../src/persistence/async-reads.js';
import type { ActorId } from '../../../src/persistence/store.js';
import { counter } from '../../fixtures/machines.js';

/** An async-only port over a memory store whose `getActor` answers can be held back, or made to fail once. */
function gatedStore() {
  const inner = openMemoryStore();
  const port = asyncReads(inner);
  const reads: string[] = [];
  const failing = new Map<string, HoldfastError>();
  let held: (() => void)[] | undefined;
  const store: Store = {
    ...port,
    path: inner.path,
    readOnly: false,
    getActor(id: ActorId) {
      reads.push(id);
      const failure = failing.get(id);
      if (failure) return failing.delete(id), Promise.reject(failure);
      const answer = port.getActor(id); // read now (a turn later), as a network store would; its answer is held back
      if (!held) return answer;
      const queue = held;
      return new Promise((resolve) => queue.push(() => resolve(answer)));
    },
  };
  return {
    inner: inner as SyncStore,
    store,
    reads,
    failing,
    hold: () => void (held = []),
    release: () => {
      const queue = held ?? [];
      held = undefined;
      for (const answer of queue) answer();
      return queue.length;
    },
    /** Answers the read held at `index` alone; the gate stays shut. */
    releaseOne: (index: number) => held![index]!(),
    heldCount: () => held?.length ?? 0,
  };
}

const runtimes: Runtime[] = [];
const inners: SyncStore[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close();
  for (const inner of inners.splice(0)) await inner.close();
});

async function setUp() {
  const gated = gatedStore();
  inners.push(gated.inner);
  const errors: unknown[] = [];
  const runtime = await createRuntime({ store: gated.store, machines: [counter], onError: (error) => errors.push(error) });
  runtimes.push(runtime);
  return { ...gated, runtime, errors };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('ActorHost.load over asynchronous reads', () => {
  it('steps the deliveries that came while the record was read in their order, each once, after one read', async () => {
    const { runtime, inner, reads, hold, release } = await setUp();
    const id = await runtime.spawn('counter', {}, { id: 'c-1' });
    await runtime.whenIdle(); // passivated: no effect keeps it in memory
    hold();
    reads.length = 0;
    const sends = [1, 2, 3, 4, 5].map((n) => runtime.send(id, { type: 'stash', payload: n }));
    await turns(3);
    expect(reads).toEqual(['c-1']); // the five share one read
    expect(release()).toBe(1);
    await Promise.all(sends);
    const journal = [...inner.journal(id)].slice(1); // after xstate.init
    expect(journal.map((entry) => [entry.event, (entry.snapshot?.context as { payload?: number }).payload])).toEqual([
      ['stash', 1],
      ['stash', 2],
      ['stash', 3],
      ['stash', 4],
      ['stash', 5],
    ]);
    expect(reads).toEqual(['c-1']);
  });

  it('a send that comes once the record is in memory goes after those that waited', async () => {
    const { runtime, inner, hold, release } = await setUp();
    const id = await runtime.spawn('counter', {}, { id: 'c-2' });
    await runtime.whenIdle();
    hold();
    const early = [runtime.send(id, { type: 'stash', payload: 'a' }), runtime.send(id, { type: 'stash', payload: 'b' })];
    await turns(3);
    release();
    await turns(2);
    const late = runtime.send(id, { type: 'stash', payload: 'c' });
    await Promise.all([...early, late]);
    expect([...inner.journal(id)].slice(1).map((entry) => (entry.snapshot?.context as { payload?: string }).payload)).toEqual(['a', 'b', 'c']);
  });

  it('parks an actor whose read fails, once, and answers every caller that waited', async () => {
    const { runtime, inner, reads, failing } = await setUp();
    const id = await runtime.spawn('counter', {}, { id: 'c-3' });
    await runtime.whenIdle();
    failing.set(id, new HoldfastError('RECORD_CORRUPT', `actor ${id}: checksum mismatch`));
    reads.length = 0;
    const sends = [runtime.send(id, { type: 'increment' }), runtime.send(id, { type: 'increment' })];
    const outcomes = await Promise.allSettled(sends);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(reads).toEqual(['c-3']);
    await runtime.whenIdle();
    const parked = inner.getActor(id);
    expect(parked).toMatchObject({ status: 'parked', error: { code: 'RECORD_CORRUPT' } });
    expect([...inner.journal(id)].map((entry) => entry.event)).toEqual(['xstate.init']); // no step taken
  });

  it('a read that fails for the store itself parks nothing: the callers that waited get its error', async () => {
    const { runtime, inner, failing, errors } = await setUp();
    const id = await runtime.spawn('counter', {}, { id: 'c-4' });
    await runtime.whenIdle();
    failing.set(id, new HoldfastError('STORE_CLOSED', 'the connection went away'));
    const outcomes = await Promise.allSettled([runtime.send(id, { type: 'increment' }), runtime.send(id, { type: 'increment' })]);
    expect(outcomes).toMatchObject([
      { status: 'rejected', reason: { code: 'STORE_CLOSED' } },
      { status: 'rejected', reason: { code: 'STORE_CLOSED' } },
    ]);
    expect(errors).toMatchObject([{ code: 'STORE_CLOSED' }]); // reported once, for the one read
    expect(inner.getActor(id)).toMatchObject({ status: 'active' });
    await runtime.send(id, { type: 'increment', by: 5 }); // the next read answers
    expect(inner.getActor(id)?.snapshot?.context).toEqual({ count: 5 });
  });

  it('a delete that lands while a record is read wins: the send that waited is refused and nothing comes back', async () => {
    const { runtime, inner, hold, releaseOne, heldCount, release } = await setUp();
    const id = await runtime.spawn('counter', {}, { id: 'c-5' });
    await runtime.pause(id);
    await runtime.whenIdle();
    hold();
    const sent = runtime.send(id, { type: 'increment' });
    await turns(2);
    const deleted = runtime.delete(id);
    await turns(2);
    expect(heldCount()).toBe(2); // the send's load, then the delete's read
    releaseOne(1); // the delete reads first, and commits
    await deleted;
    releaseOne(0); // then the load's answer comes, from before the delete
    release();
    await expect(sent).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    await runtime.whenIdle();
    expect(inner.getActor(id)).toBeUndefined();
    expect([...inner.journal(id)]).toEqual([]);
  });

  it('two spawns of one id while the store answers make one actor; the other is refused', async () => {
    const { runtime } = await setUp();
    const outcomes = await Promise.allSettled([runtime.spawn('counter', {}, { id: 'twice' }), runtime.spawn('counter', {}, { id: 'twice' })]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: { code: 'ACTOR_EXISTS' } });
  });
});
