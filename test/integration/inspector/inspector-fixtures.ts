/**
 * Machines for the inspector's tests, shaped like an ingest: a `batch` spawns
 * `item`s (its files), counts their reports and completes when all reported.
 * Items wait for `go`, so a test decides when the job moves; `tally` takes
 * increments (many steps of one actor) and carries a padding to make frames big.
 */
import { assign, setup } from 'xstate';
import { defineMachine, effect, sendMessage, spawnActors } from '../../../src/index.js';

export const itemMachine = setup({
  types: {
    input: {} as { index: number; ms?: number },
    context: {} as { index: number; ms: number },
    events: {} as { type: 'go' },
  },
  actors: { work: effect<{ ok: true }, { ms: number }>(async ({ ms }) => (ms > 0 ? await new Promise((resolve) => setTimeout(() => resolve({ ok: true as const }), ms)) : { ok: true as const })) },
}).createMachine({
  id: 'item',
  context: ({ input }) => ({ index: input.index, ms: input.ms ?? 0 }),
  initial: 'waiting',
  states: {
    waiting: { on: { go: 'working' } },
    working: {
      initial: 'copying',
      states: {
        copying: { invoke: { id: 'work', src: 'work', input: ({ context }) => ({ ms: context.ms }), onDone: 'verified' } },
        verified: { always: '#item.reporting' },
      },
    },
    reporting: { entry: sendMessage(() => ({ toParent: true, event: { type: 'item.done' } })), always: 'done' },
    done: { type: 'final' },
  },
});

export const batchMachine = setup({
  types: {
    input: {} as { items: number; ms?: number },
    context: {} as { counts: { total: number; done: number }; ms: number },
    events: {} as { type: 'item.done' },
  },
}).createMachine({
  id: 'batch',
  context: ({ input }) => ({ counts: { total: input.items, done: 0 }, ms: input.ms ?? 0 }),
  initial: 'spawning',
  states: {
    spawning: {
      entry: spawnActors(({ context }: { context: { counts: { total: number }; ms: number } }) =>
        Array.from({ length: context.counts.total }, (_, index) => ({ machine: 'item', key: `file-${String(index).padStart(4, '0')}.csv`, input: { index, ms: context.ms } })),
      ),
      always: 'running',
    },
    running: {
      always: { guard: ({ context }) => context.counts.done >= context.counts.total, target: 'complete' },
      on: { 'item.done': { actions: assign({ counts: ({ context }) => ({ ...context.counts, done: context.counts.done + 1 }) }) } },
    },
    complete: { type: 'final' },
  },
});

export const tallyMachine = setup({
  types: {
    input: {} as { pad?: number },
    context: {} as { count: number; pad: string },
    events: {} as { type: 'increment' } | { type: 'finish' },
  },
}).createMachine({
  id: 'tally',
  context: ({ input }) => ({ count: 0, pad: 'x'.repeat(input.pad ?? 0) }),
  initial: 'counting',
  states: {
    counting: { on: { increment: { actions: assign({ count: ({ context }) => context.count + 1 }) }, finish: 'finished' } },
    finished: { type: 'final' },
  },
});

export const item = defineMachine({ name: 'item', version: '1', machine: itemMachine });
export const batch = defineMachine({ name: 'batch', version: '1', machine: batchMachine });
export const tally = defineMachine({ name: 'tally', version: '1', machine: tallyMachine });
export const inspectorMachines = [batch, item, tally];
