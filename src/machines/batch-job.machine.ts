/**
 * A batch job: the record of what the job is (application, config and its
 * hash, partition, source, params, description) and the durable run request
 * it is working through. A run dispatches one `batch` child per batch, at most
 * `parallel` at a time, and counts their `batch.finished` messages; the step
 * that ends a run writes its summary record. Requests that arrive during a
 * run wait their turn. The job never ends: it can always run again.
 *   idle <-> running
 */
import { assign, setup } from 'xstate';
import { spawnActors, writeRecord, type ChildParked } from './messaging.js';
import type { BatchFinished, BatchInput, BatchKind, BatchRange, ConfigUpdated, RunCounts, RunRequested } from './batch.types.js';
import { BATCH_MACHINE } from './batch.machine.js';

export const BATCH_JOB_MACHINE = 'batchJob';
export const BATCH_JOB_VERSION = '1';
const RUNS = 'batch.runs';
/** Batch errors kept on a run's summary; the rest are on the batch actors. */
const MAX_RUN_ERRORS = 20;

export interface BatchJobInput {
  application: string;
  codeVersion: string;
  config: unknown;
  configHash: string;
  partition: string;
  /** Items per stored page (see src/adapters/batch/item-pages.ts). */
  itemsPage: number;
  source: string;
  params: Record<string, string>;
  description: string;
  createdAt: number;
  items: number;
  batches: number;
}

/** The run being worked through. */
/** The run in progress: its request, the batches still to dispatch, and its counts so far. */
export interface ActiveRun extends Omit<RunRequested, 'type' | 'at'>, RunCounts {
  seq: number;
  running: number;
  /** Batches dispatched by the current step (read by the spawn action that follows). */
  dispatched: number[];
  startedAt: number;
  lastAt: number;
}

export interface BatchJobContext extends BatchJobInput {
  runSeq: number;
  run?: ActiveRun | undefined;
  queue: RunRequested[];
  /** Time spent in runs and the items they processed, over the job's life. */
  elapsedMs: number;
  processed: number;
}

type JobEvent = RunRequested | BatchFinished | ConfigUpdated | ChildParked;

/** The child key of a dispatched batch: unique per run, so a re-run is a new actor. */
export function batchKey(kind: BatchKind, batch: number, seq: number): string {
  return kind === 'sample' ? `sample.r${seq}` : `${kind === 'reprocess' ? 'x' : 'b'}${batch}.r${seq}`;
}

/** The batch and run of a child key (`b3.r2`, `x3.r2`, `sample.r2`), undefined for a key of no batch. */
export function batchOfKey(key: string): { batch: number; seq: number } | undefined {
  const match = /^(?:sample|[bx](\d+))\.r(\d+)$/.exec(key);
  return match ? { batch: Number(match[1] ?? 0), seq: Number(match[2]) } : undefined;
}

/**
 * A batch parked while it ran (a corrupt record, a poison item) reported as a failed batch
 * of its run: the run counts it with its error and goes on, so it never waits on a person.
 */
function parkedReport(event: ChildParked, kind: BatchKind): BatchFinished {
  const { batch, seq } = batchOfKey(event.key)!;
  return { type: 'batch.finished', seq, batch, kind, outcome: 'failed', items: 0, results: 0, exceptions: 0, error: { code: event.error.code, message: `batch ${event.child} is parked: ${event.error.message}` }, at: event.at };
}

/** Takes up to `parallel - running` batches off the front of the ranges. */
function dispatch(run: ActiveRun): ActiveRun {
  const todo = run.todo.map((range) => [...range] as BatchRange);
  const dispatched: number[] = [];
  while (run.running + dispatched.length < run.parallel && todo.length > 0) {
    const first = todo[0]!;
    dispatched.push(first[0]);
    if (first[0] === first[1]) todo.shift();
    else first[0]++;
  }
  return { ...run, todo, dispatched, running: run.running + dispatched.length };
}

function startRun(context: BatchJobContext, request: RunRequested): ActiveRun {
  return dispatch({
    seq: context.runSeq + 1,
    request: request.request,
    kind: request.kind,
    mode: request.mode,
    todo: request.todo,
    parallel: request.parallel,
    ...(request.sample !== undefined ? { sample: request.sample } : {}),
    running: 0,
    dispatched: [],
    startedAt: request.at,
    lastAt: request.at,
    batchesRun: 0,
    batchesSkipped: 0,
    batchesFailed: 0,
    items: 0,
    results: 0,
    exceptions: 0,
    errors: [],
  });
}

const finished = (run: ActiveRun | undefined) => run !== undefined && run.running === 0 && run.todo.length === 0;

export const batchJobMachine = setup({
  types: {
    input: {} as BatchJobInput,
    context: {} as BatchJobContext,
    events: {} as JobEvent,
  },
  actions: {
    enqueue: assign({ queue: ({ context, event }) => [...context.queue, event as RunRequested] }),
    startNext: assign(({ context }) => {
      const [request, ...queue] = context.queue;
      if (!request) return {};
      return { run: startRun(context, request), runSeq: context.runSeq + 1, queue };
    }),
    spawnDispatched: spawnActors(({ context, self }: { context: BatchJobContext; self: { id: string } }) =>
      (context.run?.dispatched ?? []).map((batch) => {
        const run = context.run!;
        const input: BatchInput = {
          jobId: self.id,
          batch,
          seq: run.seq,
          kind: run.kind,
          mode: run.mode,
          application: context.application,
          config: context.config,
          configHash: context.configHash,
          params: context.params,
          partition: context.partition,
          page: context.itemsPage,
          total: context.items,
          ...(run.sample !== undefined ? { sample: run.sample } : {}),
        };
        return { machine: BATCH_MACHINE, key: batchKey(run.kind, batch, run.seq), input };
      }),
    ),
    countBatch: assign(({ context, event }) => {
      const report = event.type === 'holdfast.child.parked' ? parkedReport(event, context.run!.kind) : (event as BatchFinished);
      const run = context.run!;
      const errors = report.error && run.errors.length < MAX_RUN_ERRORS ? [...run.errors, { batch: report.batch, ...report.error }] : run.errors;
      return {
        run: dispatch({
          ...run,
          running: run.running - 1,
          lastAt: Math.max(run.lastAt, report.at),
          batchesRun: run.batchesRun + (report.outcome === 'completed' ? 1 : 0),
          batchesSkipped: run.batchesSkipped + (report.outcome === 'skipped' ? 1 : 0),
          batchesFailed: run.batchesFailed + (report.outcome === 'failed' ? 1 : 0),
          items: run.items + report.items,
          results: run.results + report.results,
          exceptions: run.exceptions + report.exceptions,
          errors,
        }),
      };
    }),
    writeSummary: writeRecord(({ context, self }: { context: BatchJobContext; self: { id: string } }) => {
      const run = context.run!;
      return {
        collection: RUNS,
        key: [self.id, run.request],
        value: {
          job: self.id,
          request: run.request,
          kind: run.kind === 'batch' ? 'batches' : run.kind,
          batchesRun: run.batchesRun,
          batchesSkipped: run.batchesSkipped,
          batchesFailed: run.batchesFailed,
          items: run.items,
          results: run.results,
          exceptions: run.exceptions,
          startedAt: run.startedAt,
          finishedAt: run.lastAt,
          elapsedMs: run.lastAt - run.startedAt,
          errors: run.errors,
        },
      };
    }),
    closeRun: assign(({ context }) => {
      const run = context.run!;
      const counted = run.kind === 'batch';
      return {
        run: undefined,
        elapsedMs: context.elapsedMs + (counted ? run.lastAt - run.startedAt : 0),
        processed: context.processed + (counted ? run.items : 0),
      };
    }),
    updateConfig: assign(({ event }) => {
      const update = event as ConfigUpdated;
      return { config: update.config, configHash: update.configHash };
    }),
  },
  guards: {
    runFinished: ({ context }) => finished(context.run),
    ownBatch: ({ context, event }) => context.run !== undefined && (event as BatchFinished).seq === context.run.seq,
    ownParkedBatch: ({ context, event }) => context.run !== undefined && batchOfKey((event as ChildParked).key)?.seq === context.run.seq,
    queued: ({ context }) => context.queue.length > 0,
  },
}).createMachine({
  id: BATCH_JOB_MACHINE,
  context: ({ input }) => ({ ...input, runSeq: 0, queue: [], elapsedMs: 0, processed: 0 }),
  initial: 'idle',
  on: {
    'config.updated': { actions: 'updateConfig' },
  },
  states: {
    idle: {
      always: { guard: 'queued', target: 'running', actions: ['startNext', 'spawnDispatched'] },
      on: { 'run.requested': { actions: 'enqueue' } },
    },
    running: {
      always: [
        { guard: 'runFinished', target: 'idle', actions: ['writeSummary', 'closeRun'] },
      ],
      on: {
        'run.requested': { actions: 'enqueue' },
        'batch.finished': { guard: 'ownBatch', actions: ['countBatch', 'spawnDispatched'] },
        'holdfast.child.parked': { guard: 'ownParkedBatch', actions: ['countBatch', 'spawnDispatched'] },
      },
    },
  },
});
