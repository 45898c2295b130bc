/**
 * Machines for the reliability tests: a document that moves through stages
 * (and a later version of it with a stage removed, or with its stages kept),
 * and one that can be driven to put a BigInt into its context.
 */
import { assign, setup } from 'xstate';
import { defineMachine } from '../../../src/index.js';

/** v1: drafting -> reviewing -> published. */
export const documentV1 = defineMachine({
  name: 'document',
  version: '1',
  machine: setup({ types: { context: {} as { edits: number } } }).createMachine({
    id: 'document',
    context: { edits: 0 },
    initial: 'drafting',
    states: {
      drafting: { on: { edit: { actions: assign({ edits: ({ context }) => context.edits + 1 }) }, next: 'reviewing' } },
      reviewing: { on: { next: 'published' } },
      published: { type: 'final' },
    },
  }),
});

/** v2 drops `reviewing`: an actor stored in it cannot continue (VERSION_INCOMPATIBLE). */
export const documentWithoutReview = defineMachine({
  name: 'document',
  version: '2',
  machine: setup({ types: { context: {} as { edits: number } } }).createMachine({
    id: 'document',
    context: { edits: 0 },
    initial: 'drafting',
    states: {
      drafting: { on: { edit: { actions: assign({ edits: ({ context }) => context.edits + 1 }) }, next: 'published' } },
      published: { type: 'final' },
    },
  }),
});

/** v3 keeps every state of v1 and adds an `archived` one after publishing: old actors continue. */
export const documentWithArchive = defineMachine({
  name: 'document',
  version: '3',
  machine: setup({ types: { context: {} as { edits: number } } }).createMachine({
    id: 'document',
    context: { edits: 0 },
    initial: 'drafting',
    states: {
      drafting: { on: { edit: { actions: assign({ edits: ({ context }) => context.edits + 1 }) }, next: 'reviewing' } },
      reviewing: { on: { next: 'published' } },
      published: { on: { archive: 'archived' } },
      archived: { type: 'final' },
    },
  }),
});

/** `measure` stores its number as a BigInt: a snapshot JSON cannot hold. */
export const meter = defineMachine({
  name: 'meter',
  version: '1',
  machine: setup({ types: { context: {} as { reading: unknown; readings: number }, events: {} as { type: 'measure'; value: number } | { type: 'read'; value: number } | { type: 'stop' } } }).createMachine({
    id: 'meter',
    context: { reading: null, readings: 0 },
    initial: 'on',
    states: {
      on: {
        on: {
          measure: { actions: assign({ reading: ({ event }) => BigInt(event.value), readings: ({ context }) => context.readings + 1 }) },
          read: { actions: assign({ reading: ({ event }) => event.value, readings: ({ context }) => context.readings + 1 }) },
          stop: 'off',
        },
      },
      off: { type: 'final' },
    },
  }),
});
