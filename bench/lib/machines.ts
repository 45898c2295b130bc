/**
 * The bench's machines, with no-op effects: what is measured is the runtime
 * (step, commit, effect dispatch), not the work.
 */
import { fromPromise, setup } from 'xstate';
import { defineMachine, effect, type EffectContext, type MachineDefinition } from '../../src/index.js';

type Input = { i: number };
type NoOp = (input: Input, context: EffectContext) => Promise<null>;
const noOp: NoOp = async () => null;
const placeholder = fromPromise<null, Input>(async () => null);

/** spawn -> `first` effect -> `second` effect -> final: three durable steps per actor. */
export const threeStepMachine = setup({
  types: { input: {} as Input, context: {} as Input },
  actors: { first: placeholder, second: placeholder },
}).createMachine({
  id: 'three',
  context: ({ input }) => ({ i: input.i }),
  initial: 'first',
  states: {
    first: { invoke: { id: 'first', src: 'first', input: ({ context }) => ({ i: context.i }), onDone: 'second' } },
    second: { invoke: { id: 'second', src: 'second', input: ({ context }) => ({ i: context.i }), onDone: 'done' } },
    done: { type: 'final' },
  },
});

/** The three-step machine with its effects; `onEffect` lets a suite time them. */
export function threeSteps(onEffect: NoOp = noOp): MachineDefinition {
  const run = effect<null, Input>(onEffect);
  return defineMachine({ name: 'three', version: '1', machine: threeStepMachine.provide({ actors: { first: run, second: run } }) });
}

/** A job: spawn -> `work` effect -> final (the BullMQ comparison, and the recovery store). */
export const jobMachine = setup({
  types: { input: {} as Input, context: {} as Input },
  actors: { work: placeholder },
}).createMachine({
  id: 'job',
  context: ({ input }) => ({ i: input.i }),
  initial: 'working',
  states: {
    working: { invoke: { id: 'work', src: 'work', input: ({ context }) => ({ i: context.i }), onDone: 'done' } },
    done: { type: 'final' },
  },
});

export function job(onEffect: NoOp = noOp): MachineDefinition {
  return defineMachine({ name: 'job', version: '1', machine: jobMachine.provide({ actors: { work: effect<null, Input>(onEffect) } }) });
}

/** Waits for an outside `go`: idle, so the runtime passivates it. */
export const waiterMachine = setup({ types: { input: {} as Input, context: {} as Input, events: {} as { type: 'go' } } }).createMachine({
  id: 'waiter',
  context: ({ input }) => ({ i: input.i }),
  initial: 'waiting',
  states: { waiting: { on: { go: 'done' } }, done: { type: 'final' } },
});

export const waiter = defineMachine({ name: 'waiter', version: '1', machine: waiterMachine });
