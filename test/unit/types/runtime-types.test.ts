/**
 * A runtime typed from its machine definitions (src/runtime/machine-types.ts). `npm run typecheck`
 * compiles this file: each `@ts-expect-error` line must fail to compile (or the check fails), and each
 * `expectTypeOf` must hold. The runtime calls then run over a memory store, so the types describe what
 * the runtime really gives.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { assign, setup, type StateValue } from 'xstate';
import { actorId, createRuntime, defineMachine, openMemoryStore, type ActorRecord, type MachineActorId, type MachineDefinition, type Runtime } from '../../../src/index.js';
import { arrayOf } from '../../../src/runtime/async-views.js';

const counterMachine = setup({
  types: {
    input: {} as { start: number },
    context: {} as { count: number },
    events: {} as { type: 'increment'; by?: number } | { type: 'finish' },
  },
}).createMachine({
  id: 'counter',
  context: ({ input }) => ({ count: input.start }),
  initial: 'counting',
  states: {
    counting: { on: { increment: { actions: assign({ count: ({ context, event }) => context.count + (event.by ?? 1) }) }, finish: 'done' } },
    done: { type: 'final' },
  },
});

const greeterMachine = setup({
  types: { context: {} as { greeted: string[] }, events: {} as { type: 'greet'; name: string } },
}).createMachine({
  id: 'greeter',
  context: { greeted: [] },
  on: { greet: { actions: assign({ greeted: ({ context, event }) => [...context.greeted, event.name] }) } },
});

const counter = defineMachine({ name: 'counter', version: '1', machine: counterMachine });
const greeter = defineMachine({ name: 'greeter', version: '1', machine: greeterMachine });

const open = () => createRuntime({ store: openMemoryStore(), machines: [counter, greeter] });

describe('a runtime typed from its machine definitions', () => {
  it('keeps the literal name and the machine in a definition', () => {
    expectTypeOf(counter.name).toEqualTypeOf<'counter'>();
    expectTypeOf(counter).toExtend<MachineDefinition>();
  });

  it('spawns only registered machines, with their input', async () => {
    await using runtime = await open();
    const id = await runtime.spawn('counter', { start: 2 });
    expectTypeOf(id).toEqualTypeOf<MachineActorId<'counter'>>();
    expectTypeOf(await runtime.spawn(greeter)).toEqualTypeOf<MachineActorId<'greeter'>>();
    // A machine without a declared input needs none.
    expectTypeOf(await runtime.spawn('greeter')).toEqualTypeOf<MachineActorId<'greeter'>>();
    // @ts-expect-error no machine is named nosuch
    const nosuch = runtime.spawn('nosuch', {});
    await expect(nosuch).rejects.toMatchObject({ code: 'UNKNOWN_MACHINE' });
    // Compiled, never run: these would spawn counters with a broken context.
    const refused = [
      // @ts-expect-error start is a number
      () => runtime.spawn('counter', { start: 'two' }),
      // @ts-expect-error a counter needs its input
      () => runtime.spawn('counter'),
      // @ts-expect-error the input has no such field
      () => runtime.spawn('counter', { start: 1, stop: 2 }),
    ];
    expect(refused).toHaveLength(3);
  });

  it("sends only the events the actor's machine takes", async () => {
    await using runtime = await open();
    const id = await runtime.spawn('counter', { start: 0 }, { id: 'c' });
    await runtime.send(id, { type: 'increment', by: 2 });
    await runtime.send(id, { type: 'increment' });
    expect((await runtime.get(id))?.snapshot?.context.count).toBe(3);
    // A plain id may be an actor of any of the machines: any of their events, none other.
    await runtime.send(actorId('c'), { type: 'increment' });
    await runtime.send('c', { type: 'finish' });
    expect((await runtime.get(id))?.state).toBe('done');
    expect((await runtime.get(id))?.snapshot?.context.count).toBe(4);
    const refused = [
      // @ts-expect-error no machine takes `typo`
      () => runtime.send(id, { type: 'typo' }),
      // @ts-expect-error greet is a greeter's event, not a counter's
      () => runtime.send(id, { type: 'greet', name: 'Ada' }),
      // @ts-expect-error by is a number
      () => runtime.send(id, { type: 'increment', by: '2' }),
      // @ts-expect-error no machine takes `typo`, whatever the actor
      () => runtime.send('c', { type: 'typo' }),
      // @ts-expect-error greet needs a name
      () => runtime.send('g', { type: 'greet' }),
      // @ts-expect-error an ActorId from a store or a query says no machine: any of theirs, none other
      () => runtime.send(actorId('c'), { type: 'typo' }),
    ];
    expect(refused).toHaveLength(6);
  });

  it("gives records with the machine's context and state types", async () => {
    await using runtime = await open();
    const id = await runtime.spawn('counter', { start: 5 });
    const record = await runtime.get(id);
    expectTypeOf(record).toEqualTypeOf<Awaited<ReturnType<typeof runtime.get<'counter'>>>>();
    expectTypeOf(record!.machine).toEqualTypeOf<'counter'>();
    expectTypeOf(record!.snapshot!.context).toEqualTypeOf<{ count: number }>();
    expectTypeOf(record!.snapshot!.value).toEqualTypeOf<'counting' | 'done'>();
    expect(record?.snapshot?.context).toEqual({ count: 5 });
    expect(record?.snapshot?.value).toBe('counting');

    // By a plain id: one of the machines' records, told apart by `machine`.
    const greeterId = await runtime.spawn('greeter', undefined, { id: 'g' });
    await runtime.send(greeterId, { type: 'greet', name: 'Ada' });
    const found = await runtime.get('g');
    expectTypeOf(found!.machine).toEqualTypeOf<'counter' | 'greeter'>();
    if (found?.machine !== 'greeter') throw new Error(`expected the greeter, got ${found?.machine}`);
    expectTypeOf(found.snapshot!.context).toEqualTypeOf<{ greeted: string[] }>();
    expect(found.snapshot?.context.greeted).toEqual(['Ada']);

    const done = await runtime.waitFor(id, (r) => r.snapshot?.context.count === 5);
    expectTypeOf(done.snapshot!.context).toEqualTypeOf<{ count: number }>();
    // Still an ActorRecord wherever one is taken.
    expectTypeOf(done).toExtend<ActorRecord>();
  });

  it('queries by a machine of the runtime, giving its records', async () => {
    await using runtime = await open();
    await runtime.spawn('counter', { start: 7 });
    await runtime.spawn('greeter');
    const counters = await runtime.query({ machine: 'counter' });
    expectTypeOf(counters[0]!.snapshot!.context).toEqualTypeOf<{ count: number }>();
    expect(counters.map((record) => record.snapshot?.context.count)).toEqual([7]);
    const greeters = (await arrayOf(runtime.actors({ machine: 'greeter', status: 'active' })));
    expectTypeOf(greeters[0]!.machine).toEqualTypeOf<'greeter'>();
    expect(greeters).toHaveLength(1);
    expectTypeOf((await runtime.query())[0]!.machine).toEqualTypeOf<'counter' | 'greeter'>();
    // @ts-expect-error no machine is named nosuch
    expect(await runtime.query({ machine: 'nosuch' })).toEqual([]);
  });

  it("types a machine's state value as XState's StateValue when XState does not type its states", async () => {
    const bare = defineMachine({ name: 'bare', version: '1', machine: setup({}).createMachine({ id: 'bare' }) });
    await using runtime = await createRuntime({ store: openMemoryStore(), machines: [bare] });
    const record = await runtime.get(await runtime.spawn('bare'));
    expectTypeOf(record!.snapshot!.value).toEqualTypeOf<StateValue>();
    expect(record?.snapshot?.value).toEqual({});
  });

  it('is named for a list of machines as Runtime<typeof machines>', async () => {
    const machines = [counter, greeter];
    await using runtime = await createRuntime({ store: openMemoryStore(), machines });
    const typed: Runtime<typeof machines> = runtime;
    expectTypeOf(await typed.spawn('counter', { start: 1 })).toEqualTypeOf<MachineActorId<'counter'>>();
    // @ts-expect-error still no machine named nosuch
    await expect(typed.spawn('nosuch')).rejects.toMatchObject({ code: 'UNKNOWN_MACHINE' });
  });

  it('passes where an untyped Runtime is taken (the inspector, the HTTP server)', async () => {
    await using runtime = await open();
    expectTypeOf(runtime).toExtend<Runtime>();
    const untyped: Runtime = runtime;
    expect(await untyped.spawn('greeter')).toEqual(expect.any(String));
  });

  it('takes any name, input and event over machines named at run time (a host app registering its own)', async () => {
    const registered: MachineDefinition[] = [counter, greeter];
    await using runtime = await createRuntime({ store: openMemoryStore(), machines: registered });
    expectTypeOf(runtime).toEqualTypeOf<Runtime>();
    const id = await runtime.spawn('counter', { start: 1 });
    await runtime.send(id, { type: 'increment' });
    expectTypeOf(runtime.get(id)).toEqualTypeOf<Promise<ActorRecord | undefined>>();
    await runtime.send(id, { type: 'typo' }); // compiles here; the machine ignores it
    expect(await runtime.get(id)).toMatchObject({ state: 'counting', snapshot: { context: { count: 2 } } });
    await expect(runtime.spawn('nosuch')).rejects.toMatchObject({ code: 'UNKNOWN_MACHINE' });
  });
});
