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
import { assign, setup, type DoneActorEvent } from 'xstate';
import { sendMessage, writeRecords } from './messaging.js';
import { unprovided } from './unprovided.js';
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

const errorOf = (error: unknown): { code: string; message: string } => {
  const { code = 'EFFECT_FAILED', message = String(error) } = (error ?? {}) as { code?: string; message?: string };
  return { code, message };
};

type ChunkDone = DoneActorEvent<ChunkOutput>;

/** The chunk's results, exceptions and progress record, in this step's commit. */
const writeChunk = writeRecords<BatchContext, ChunkDone, undefined, ApplicationAvailable>(({ event }) => event.output.records);
const advance = assign<BatchContext, ChunkDone, undefined, ApplicationAvailable, never>(({ context, event }) => ({
  position: event.output.position,
  items: context.items + event.output.items,
  results: context.results + event.output.results,
  exceptions: context.exceptions + event.output.exceptions,
  lastAt: event.output.at,
}));

export const batchMachine = setup({
  types: {
    input: {} as BatchInput,
    context: {} as BatchContext,
    events: {} as ApplicationAvailable,
  },
  actors: { processChunk: unprovided<ChunkOutput, ChunkInput>('processChunk') },
  actions: {
    /** The job hears how the batch ended, with its counts. */
    report: sendMessage(({ context }, params: { outcome: BatchFinished['outcome'] }) => ({
      toParent: true as const,
      event: {
        type: 'batch.finished',
        seq: context.seq,
        batch: context.batch,
        kind: context.kind,
        outcome: params.outcome,
        items: context.items,
        results: context.results,
        exceptions: context.exceptions,
        ...(context.error ? { error: context.error } : {}),
        at: context.lastAt,
      } satisfies BatchFinished,
    })),
  },
  guards: {
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
          { guard: ({ event }) => event.output.skip === true, target: 'skipped', actions: assign({ lastAt: ({ event }) => event.output.at }) },
          { guard: ({ event }) => event.output.done, target: 'completed', actions: [writeChunk, advance] },
          { target: 'processing', reenter: true, actions: [writeChunk, advance] },
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
    completed: { type: 'final', entry: { type: 'report', params: { outcome: 'completed' } } },
    skipped: { type: 'final', entry: { type: 'report', params: { outcome: 'skipped' } } },
    failed: { type: 'final', entry: { type: 'report', params: { outcome: 'failed' } } },
  },
});
