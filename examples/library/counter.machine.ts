import { assign, setup } from 'xstate';

// A plain XState v5 machine: its input, context and events typed with setup().
export const counterMachine = setup({
  types: {
    input: {} as { start: number },
    context: {} as { count: number },
    events: {} as { type: 'increment'; by?: number } | { type: 'stop' },
  },
}).createMachine({
  id: 'counter',
  context: ({ input }) => ({ count: input.start }),
  initial: 'counting',
  states: {
    counting: {
      on: {
        increment: { actions: assign({ count: ({ context, event }) => context.count + (event.by ?? 1) }) },
        stop: 'stopped',
      },
    },
    stopped: { type: 'final' },
  },
});
