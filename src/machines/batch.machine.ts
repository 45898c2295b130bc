/**
 * One batch of a batch job's run (or its sample, or its open exceptions):
 * processes its items chunk by chunk through the `processChunk` effect. The
 * step that takes a chunk's output writes every result, exception and the
 * batch's progress record in the same commit, then invokes the next chunk.
 * A kill during a chunk re-runs that chunk (its steps are functions of the
 * item); a committed chunk never runs again. Items are never actors: a
 * million of them would be a million actors. A process that does not register
 * the job's application (a `watch`, an `ingest`) leaves the batch waiting where
 * it stood, until a process that does sends `application.available`.
 *   processing (chunk after chunk) -> completed | skipped | failed, each telling the job
 *   processing <-> waitingForApplication
 */
import { assign, fromPromise, setup } from 'xstate';
import { sendMessage, writeRecords } from './messaging.js';
import type { ApplicationAvailable, BatchFinished, BatchInput, ChunkInput, ChunkOutput } from './batch.types.js';

export const BATCH_MACHINE = 'batch';
/** 2 adds `waitingForApplication`; version 1 actors continue (their states still exist). */
export const BATCH_VERSION = '2';
/** The state of a batch whose application this process does not register. */
export const BATCH_WAITING_STATE = 'waitingForApplication';

export interface BatchContext extends BatchInput {
  position: number;
  items: number;
  results: number;
  exceptions: number;
  lastAt: number;
  error?: { code: string; message: string };
}

const notProvided = fromPromise<ChunkOutput, ChunkInput>(async () => {
  throw new Error('effect processChunk was not provided');
});

const outputOf = (event: unknown) => (event as { output: ChunkOutput }).output;

const errorOf = (error: unknown): { code: string; message: string } => {
  const { code = 'EFFECT_FAILED', message = String(error) } = (error ?? {}) as { code?: string; message?: string };
  return { code, message };
};

/** The job hears how the batch ended, with its counts. */
const report = (outcome: BatchFinished['outcome']) =>
  sendMessage(({ context }: { context: BatchContext }) => ({
    toParent: true as const,
    event: {
      type: 'batch.finished',
      seq: context.seq,
      batch: context.batch,
      kind: context.kind,
      outcome,
      items: context.items,
      results: context.results,
      exceptions: context.exceptions,
      ...(context.error ? { error: context.error } : {}),
      at: context.lastAt,
    } satisfies BatchFinished,
  }));

export const batchMachine = setup({
  types: {
    input: {} as BatchInput,
    context: {} as BatchContext,
    events: {} as ApplicationAvailable,
  },
  actors: { processChunk: notProvided },
  actions: {
    /** The chunk's results, exceptions and progress record, in this step's commit. */
    writeChunk: writeRecords(({ event }: { event: unknown }) => outputOf(event).records),
    advance: assign(({ context, event }) => {
      const output = outputOf(event);
      return {
        position: output.position,
        items: context.items + output.items,
        results: context.results + output.results,
        exceptions: context.exceptions + output.exceptions,
        lastAt: output.at,
      };
    }),
  },
  guards: {
    skip: ({ event }) => outputOf(event).skip === true,
    lastChunk: ({ event }) => outputOf(event).done,
    /** The chunk effect found no such application here: wait for a process that has it, rather than fail. */
    applicationMissing: ({ event }) => ((event as { error?: { code?: unknown } }).error ?? {}).code === 'UNKNOWN_APPLICATION',
    ownApplication: ({ context, event }) => (event as ApplicationAvailable).application === context.application,
  },
}).createMachine({
  id: BATCH_MACHINE,
  context: ({ input }) => ({ ...input, position: 0, items: 0, results: 0, exceptions: 0, lastAt: 0 }),
  initial: 'processing',
  states: {
    processing: {
      invoke: {
        id: 'chunk',
        src: 'processChunk',
        input: ({ context }): ChunkInput => {
          const { items: _items, results: _results, exceptions: _exceptions, lastAt: _lastAt, error: _error, ...batch } = context;
          return batch;
        },
        onDone: [
          { guard: 'skip', target: 'skipped', actions: assign({ lastAt: ({ event }) => outputOf(event).at }) },
          { guard: 'lastChunk', target: 'completed', actions: ['writeChunk', 'advance'] },
          { target: 'processing', reenter: true, actions: ['writeChunk', 'advance'] },
        ],
        onError: [
          { guard: 'applicationMissing', target: BATCH_WAITING_STATE },
          { target: 'failed', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
        ],
      },
    },
    // No effect runs here (no retries, nothing counted as poison); the position is where the last chunk left it.
    [BATCH_WAITING_STATE]: {
      on: { 'application.available': { guard: 'ownApplication', target: 'processing' } },
    },
    completed: { type: 'final', entry: report('completed') },
    skipped: { type: 'final', entry: report('skipped') },
    failed: { type: 'final', entry: report('failed') },
  },
});
