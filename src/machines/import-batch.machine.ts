/**
 * An import batch: load and validate the import (every problem with its line;
 * with any, the batch ends `error` and nothing is sent), keep the plan in
 * records, spawn its pending links and objects chunk by chunk, count their
 * reports, and once nothing awaits emit `import.completed` (posted to
 * `onComplete` when given) and end `complete`, or `error` when any object or
 * link failed or was blocked.
 *   loading -> storing (next <-> reading) -> spawning (pacing <-> reading) -> running -> notifying -> complete | error
 * The context holds counters only: it is rewritten by each of the batch's
 * reports (one per object and per link), so no list may grow in it.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import { spawnActors, writeRecord, type ChildParked } from './messaging.js';
import { unprovided } from './unprovided.js';
import { IMPORT_UNBLOCK_MACHINE, type ImportUnblockInput } from './import-unblock.machine.js';
import { errorOf } from './import-callback.js';
import {
  IMPORT_RECORDS,
  type ErrorJson,
  type ImportBatchInput,
  type ImportCompleted,
  type ImportProblem,
  type LinkSettled,
  type LoadResult,
  type ObjectSettled,
  type OutcomeCounts,
  type PlanChunk,
  type PlanPart,
  type PlanPartRequest,
} from './import.types.js';

/** Stored on every batch actor; bump with an incompatible change of its states. */
export const IMPORT_BATCH_VERSION = '1';
/** Problems kept in the context; the `importProblems` record lists those the load kept (the first 10,000 by line). */
const MAX_PROBLEMS = 50;
const DEFAULT_WINDOW = 2_000;
/** Plan chunks stored per step: 100 chunks of 250 spawns are about 1.6 MB of store. */
const PLAN_PART = 100;

/** The batch's context: its input and counters, nothing that grows with the import. */
export interface ImportBatchContext extends ImportBatchInput {
  objects: OutcomeCounts;
  links: OutcomeCounts;
  /** Plan chunks, and the next one to spawn. */
  chunks: number;
  nextChunk: number;
  /** Chunks stored so far, and the file they were planned from (absent from a batch loaded by the release before: it stored its plan in one step). */
  stored?: number;
  fingerprint?: string;
  /** Objects spawned `ready` (created at once) that have not settled: bounds the work in flight. */
  readyInFlight: number;
  problems: ImportProblem[];
  /** Every problem found, listed or not. */
  problemCount: number;
  error?: ErrorJson;
  /** Posting the import-complete event failed after its retries. */
  notifyError?: ErrorJson;
}

/** States in which a pending object or link has already settled (and told its batch). */
const SETTLED_STATES = new Set(['complete', 'error', 'blocked']);
const unsettledObject = (event: ChildParked) => /^o\d+$/.test(event.key) && !SETTLED_STATES.has(event.state ?? '');
const unsettledLink = (event: ChildParked) => /^l\d+\.\d+$/.test(event.key) && !SETTLED_STATES.has(event.state ?? '');

const zero = (): OutcomeCounts => ({ total: 0, complete: 0, error: 0, blocked: 0 });
const settled = (c: OutcomeCounts) => c.complete + c.error + c.blocked === c.total;
const count = (c: OutcomeCounts, outcome: ObjectSettled['outcome']): OutcomeCounts => ({ ...c, [outcome]: c[outcome] + 1 });
/** A count with thousands separators, as people read it: 5,000,000. */
const figure = (n: number) => n.toLocaleString('en-US');

/** The `importBatch` machine; its effects are provided at assembly (import-machines.ts). */
export const importBatchMachine = setup({
  types: {
    input: {} as ImportBatchInput,
    context: {} as ImportBatchContext,
    events: {} as ObjectSettled | LinkSettled | ChildParked,
    emitted: {} as ImportCompleted,
  },
  actors: {
    loadImport: unprovided<LoadResult, { file: string; linkTags?: string | undefined }>('loadImport'),
    readPlanPart: unprovided<PlanPart, PlanPartRequest>('readPlanPart'),
    readPlanChunk: unprovided<PlanChunk, { batch: string; chunk: number }>('readPlanChunk'),
    postCompletion: unprovided<{ status: number }, { key: string; url: string; event: ImportCompleted }>('postCompletion'),
  },
  guards: {
    allStored: ({ context }) => context.stored! >= context.chunks,
    allSpawned: ({ context }) => context.nextChunk >= context.chunks,
    windowOpen: ({ context }) => context.readyInFlight < (context.window ?? DEFAULT_WINDOW),
    nothingAwaits: ({ context }) => settled(context.objects) && settled(context.links),
    anyFailed: ({ context }) => context.objects.error + context.objects.blocked + context.links.error + context.links.blocked > 0,
    notifies: ({ context }) => context.onComplete !== undefined,
  },
  actions: {
    announce: emit(({ context, self }) => completedEvent(context, self.id)),
  },
}).createMachine({
  id: 'importBatch',
  context: ({ input }) => ({ ...input, objects: zero(), links: zero(), chunks: 0, nextChunk: 0, readyInFlight: 0, problems: [], problemCount: 0 }),
  initial: 'loading',
  on: {
    'object.settled': {
      actions: assign(({ context, event }) => ({
        objects: count(context.objects, event.outcome),
        readyInFlight: event.ready ? context.readyInFlight - 1 : context.readyInFlight,
      })),
    },
    'link.settled': { actions: assign(({ context, event }) => ({ links: count(context.links, event.outcome) })) },
    // A child parked before it settled is counted as an error; what waited for a parked object is told it failed
    // by an importUnblock child (import-unblock.machine.ts), so the batch never waits on a parked actor.
    'holdfast.child.parked': [
      {
        guard: ({ event }) => unsettledObject(event),
        actions: [
          assign(({ context }) => ({ objects: count(context.objects, 'error') })),
          spawnActors(({ context, event, self }) => {
            const input: ImportUnblockInput = { batch: self.id, key: event.key, file: context.file, linkTags: context.linkTags, error: event.error };
            return [{ machine: IMPORT_UNBLOCK_MACHINE, key: `unblock.${event.key}`, input }];
          }),
        ],
      },
      { guard: ({ event }) => unsettledLink(event), actions: assign(({ context }) => ({ links: count(context.links, 'error') })) },
    ],
  },
  states: {
    loading: {
      invoke: {
        id: 'load',
        src: 'loadImport',
        input: ({ context }) => ({ file: context.file, linkTags: context.linkTags }),
        onDone: [
          {
            guard: ({ event }) => !event.output.ok,
            target: 'error',
            actions: [
              assign(({ event }) => {
                const { problems, problemCount } = event.output as Extract<LoadResult, { ok: false }>;
                // A result stored by the release before has no count: its list was whole.
                const total = Math.max(problemCount ?? 0, problems.length);
                const cut = total > problems.length ? ` (the first ${figure(problems.length)} by line are listed)` : '';
                const error = { code: 'IMPORT_INVALID', message: `the import has ${figure(total)} problem(s); nothing was sent${cut}` };
                return { problems: problems.slice(0, MAX_PROBLEMS), problemCount: total, error };
              }),
              writeRecord(({ event, self }) => ({
                collection: IMPORT_RECORDS.problems,
                key: self.id,
                value: event.output.ok ? [] : event.output.problems,
              })),
            ],
          },
          {
            target: 'storing',
            actions: assign(({ context, event }) => {
              const plan = event.output as Extract<LoadResult, { ok: true }>;
              return { objects: { ...context.objects, total: plan.objects }, links: { ...context.links, total: plan.links }, chunks: plan.chunks, stored: 0, fingerprint: plan.fingerprint };
            }),
          },
        ],
        onError: { target: 'error', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    // The plan is kept in records, one per chunk, so the context stays small and a restart re-reads it;
    // stored PLAN_PART chunks a step, so that neither the plan nor its commit is ever in memory whole.
    storing: {
      initial: 'next',
      states: {
        next: {
          always: [{ guard: 'allStored', target: '#importBatch.spawning' }, { target: 'reading' }],
        },
        reading: {
          invoke: {
            id: 'part',
            src: 'readPlanPart',
            input: ({ context }) => ({ file: context.file, linkTags: context.linkTags, from: context.stored!, to: Math.min(context.chunks, context.stored! + PLAN_PART), fingerprint: context.fingerprint! }),
            onDone: {
              target: 'next',
              actions: [
                enqueueActions(({ context, enqueue, event, self }) => {
                  event.output.chunks.forEach((chunk, n) => enqueue(writeRecord(() => ({ collection: IMPORT_RECORDS.plan, key: [self.id, context.stored! + n], value: chunk }))));
                }),
                assign(({ context, event }) => ({ stored: context.stored! + event.output.chunks.length })),
              ],
            },
            onError: { target: '#importBatch.error', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
          },
        },
      },
    },
    spawning: {
      initial: 'pacing',
      states: {
        pacing: {
          always: [
            { guard: 'allSpawned', target: '#importBatch.running' },
            { guard: 'windowOpen', target: 'reading' },
          ],
        },
        reading: {
          invoke: {
            id: 'chunk',
            src: 'readPlanChunk',
            input: ({ context, self }) => ({ batch: self.id, chunk: context.nextChunk }),
            onDone: {
              target: 'pacing',
              actions: [
                spawnActors(({ context, event, self }) =>
                  event.output.spawns.map((spawn) => ({ machine: spawn.machine, key: spawn.key, input: { ...spawn.input, batch: self.id, service: context.service } })),
                ),
                // Spawned with this step, the chunk is no longer needed: 300,000 spawn requests are ~20 MB of store.
                writeRecord(({ context, self }) => ({ collection: IMPORT_RECORDS.plan, key: [self.id, context.nextChunk], value: null })),
                assign(({ context, event }) => ({ nextChunk: context.nextChunk + 1, readyInFlight: context.readyInFlight + event.output.ready })),
              ],
            },
            onError: { target: '#importBatch.error', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
          },
        },
      },
    },
    running: {
      always: { guard: 'nothingAwaits', target: 'notifying' },
    },
    notifying: {
      entry: 'announce',
      always: [
        { guard: 'notifies', target: 'posting' },
        { guard: 'anyFailed', target: 'error' },
        { target: 'complete' },
      ],
    },
    posting: {
      invoke: {
        id: 'post',
        src: 'postCompletion',
        input: ({ context, self }) => ({ key: self.id, url: context.onComplete!, event: completedEvent(context, self.id) }),
        onDone: [{ guard: 'anyFailed', target: 'error' }, { target: 'complete' }],
        onError: [
          { guard: 'anyFailed', target: 'error', actions: assign({ notifyError: ({ event }) => errorOf(event.error) }) },
          { target: 'complete', actions: assign({ notifyError: ({ event }) => errorOf(event.error) }) },
        ],
      },
    },
    complete: { type: 'final' },
    error: { type: 'final' },
  },
});

/** The import-complete event of a batch whose pending objects and links have all settled. */
export function completedEvent(context: ImportBatchContext, batch: string): ImportCompleted {
  const failed = context.objects.error + context.objects.blocked + context.links.error + context.links.blocked > 0;
  return { type: 'import.completed', batch, outcome: failed ? 'error' : 'complete', objects: context.objects, links: context.links };
}
