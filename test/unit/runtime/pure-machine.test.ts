/**
 * The pure machine holdfast transitions with (pure-transition.ts): invokes
 * start as planned effects with the input XState would have resolved, without
 * XState building an actor per invoke, and the machine behaves as before.
 */
import { describe, expect, it } from 'vitest';
import { assign, fromPromise, setup } from 'xstate';
import { pureInitialTransition, pureMachine, pureTransition } from '../../../src/runtime/pure-transition.js';
import { persistSnapshot, restoreSnapshot } from '../../../src/runtime/snapshot-codec.js';
import { emptyPlan, planStep } from '../../../src/runtime/step-plan.js';
import type { ActorId, ActorRecord } from '../../../src/persistence/store.js';

const fetchLogic = fromPromise<number, { n: number; who: string }>(async ({ input }) => input.n);

const machine = setup({
  types: { context: {} as { n: number; results: number[] }, events: {} as { type: 'go' } | { type: 'skip' } },
  actors: { fetch: fetchLogic },
}).createMachine({
  id: 'pure',
  context: { n: 1, results: [] },
  initial: 'idle',
  states: {
    idle: { on: { go: 'fetching', skip: 'passing' } },
    fetching: {
      // The input sees the state's own entry assign, as XState resolves it.
      entry: assign({ n: ({ context }) => context.n * 10 }),
      invoke: {
        id: 'fetch',
        src: 'fetch',
        input: ({ context, self }) => ({ n: context.n, who: self.id }),
        onDone: { target: 'idle', actions: assign({ results: ({ context, event }) => [...context.results, event.output] }) },
        onError: 'failed',
      },
    },
    // Entered and left within one macrostep: its invoke never starts.
    passing: { invoke: { id: 'never', src: 'fetch', input: { n: 0, who: '' } }, always: 'idle' },
    failed: { type: 'final' },
  },
});

const base = (): ActorRecord => ({ id: 'p1' as ActorId, machine: 'pure', version: '1', root: 'p1' as ActorId, status: 'active', state: 'idle', snapshot: null, seq: 0, effects: {}, timers: {}, createdAt: 0, updatedAt: 0 });
const context = { now: 5, nextMessageSeq: () => 1, definitionOf: () => { throw new Error('no spawns'); }, exists: () => false };

describe('pure machine', () => {
  it('plans an invoke with the input XState resolves, and builds no child actor', () => {
    const [initial] = pureInitialTransition(machine, undefined, 'p1');
    const [next, actions] = pureTransition(machine, initial, { type: 'go' }, 'p1');
    expect(next.value).toBe('fetching');
    expect(Object.values(next.children).filter(Boolean)).toEqual([]);
    // The actions are the ones XState gives: the invoke's spawn, with its resolved input.
    expect(actions.filter((a) => a.type === 'xstate.spawnChild').map((a) => a.params)).toEqual([{ id: 'fetch', src: 'fetch', input: { n: 10, who: 'p1' } }]);
    expect(actions.filter((a) => a.type === 'xstate.emit')).toEqual([]);
    const plan = emptyPlan();
    const record = planStep(plan, undefined, base(), next, actions, context);
    expect(record.effects).toEqual({ fetch: { src: 'fetch', input: { n: 10, who: 'p1' }, key: 'p1:fetch:1', attempt: 1 } });
    expect(plan.started.map((s) => s.invokeId)).toEqual(['fetch']);
    expect(plan.emitted).toEqual([]); // the invoke's start is not an emitted event
  });

  it('takes onDone and onError as the invoke defined them, also after a restore', () => {
    const [initial] = pureInitialTransition(machine, undefined, 'p1');
    const [fetching] = pureTransition(machine, initial, { type: 'go' }, 'p1');
    const restored = restoreSnapshot(machine, JSON.parse(JSON.stringify(persistSnapshot(fetching))));
    const [done] = pureTransition(machine, restored, { type: 'xstate.done.actor.fetch', output: 7 } as never, 'p1');
    expect(done.value).toBe('idle');
    expect(done.context).toEqual({ n: 10, results: [7] });
    const [failed] = pureTransition(machine, fetching, { type: 'xstate.error.actor.fetch', error: 'x' } as never, 'p1');
    expect(failed.value).toBe('failed');
    expect(failed.status).toBe('done');
  });

  it('starts no invoke of a state entered and left within one macrostep', () => {
    const [initial] = pureInitialTransition(machine, undefined, 'p1');
    const [next, actions] = pureTransition(machine, initial, { type: 'skip' }, 'p1');
    expect(next.value).toBe('idle');
    const plan = emptyPlan();
    expect(planStep(plan, undefined, base(), next, actions, context).effects).toEqual({});
    expect(plan.started).toEqual([]);
  });

  it('leaves the machine itself untouched and is built once', () => {
    expect(pureMachine(machine)).toBe(pureMachine(machine));
    expect(pureMachine(pureMachine(machine))).toBe(pureMachine(machine));
    expect(machine.root.states.fetching!.invoke.map((invoke) => invoke.id)).toEqual(['fetch']);
    expect(pureMachine(machine).root.states.fetching!.invoke).toEqual([]);
  });
});
