/**
 * The pipelined group committer over a fake store whose commits the test
 * settles by hand: later batches are written while earlier ones are in flight,
 * yet acknowledged strictly in order, and a failed batch is re-applied together
 * with every batch after it.
 */
import { describe, expect, it } from 'vitest';
import { HoldfastError } from '../../../src/errors.js';
import type { Durability, Mutation, Store } from '../../../src/persistence/store.js';
import type { Clock } from '../../../src/runtime/clock.js';
import { Committer, type PendingStep } from '../../../src/runtime/committer.js';

interface Call {
  keys: string[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A store that records each commit's record keys and lets the test settle it. */
function fakeStore(): { store: Store; calls: Call[] } {
  const calls: Call[] = [];
  const store = {
    commit(mutations: readonly Mutation[], _durability: Durability, onWritten?: () => void): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        calls.push({ keys: mutations.map((m) => (m.op === 'putRecord' ? String(m.key) : m.op)), resolve, reject });
        onWritten?.(); // handed over in order at once, as the LMDB store does
      });
    },
  } as unknown as Store;
  return { store, calls };
}

const timers: (() => void)[] = [];
const clock: Clock = { now: () => 0, setTimeout: (callback) => timers.push(callback), clearTimeout: () => {} };
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(maxInFlight = 2) {
  const { store, calls } = fakeStore();
  const events: string[] = [];
  const committer = new Committer(store, 'flush', clock, {
    storageFull: () => events.push('full'),
    storageRecovered: () => events.push('recovered'),
  }, 5_000, maxInFlight);
  const step = (key: string, owner = key): PendingStep => ({
    owner,
    mutations: [{ op: 'putRecord', collection: 'c', key, value: key }],
    after: () => events.push(`ack ${key}`),
    failed: (error) => events.push(`failed ${key} ${error.code}`),
  });
  return { committer, calls, events, step };
}

const full = () => new HoldfastError('STORAGE_FULL', 'no space left');

describe('pipelined group commit', () => {
  it('writes a second batch while the first is in flight', async () => {
    const { committer, calls, step } = setup();
    committer.enqueue(step('a'));
    await turn();
    committer.enqueue(step('b'));
    await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b']]);
  });

  it('never acknowledges a later batch before an earlier one that stalls', async () => {
    const { committer, calls, events, step } = setup();
    committer.enqueue(step('a'));
    await turn();
    committer.enqueue(step('b'));
    await turn();
    calls[1]!.resolve(); // the later one is durable first
    await turn();
    expect(events).toEqual([]);
    calls[0]!.resolve();
    await committer.drain();
    expect(events).toEqual(['ack a', 'ack b']);
  });

  it('keeps at most maxInFlight batches handed to the store', async () => {
    const { committer, calls, step } = setup(2);
    for (const key of ['a', 'b', 'c']) {
      committer.enqueue(step(key));
      await turn();
    }
    expect(calls).toHaveLength(2);
    calls[0]!.resolve();
    await turn();
    await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b'], ['c']]);
  });

  it('on a full disk mid-pipeline, re-applies the failed batch and every later one in order, acknowledging none before', async () => {
    const { committer, calls, events, step } = setup();
    committer.enqueue(step('a'));
    await turn();
    committer.enqueue(step('b'));
    await turn();
    calls[0]!.reject(full());
    await turn();
    committer.enqueue(step('c')); // arrives while the pipeline is broken: not written until the retry lands
    await turn();
    expect(calls).toHaveLength(2);
    calls[1]!.resolve(); // even a later batch the store applied waits for the retry
    await turn();
    expect(events).toEqual(['full']);
    expect(committer.blocked).toBe(true);
    timers.shift()!(); // the backoff elapses
    await turn();
    expect(calls[2]!.keys).toEqual(['a', 'b']); // one transaction, original order
    calls[2]!.reject(full()); // still full: retried as it stands
    await turn();
    timers.shift()!();
    await turn();
    expect(calls[3]!.keys).toEqual(['a', 'b']);
    expect(events).toEqual(['full']);
    calls[3]!.resolve();
    await turn();
    await turn();
    expect(events).toEqual(['full', 'recovered', 'ack a', 'ack b']);
    expect(calls[4]!.keys).toEqual(['c']);
    calls[4]!.resolve();
    await committer.drain();
    expect(events).toEqual(['full', 'recovered', 'ack a', 'ack b', 'ack c']);
    expect(committer.blocked).toBe(false);
  });

  it('a step that cannot be stored fails alone; the later batch skipped because of it commits', async () => {
    const { committer, calls, events, step } = setup();
    committer.enqueue(step('bad', 'x'));
    committer.enqueue(step('a'));
    await turn();
    committer.enqueue(step('later', 'x'));
    committer.enqueue(step('b'));
    await turn();
    const broken = new HoldfastError('SNAPSHOT_NOT_SERIALISABLE', 'not JSON');
    calls[0]!.reject(broken);
    calls[1]!.reject(new HoldfastError('STORE_CORRUPT', 'not applied: an earlier commit failed', { details: { notApplied: true } }));
    // One by one, in order: 'bad' fails again, so its owner's later step fails too; the rest commit.
    for (let i = 2; calls.length < 5 || i < calls.length; i++) {
      while (calls.length <= i) await turn();
      const call = calls[i]!;
      if (call.keys[0] === 'bad') call.reject(broken);
      else call.resolve();
    }
    await committer.drain();
    expect(calls.slice(2).map((c) => c.keys[0])).toEqual(['bad', 'a', 'b']);
    expect(events).toEqual(['failed bad SNAPSHOT_NOT_SERIALISABLE', 'ack a', 'failed later SNAPSHOT_NOT_SERIALISABLE', 'ack b']);
  });

  it('a commit refused as not applied is committed again, as one transaction, after a pause; its steps are acknowledged in order', async () => {
    const { committer, calls, events, step } = setup();
    committer.enqueue(step('a'));
    committer.enqueue(step('b'));
    await turn();
    const pauses = timers.length;
    calls[0]!.reject(new HoldfastError('STORE_CORRUPT', 'not applied: an earlier commit failed', { details: { notApplied: true } }));
    while (timers.length === pauses) await turn();
    expect(calls).toHaveLength(1); // nothing is committed again before the pause is over
    timers.pop()!();
    while (calls.length < 2) await turn();
    expect(calls[1]!.keys).toEqual(['a', 'b']);
    calls[1]!.resolve();
    await committer.drain();
    expect(events).toEqual(['ack a', 'ack b']);
    expect(committer.diagnostics(0).failures).toEqual([expect.objectContaining({ code: 'STORE_CORRUPT', steps: 2 })]);
  });

  it('a step whose commit keeps failing with a failure that may pass fails after its retries; the others commit', async () => {
    const { committer, calls, events, step } = setup();
    committer.enqueue(step('stuck'));
    committer.enqueue(step('fine'));
    await turn();
    const transient = () => new HoldfastError('STORE_CORRUPT', 'write failed: MDB_BAD_TXN');
    // The batch, then its six retries as one transaction, then 'stuck' alone seven times, then 'fine' alone.
    for (let answered = 0; ; answered++) {
      while (calls.length <= answered) {
        if (timers.length > 0) timers.shift()!();
        await turn();
      }
      const call = calls[answered]!;
      if (call.keys.length === 1 && call.keys[0] === 'fine') {
        call.resolve();
        break;
      }
      call.reject(transient());
    }
    await committer.drain();
    expect(calls.map((c) => c.keys.join('+'))).toEqual([...Array(7).fill('stuck+fine'), ...Array(7).fill('stuck'), 'fine']);
    expect(events).toEqual(['failed stuck STORE_CORRUPT', 'ack fine']);
  });

  it('with maxInFlight 1, writes one batch at a time', async () => {
    const { committer, calls, events, step } = setup(1);
    committer.enqueue(step('a'));
    await turn();
    committer.enqueue(step('b'));
    await turn();
    expect(calls).toHaveLength(1);
    calls[0]!.resolve();
    await turn();
    await turn();
    calls[1]!.resolve();
    await committer.drain();
    expect(events).toEqual(['ack a', 'ack b']);
  });
});
