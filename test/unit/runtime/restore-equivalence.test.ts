/**
 * Restore equivalence (RELIABILITY.md): for every prefix of every simple path
 * through each machine, persist the snapshot, round-trip it through JSON,
 * restore it and continue: the end must be the one reached without interruption.
 */
import { describe, expect, it } from 'vitest';
import { assign, setup, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { pureInitialTransition, pureTransition } from '../../../src/runtime/pure-transition.js';
import { persistSnapshot, restoreSnapshot } from '../../../src/runtime/snapshot-codec.js';
import { child, counter, flakyMachine, parent, sleeper } from '../../fixtures/machines.js';

/** Two regions, a shallow history inside one of them and a deep history over both. */
const editorMachine = setup({
  types: {
    context: {} as { saves: number; edits: string[] },
    events: {} as
      | { type: 'bold' }
      | { type: 'plain' }
      | { type: 'indent' }
      | { type: 'edit'; text: string }
      | { type: 'save' }
      | { type: 'pause' }
      | { type: 'resume' }
      | { type: 'restart' }
      | { type: 'quit' },
  },
}).createMachine({
  id: 'editor',
  context: { saves: 0, edits: [] },
  initial: 'editing',
  states: {
    editing: {
      type: 'parallel',
      on: { pause: 'paused', quit: 'closed' },
      states: {
        format: {
          initial: 'plain',
          states: {
            plain: { on: { bold: 'bold' } },
            bold: {
              initial: 'flush',
              on: { plain: 'plain' },
              states: { flush: { on: { indent: 'indented' } }, indented: {} },
            },
            previous: { type: 'history', history: 'shallow' },
          },
        },
        sync: {
          initial: 'saved',
          states: {
            saved: { on: { edit: { target: 'dirty', actions: assign({ edits: ({ context, event }) => [...context.edits, event.text] }) } } },
            dirty: { on: { save: { target: 'saved', actions: assign({ saves: ({ context }) => context.saves + 1 }) } } },
          },
        },
        everything: { type: 'history', history: 'deep' },
      },
    },
    paused: { on: { resume: 'editing.everything', restart: 'editing.format.previous' } },
    closed: { type: 'final' },
  },
});

/** Events as plain objects (the graph replays exactly these). */
const events = (...list: { type: string; [key: string]: unknown }[]): EventObject[] => list;

interface Case {
  name: string;
  machine: AnyStateMachine;
  input?: unknown;
  /** Every event to try (given, it replaces the graph's default of each state's own event types). */
  events?: EventObject[];
  /** Bounds machines whose context grows without end. */
  stopWhen?: (snapshot: AnyMachineSnapshot) => boolean;
}

const cases: Case[] = [
  { name: 'child', machine: child.machine, input: { index: 3, delayMs: 10 } },
  { name: 'parent', machine: parent.machine, input: { children: 2 }, events: events({ type: 'child.done', index: 0 }, { type: 'child.done', index: 1 }) },
  { name: 'sleeper', machine: sleeper.machine, input: { ms: 100 } },
  {
    name: 'flaky',
    machine: flakyMachine,
    events: events(
      { type: 'xstate.done.actor.flaky', output: { rows: 3 } },
      { type: 'xstate.error.actor.flaky', error: { code: 'EFFECT_FAILED', message: 'flaky failed after 5 attempt(s)' } },
    ),
  },
  {
    name: 'counter',
    machine: counter.machine,
    events: events({ type: 'increment', by: 2 }, { type: 'increment' }, { type: 'stash', payload: { rows: [1, 2], note: 'x' } }, { type: 'finish' }),
    stopWhen: (snapshot) => (snapshot.context as { count: number }).count >= 3,
  },
  // Three event sets over the editor: all of its events at once give some 10^5 simple paths.
  ...[
    ['bold', 'indent', 'pause', 'resume', 'restart'],
    ['edit', 'save', 'pause', 'resume', 'restart', 'quit'],
    ['edit', 'save', 'bold', 'pause', 'resume'],
  ].map((types) => ({
    name: `editor (parallel regions, shallow and deep history) over ${types.join(', ')}`,
    machine: editorMachine,
    events: events(...types.map((type) => (type === 'edit' ? { type, text: 'a' } : { type }))),
    stopWhen: (snapshot: AnyMachineSnapshot) => (snapshot.context as { saves: number; edits: string[] }).saves >= 1 || (snapshot.context as { edits: string[] }).edits.length >= 2,
  })),
];

/** The events of every simple path, from the initial state. */
function simplePathEvents(testCase: Case): EventObject[][] {
  const paths = getSimplePaths(testCase.machine, {
    ...(testCase.input !== undefined ? { input: testCase.input } : {}),
    ...(testCase.events ? { events: testCase.events } : {}),
    ...(testCase.stopWhen ? { stopWhen: testCase.stopWhen } : {}),
    serializeState: (snapshot: unknown) => JSON.stringify(persistSnapshot(snapshot as AnyMachineSnapshot)),
  } as never);
  // steps[0] is the initial state (event xstate.init); each later step is the event taken and the state it reached.
  return paths.map((path) => path.steps.slice(1).map((step) => step.event as EventObject));
}

function run(machine: AnyStateMachine, from: AnyMachineSnapshot, events: EventObject[]): AnyMachineSnapshot {
  let snapshot = from;
  for (const event of events) [snapshot] = pureTransition(machine, snapshot, event);
  return snapshot;
}

/**
 * What an observer compares: the stored form (value, context, status, output,
 * error, history). A history entry is a set of state nodes, recorded in the
 * order XState happens to hold its active nodes (which differs after a
 * restore), so each is compared sorted.
 */
function observable(snapshot: AnyMachineSnapshot): unknown {
  const stored = JSON.parse(JSON.stringify(persistSnapshot(snapshot))) as { historyValue?: Record<string, { id: string }[]> };
  for (const nodes of Object.values(stored.historyValue ?? {})) nodes.sort((a, b) => a.id.localeCompare(b.id));
  return stored;
}

describe('restore equivalence over every simple path', () => {
  for (const testCase of cases) {
    it(`${testCase.name}: persisting, restoring and continuing at any step ends where the uninterrupted run ends`, () => {
      const paths = simplePathEvents(testCase);
      expect(paths.length).toBeGreaterThan(1);
      let checked = 0;
      for (const path of paths) {
        const [initial] = pureInitialTransition(testCase.machine, testCase.input ?? {});
        const uninterrupted = run(testCase.machine, initial, path);
        let before = pureInitialTransition(testCase.machine, testCase.input ?? {})[0];
        for (let cut = 0; cut <= path.length; cut++) {
          if (cut > 0) [before] = pureTransition(testCase.machine, before, path[cut - 1]!);
          const stored = JSON.parse(JSON.stringify(persistSnapshot(before))) as ReturnType<typeof persistSnapshot>;
          const restored = restoreSnapshot(testCase.machine, stored);
          const resumed = run(testCase.machine, restored, path.slice(cut));
          // Compared as JSON first: thousands of deep expect() calls would dominate the run time.
          const same =
            JSON.stringify(observable(restored)) === JSON.stringify(observable(before)) &&
            JSON.stringify(resumed.value) === JSON.stringify(uninterrupted.value) &&
            JSON.stringify(resumed.context) === JSON.stringify(uninterrupted.context) &&
            resumed.status === uninterrupted.status &&
            JSON.stringify(observable(resumed)) === JSON.stringify(observable(uninterrupted));
          if (!same) {
            const where = `cut at step ${cut} of [${path.map((e) => e.type).join(' > ')}]`;
            expect(observable(restored), `restored: ${where}`).toEqual(observable(before));
            expect(resumed.value, where).toEqual(uninterrupted.value);
            expect(resumed.context, where).toEqual(uninterrupted.context);
            expect(resumed.status, where).toBe(uninterrupted.status);
            expect(observable(resumed), where).toEqual(observable(uninterrupted));
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(paths.length);
    }, 60_000);
  }

  it('editor: a restored deep history returns to both regions as they were', () => {
    const machine = editorMachine;
    const paused = run(machine, pureInitialTransition(machine, {})[0], events({ type: 'bold' }, { type: 'indent' }, { type: 'edit', text: 'x' }, { type: 'pause' }));
    expect(paused.value).toBe('paused');
    const restored = restoreSnapshot(machine, JSON.parse(JSON.stringify(persistSnapshot(paused))));
    const [resumed] = pureTransition(machine, restored, { type: 'resume' });
    expect(resumed.value).toEqual({ editing: { format: { bold: 'indented' }, sync: 'dirty' } });
    const [restarted] = pureTransition(machine, restored, { type: 'restart' });
    expect(restarted.value).toEqual({ editing: { format: { bold: 'flush' }, sync: 'saved' } });
  });
});
