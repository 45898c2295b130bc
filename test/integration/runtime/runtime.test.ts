import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromPromise } from 'xstate';
import { createRuntime, defineMachine, effect, NonRetryableError, type ActorId, type ActorRecord, type RuntimeEvent } from '../../../src/index.js';
import { child, counter, flakyMachine, parent, sleeper } from '../../fixtures/machines.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { storeAt, testStoreKind } from '../../helpers/test-store.js';
import { arrayOf } from '../../../src/runtime/async-views.js';

/** The flaky fixture machine with its effect provided by `attempt`, tried up to `maxAttempts` times. */
function flakyWith(maxAttempts: number, attempt: (context: { idempotencyKey: string; attempt: number }) => Promise<unknown>) {
  return defineMachine({
    name: 'flaky',
    version: '1',
    effects: { flaky: { maxAttempts, backoffMs: 1 } },
    machine: flakyMachine.provide({ actors: { flaky: effect<unknown>(async (_input, context) => attempt(context)) } }),
  });
}

describe(`runtime over a real ${testStoreKind} store`, () => {
  it('runs a parent whose 200 children each run an effect and report back once', async () => {
    const folder = tempFolder();
    const ledger = join(folder, 'ledger.txt');
    const runtime = await createRuntime({ store: storeAt(join(folder, 'store')), machines: [parent, child] });
    const id = await runtime.spawn('parent', { children: 200, ledger });
    const done = await runtime.waitFor(id, (r) => r.status === 'done', 20_000);
    expect((done.snapshot?.context as { done: number }).done).toBe(200);
    expect(await runtime.query({ parent: id })).toHaveLength(200);
    expect(await runtime.query({ parent: id, status: 'done' } as never)).toHaveLength(200);
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toHaveLength(200);
    expect((await runtime.journal(id)).map((e) => e.event)).toContain('child.done');
    await runtime.close();
  });

  it('keeps state across a close and reopen, and refuses events after the final state', async () => {
    const store = storeAt(join(tempFolder(), 'store'));
    let runtime = await createRuntime({ store, machines: [counter] });
    const id = await runtime.spawn('counter', {}, { id: 'count-1' });
    await runtime.send(id, { type: 'increment', by: 5 });
    await runtime.close();
    runtime = await createRuntime({ store, machines: [counter] });
    await runtime.send(id, { type: 'increment' });
    expect(((await runtime.get(id))?.snapshot?.context as { count: number }).count).toBe(6);
    await runtime.send(id, { type: 'finish' });
    await expect(runtime.send(id, { type: 'increment' })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await runtime.close();
  });

  it('fires a delayed transition that fell due while the runtime was closed', async () => {
    const store = storeAt(join(tempFolder(), 'store'));
    let runtime = await createRuntime({ store, machines: [sleeper] });
    const id = await runtime.spawn('sleeper', { ms: 300 });
    await runtime.close();
    await new Promise((resolve) => setTimeout(resolve, 400)); // the process is "down" past the due time
    runtime = await createRuntime({ store, machines: [sleeper] });
    const record = await runtime.waitFor(id, (r) => r.status === 'done', 5_000);
    expect(record.state).toBe('awake');
    await runtime.close();
  });

  it('retries a failing effect with the same idempotency key, then succeeds', async () => {
    const calls: { key: string; attempt: number }[] = [];
    const flaky = flakyWith(5, async (context) => {
      calls.push({ key: context.idempotencyKey, attempt: context.attempt });
      if (context.attempt < 3) throw new Error('not yet');
      return 'ok';
    });
    const runtime = await createRuntime({ store: storeAt(join(tempFolder(), 'store')), machines: [flaky] });
    const id = await runtime.spawn('flaky');
    const record = await runtime.waitFor(id, (r) => r.status === 'done');
    expect(record.state).toBe('succeeded');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(calls.map((c) => c.key)).size).toBe(1);
    await runtime.close();
  });

  it('stops retrying at a NonRetryableError and hands the machine a typed error', async () => {
    let calls = 0;
    const flaky = defineMachine({
      name: 'flaky',
      version: '1',
      machine: flakyMachine.provide({ actors: { flaky: fromPromise<unknown>(async () => { calls++; throw new NonRetryableError('bad input'); }) } }),
    });
    const runtime = await createRuntime({ store: storeAt(join(tempFolder(), 'store')), machines: [flaky] });
    const willRetry: boolean[] = [];
    runtime.subscribe((event) => {
      if (event.type === 'effect.failed') willRetry.push(event.willRetry);
    });
    const id = await runtime.spawn('flaky');
    const record = await runtime.waitFor(id, (r) => r.status === 'done');
    expect(record.state).toBe('failed');
    expect((record.snapshot?.context as { error: { code: string } }).error.code).toBe('EFFECT_FAILED');
    expect(calls).toBe(1);
    expect(willRetry).toEqual([false]);
    await runtime.close();
  });

  it('says willRetry: true on each failed attempt but the last', async () => {
    const flaky = flakyWith(3, async (context) => {
      throw new Error(`attempt ${context.attempt} failed`);
    });
    const runtime = await createRuntime({ store: storeAt(join(tempFolder(), 'store')), machines: [flaky] });
    const failures: { attempt: number; willRetry: boolean }[] = [];
    runtime.subscribe((event) => {
      if (event.type === 'effect.failed') failures.push({ attempt: event.attempt, willRetry: event.willRetry });
    });
    const id = await runtime.spawn('flaky');
    expect((await runtime.waitFor(id, (r) => r.status === 'done')).state).toBe('failed');
    expect(failures).toEqual([{ attempt: 1, willRetry: true }, { attempt: 2, willRetry: true }, { attempt: 3, willRetry: false }]);
    await runtime.close();
  });

  it('publishes spawn, step and effect events only after they are durable', async () => {
    const runtime = await createRuntime({ store: storeAt(join(tempFolder(), 'store')), machines: [parent, child] });
    const seen: RuntimeEvent['type'][] = [];
    const stepped: (ActorRecord | undefined | Promise<ActorRecord | undefined>)[] = [];
    runtime.subscribe((event) => {
      seen.push(event.type);
      if (event.type === 'actor.stepped') stepped.push(runtime.store.getActor(event.id as ActorId)); // read in the listener: at once over LMDB and memory
    });
    const id = await runtime.spawn('parent', { children: 3 });
    await runtime.waitFor(id, (r) => r.status === 'done');
    const records = await Promise.all(stepped);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record?.seq).toBeGreaterThan(0);
    expect(seen).toEqual(expect.arrayContaining(['actor.spawned', 'actor.stepped', 'effect.started', 'effect.finished']));
    await runtime.close();
  });

  it('refuses malformed and reserved events without changing state', async () => {
    const runtime = await createRuntime({ store: storeAt(join(tempFolder(), 'store')), machines: [counter] });
    const id = await runtime.spawn('counter');
    const before = (await runtime.get(id))!.seq;
    const cyclic: Record<string, unknown> = { type: 'stash' };
    cyclic.self = cyclic;
    expect(() => runtime.send(id, null as never)).toThrow(/INVALID_EVENT/);
    expect(() => runtime.send(id, { type: 42 } as never)).toThrow(/INVALID_EVENT/);
    // @ts-expect-error a reserved event is none of the machine's events: refused at compile time too
    expect(() => runtime.send(id, { type: 'xstate.done.actor.x' })).toThrow(/reserved/);
    expect(() => runtime.send(id, cyclic as never)).toThrow(/INVALID_EVENT/);
    expect(() => runtime.send(id, { type: 'stash', payload: 'x'.repeat(1_100_000) } as never)).toThrow(/limit/);
    await runtime.send(id, JSON.parse('{"type":"stash","payload":{"__proto__":{"polluted":true}}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await runtime.get(id))!.seq).toBe(before + 1);
    await expect(runtime.send('nobody', { type: 'increment' })).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    await runtime.close();
  });

  it('keeps the snapshot after every step in the journal, unless told to keep transitions only', async () => {
    const folder = tempFolder();
    let runtime = await createRuntime({ store: storeAt(join(folder, 'a')), machines: [counter] });
    const id = await runtime.spawn('counter');
    await runtime.send(id, { type: 'increment', by: 2 });
    await runtime.send(id, { type: 'increment', by: 3 });
    expect((await runtime.journal(id)).map((entry) => (entry.snapshot?.context as { count: number }).count)).toEqual([0, 2, 5]);
    await runtime.close();
    runtime = await createRuntime({ store: storeAt(join(folder, 'b')), machines: [counter], journal: 'transitions' });
    const lean = await runtime.spawn('counter');
    await runtime.send(lean, { type: 'increment' });
    expect((await runtime.journal(lean)).every((entry) => entry.snapshot === undefined)).toBe(true);
    await runtime.close();
  });

  it('validates all options at once', async () => {
    await expect(createRuntime({ store: '', machines: [{} as never], durability: 'fast' as never })).rejects.toThrow(/INVALID_OPTIONS.*store.*machines.*durability/);
  });
});

describe('messages to an actor that does not exist yet', () => {
  it('are delivered once it is spawned, exactly once', async () => {
    const { setup } = await import('xstate');
    const { sendMessage } = await import('../../../src/index.js');
    const early = setup({ types: { input: {} as { to: string } } }).createMachine({
      id: 'early',
      context: ({ input }) => input,
      entry: sendMessage(({ context }) => ({ to: context.to, event: { type: 'increment', by: 7 } })),
      initial: 'sent',
      states: { sent: { type: 'final' } },
    });
    const sender = defineMachine({ name: 'early', version: '1', machine: early });
    const runtime = await createRuntime({ store: storeAt(join(tempFolder(), 'store')), machines: [counter, sender] });
    await runtime.spawn('early', { to: 'later' });
    await runtime.whenIdle();
    expect((await arrayOf(runtime.store.inbox('later' as never)))).toHaveLength(1);
    await runtime.spawn('counter', {}, { id: 'later' });
    await runtime.waitFor('later', (record) => (record.snapshot?.context as { count: number }).count === 7);
    await runtime.whenIdle();
    expect((await runtime.get('later'))!.seq).toBe(2);
    expect((await arrayOf(runtime.store.inbox('later' as never)))).toHaveLength(0);
    await runtime.close();
  });

  it('are delivered once it is spawned after a restart, when they were stored before it', async () => {
    const { setup } = await import('xstate');
    const { sendMessage } = await import('../../../src/index.js');
    const early = setup({ types: { input: {} as { to: string } } }).createMachine({
      id: 'early',
      context: ({ input }) => input,
      entry: sendMessage(({ context }) => ({ to: context.to, event: { type: 'increment', by: 3 } })),
      initial: 'sent',
      states: { sent: { type: 'final' } },
    });
    const machines = [counter, defineMachine({ name: 'early', version: '1', machine: early })];
    const store = storeAt(join(tempFolder(), 'store'));
    let runtime = await createRuntime({ store, machines });
    await runtime.spawn('early', { to: 'afterwards' });
    await runtime.whenIdle();
    await runtime.close();
    runtime = await createRuntime({ store, machines });
    await runtime.whenIdle();
    await runtime.spawn('counter', {}, { id: 'afterwards' });
    await runtime.waitFor('afterwards', (record) => (record.snapshot?.context as { count: number }).count === 3);
    await runtime.whenIdle();
    expect((await arrayOf(runtime.store.inbox('afterwards' as never)))).toHaveLength(0);
    await runtime.close();
  });
});
