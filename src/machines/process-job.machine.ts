/**
 * One process job: a process (function, file, eval) bound to data and parameters.
 *   created -> queued -> loadingData -> running -> succeeded | failed
 *   queued | loadingData | running -> cancelled (job.cancel: the effect is aborted, a child's group killed)
 *   running -> interrupted when a non-idempotent process is found started before a crash
 *   interrupted -> queued (job.rerun, as run n+1) | dismissed (job.dismiss)
 *
 * `created` writes the owner's index record in the spawn's own commit, so a job
 * is never without it. `queued` waits for a process that serves the job server
 * (the `served` guard, as the taskJob machine does); a process that does not
 * serve it sends running jobs back to `queued` (NOT_AVAILABLE), and `job.wake`
 * re-checks. The output is written as a record in the step that consumes the
 * run's result; the start mark of the run is deleted when the job settles.
 */
import { assign, fromPromise, setup, type DoneActorEvent } from 'xstate';
import { writeRecord } from './messaging.js';
import {
  PROCESS_JOB_OWNERS,
  PROCESS_OUTPUTS,
  PROCESS_STARTS,
  type ErrorJson,
  type LoadDataInput,
  type LoadDataResult,
  type ProcessJobContext,
  type ProcessJobInput,
  type RunProcessInput,
  type RunProcessResult,
} from './process-job.types.js';

export const PROCESS_JOB_MACHINE = 'processJob';
export const PROCESS_JOB_VERSION = '1';

export type ProcessJobEvent =
  | { type: 'job.wake' }
  | { type: 'job.cancel'; at?: number }
  | { type: 'job.rerun' }
  | { type: 'job.dismiss'; at?: number };

/**
 * Not `unprovided`: a process that does not serve the job server (a `watch`, an `ingest`)
 * restores process jobs too, and sends a running one back to `queued` (NOT_AVAILABLE).
 */
const notServedHere = <TOutput, TInput>() =>
  fromPromise<TOutput, TInput>(async () => {
    throw { code: 'NOT_AVAILABLE', message: 'this process does not serve the job server' };
  });

const errorOf = (error: unknown): ErrorJson => {
  const { code = 'PROCESS_FAILED', message = String(error) } = (error ?? {}) as Partial<ErrorJson>;
  return { code, message };
};
const errorCodeOf = (event: unknown): string | undefined => ((event as { error?: { code?: unknown } }).error?.code as string | undefined) ?? undefined;
const atOf = (event: unknown): number | undefined => {
  const at = (event as { at?: unknown }).at;
  return typeof at === 'number' ? at : undefined;
};

type Ran = DoneActorEvent<RunProcessResult>;
/** A run that ended (the `interrupted` one was taken by the transition before). */
const finished = (event: Ran) => event.output as Extract<RunProcessResult, { startedAt: number }>;

/** Takes a finished run's facts into the record and writes its output. */
const settle = [
  assign<ProcessJobContext, Ran, undefined, ProcessJobEvent, never>(({ context, event }) => {
    const result = finished(event);
    return {
      startedAt: result.startedAt,
      endedAt: result.endedAt,
      process: result.version ? { ...context.process, version: result.version } : context.process,
      exit: result.exit,
      protections: result.protections,
      error: result.error,
      hasOutput: result.output !== undefined,
    };
  }),
  writeRecord<ProcessJobContext, Ran, undefined, ProcessJobEvent>(({ event, self }) => ({ collection: PROCESS_OUTPUTS, key: self.id, value: finished(event).output ?? null })),
];

export const processJobMachine = setup({
  types: {
    input: {} as ProcessJobInput,
    context: {} as ProcessJobContext,
    events: {} as ProcessJobEvent,
  },
  actors: {
    loadData: notServedHere<LoadDataResult, LoadDataInput>(),
    runProcess: notServedHere<RunProcessResult, RunProcessInput>(),
  },
  actions: {
    /** Forget the run's start mark once the job settles (it only matters while a run may be in flight). */
    clearStartMark: writeRecord(({ context, self }) => ({ collection: PROCESS_STARTS, key: [self.id, context.run], value: null })),
  },
  guards: {
    /** Provided by the job server: this process can run process jobs. */
    served: (_: { context: ProcessJobContext }) => false,
    notServed: ({ event }) => errorCodeOf(event) === 'NOT_AVAILABLE',
  },
}).createMachine({
  id: PROCESS_JOB_MACHINE,
  context: ({ input }) => ({ ...input, run: 1 }),
  initial: 'created',
  states: {
    created: {
      entry: writeRecord(({ context, self }) => ({ collection: PROCESS_JOB_OWNERS, key: [context.owner, self.id], value: { createdAt: context.createdAt } })),
      always: { target: 'queued' },
    },
    queued: {
      always: { guard: 'served', target: 'loadingData' },
      on: { 'job.wake': { target: 'queued', reenter: true }, 'job.cancel': { target: 'cancelled', actions: assign({ endedAt: ({ event }) => atOf(event) }) } },
    },
    loadingData: {
      // Leaving the state aborts the effect (and a running child's process group).
      on: { 'job.cancel': { target: 'cancelled', actions: assign({ endedAt: ({ event }) => atOf(event) }) } },
      invoke: {
        id: 'load',
        src: 'loadData',
        input: ({ context, self }): LoadDataInput => ({ jobId: self.id, data: context.data }),
        onDone: [
          {
            guard: ({ event }) => event.output.ok,
            target: 'running',
            actions: assign({
              data: ({ context, event }) => {
                const hashes = event.output.ok ? event.output.sha256 : [];
                return context.data.map((binding, at) => ({ ...binding, sha256: hashes[at] ?? binding.sha256 }));
              },
            }),
          },
          {
            target: 'failed',
            actions: assign(({ event }) => (event.output.ok ? {} : { error: event.output.error, endedAt: event.output.at })),
          },
        ],
        onError: [{ guard: 'notServed', target: 'queued' }, { target: 'failed', actions: assign({ error: ({ event }) => errorOf((event as { error?: unknown }).error) }) }],
      },
    },
    running: {
      on: { 'job.cancel': { target: 'cancelled', actions: assign({ endedAt: ({ event }) => atOf(event) }) } },
      invoke: {
        id: 'process',
        src: 'runProcess',
        input: ({ context, self }): RunProcessInput => ({
          jobId: self.id,
          run: context.run,
          process: context.process,
          idempotent: context.idempotent,
          parameters: context.parameters,
          data: context.data,
          timeoutMs: context.timeoutMs,
        }),
        onDone: [
          {
            guard: ({ event }) => event.output.status === 'interrupted',
            target: 'interrupted',
            actions: assign({
              error: { code: 'PROCESS_FAILED', message: 'the process was running when holdfast stopped; it is not idempotent, so it was not run again: re-run or dismiss it' },
              endedAt: ({ event }) => (event.output.status === 'interrupted' ? event.output.at : undefined),
            }),
          },
          { guard: ({ event }) => event.output.status === 'succeeded', target: 'succeeded', actions: settle },
          { target: 'failed', actions: settle },
        ],
        onError: [{ guard: 'notServed', target: 'queued' }, { target: 'failed', actions: assign({ error: ({ event }) => errorOf((event as { error?: unknown }).error) }) }],
      },
    },
    interrupted: {
      entry: 'clearStartMark',
      on: {
        'job.rerun': {
          target: 'queued',
          actions: assign({ run: ({ context }) => context.run + 1, error: undefined, exit: undefined, startedAt: undefined, endedAt: undefined, protections: undefined }),
        },
        'job.dismiss': { target: 'dismissed', actions: assign({ endedAt: ({ event }) => atOf(event) }) },
        'job.cancel': { target: 'cancelled', actions: assign({ endedAt: ({ event }) => atOf(event) }) },
      },
    },
    succeeded: { type: 'final', entry: 'clearStartMark' },
    failed: { type: 'final', entry: 'clearStartMark' },
    cancelled: { type: 'final', entry: 'clearStartMark' },
    dismissed: { type: 'final', entry: 'clearStartMark' },
  },
});
