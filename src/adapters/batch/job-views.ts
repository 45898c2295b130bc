/**
 * Read-only views of batch jobs, from the job actor's record and the job's
 * records: the job and its execution summary, batch status with drift, DAG
 * statistics, exceptions, results and items. Nothing here writes.
 */
import { BATCH_JOB_MACHINE, type BatchJobContext } from '../../machines/batch-job.machine.js';
import type { ActorRecord } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';
import { planOf, type Application } from './application.js';
import { waitingBatches } from './application-wake.js';
import { BATCHES, EXCEPTIONS, RESULTS, SAMPLE_RESULTS, type BatchRecord, type ErrorInfo, type ExceptionRecord, type ResultRecord, type SampleRecord } from './batch-records.js';
import { itemsInOrder } from './item-pages.js';
import { recordReads } from './record-reads.js';
import { drifted } from './chunk-effect.js';
import type { ItemInput } from './job-create.js';
import { mergeNodeMaps, nodeStats, type NodeAggregate, type NodeStats } from './node-stats.js';
import { batchSize, parsePartition } from './partition.js';

export interface JobSummary {
  /** Items processed without an open exception. */
  done: number;
  /** Items with an open exception. */
  failed: number;
  /** Items not processed yet (in batches not done). */
  pending: number;
  elapsedMs: number;
  itemsPerSecond: number;
  exceptionsOpen: number;
}

export interface JobView {
  id: string;
  createdAt: number;
  application: string;
  /** The code version that runs now (the registered application's), else the one at create. */
  codeVersion: string;
  config: unknown;
  configHash: string;
  partition: string;
  source: string;
  params: Record<string, string>;
  description: string;
  /** created | running | waitingForApplication | partial | finished | paused | parked */
  state: string;
  items: number;
  batches: number;
  summary: JobSummary;
  /** Batches of its run that wait for a process registering the application (state `waitingForApplication`). */
  waitingForApplication?: { application: string; batches: number[] };
}

export interface BatchView {
  batch: number;
  done: boolean;
  items: number;
  /** Open exceptions of its items. */
  exceptions: number;
  completedAt?: number;
  /** The config hash and code version it (last) completed under; several, comma-separated, when they changed mid-run. */
  configHash?: string;
  codeVersion?: string;
  drift: boolean;
  /** Items processed in its current (or last) run. */
  processed: number;
  /** Times it was completed, over all runs. */
  completions: number;
  /** Its run waits for a process that registers the job's application. */
  waitingForApplication: boolean;
}

export interface ExceptionView {
  job: string;
  batch: number;
  item: string;
  step: string;
  error: ErrorInfo;
  input: unknown;
  resolved: boolean;
  value?: unknown;
  resolution?: string;
}

/** The job's context, or undefined when the id is not a batch job. */
export function jobContext(record: ActorRecord | undefined): BatchJobContext | undefined {
  if (!record || record.machine !== BATCH_JOB_MACHINE || !record.snapshot) return undefined;
  return record.snapshot.context as BatchJobContext;
}

/** The code version that runs the job now. */
export function currentCodeVersion(context: BatchJobContext, applications: ReadonlyMap<string, Application>): string {
  const app = applications.get(context.application);
  return app ? planOf(app).codeVersion : context.codeVersion;
}

export async function batchRecords(runtime: Runtime, jobId: string): Promise<Map<number, BatchRecord>> {
  const records = new Map<number, BatchRecord>();
  for await (const { key, value } of runtime.records.iterate<BatchRecord>(BATCHES, [jobId])) records.set(Number((key as unknown[])[1]), value);
  return records;
}

/** Open exceptions per batch. */
async function openExceptions(runtime: Runtime, jobId: string): Promise<Map<number, number>> {
  const open = new Map<number, number>();
  for await (const { value } of runtime.records.iterate<ExceptionRecord>(EXCEPTIONS, [jobId])) if (!value.resolved) open.set(value.batch, (open.get(value.batch) ?? 0) + 1);
  return open;
}

/** A batch job's state in words and the items its batches processed: what `holdfast job ID` and the inspector's job row say. */
export interface JobProgress {
  /** created | running | waitingForApplication | partial | finished | paused | parked */
  state: string;
  items: number;
  /** Items processed by the batches' current (or last) runs, failed ones included. */
  processed: number;
  /** Batch numbers waiting for the application (-1 for a sample), sorted. */
  waiting: number[];
}

/**
 * The job's state and progress from its batch records alone (one per batch), never its exceptions:
 * cheap enough for the inspector's job rows. `jobView` says the same, with the summary added.
 */
export async function jobProgress(runtime: Runtime, record: ActorRecord, context: BatchJobContext, given?: Map<number, BatchRecord>): Promise<JobProgress> {
  const records = given ?? (await batchRecords(runtime, record.id));
  let processed = 0;
  let doneBatches = 0;
  for (const batch of records.values()) {
    processed += batch.position;
    if (batch.done) doneBatches++;
  }
  const waiting = await waitingBatchNumbers(runtime, record.id);
  const paused = await runtime.isPaused(record.id);
  const state =
    record.status === 'parked' ? 'parked'
    : paused ? 'paused'
    : waiting.length > 0 ? 'waitingForApplication'
    : context.run || context.queue.length > 0 ? 'running'
    : doneBatches === context.batches ? 'finished'
    : records.size > 0 ? 'partial'
    : 'created';
  return { state, items: context.items, processed, waiting };
}

export async function jobView(runtime: Runtime, record: ActorRecord, applications: ReadonlyMap<string, Application>, now: number): Promise<JobView | undefined> {
  const context = jobContext(record);
  if (!context) return undefined;
  let open = 0;
  for (const count of (await openExceptions(runtime, record.id)).values()) open += count;
  const { state, processed, waiting } = await jobProgress(runtime, record, context);
  const run = context.run?.kind === 'batch' ? context.run : undefined;
  const elapsedMs = context.elapsedMs + (run ? Math.max(0, now - run.startedAt) : 0);
  const inRuns = context.processed + (run?.items ?? 0);
  return {
    id: record.id,
    createdAt: context.createdAt,
    application: context.application,
    codeVersion: currentCodeVersion(context, applications),
    config: context.config,
    configHash: context.configHash,
    partition: context.partition,
    source: context.source,
    params: context.params,
    description: context.description,
    state,
    items: context.items,
    batches: context.batches,
    summary: {
      done: Math.max(0, processed - open),
      failed: open,
      pending: Math.max(0, context.items - processed),
      elapsedMs,
      itemsPerSecond: elapsedMs > 0 ? Math.round((inRuns * 1000) / elapsedMs) : 0,
      exceptionsOpen: open,
    },
    ...(waiting.length > 0 ? { waitingForApplication: { application: context.application, batches: waiting } } : {}),
  };
}

/** The batch numbers of the job's batches waiting for its application (-1 for a sample), sorted. */
async function waitingBatchNumbers(runtime: Runtime, jobId: string): Promise<number[]> {
  return (await waitingBatches(runtime, jobId))
    .map((actor) => {
      const context = actor.snapshot?.context as { batch?: number; kind?: string } | undefined;
      return context?.kind === 'sample' ? -1 : (context?.batch ?? -1);
    })
    .sort((a, b) => a - b);
}

export async function batchViews(runtime: Runtime, jobId: string, context: BatchJobContext, applications: ReadonlyMap<string, Application>): Promise<BatchView[]> {
  const records = await batchRecords(runtime, jobId);
  const open = await openExceptions(runtime, jobId);
  const partition = parsePartition(context.partition);
  const codeVersion = currentCodeVersion(context, applications);
  const waiting = new Set(await waitingBatchNumbers(runtime, jobId));
  const views: BatchView[] = [];
  for (let batch = 0; batch < context.batches; batch++) {
    const record = records.get(batch);
    views.push({
      batch,
      done: record?.done ?? false,
      items: batchSize(partition, context.items, batch),
      exceptions: open.get(batch) ?? 0,
      ...(record?.completedAt !== undefined ? { completedAt: record.completedAt } : {}),
      ...(record && record.configHashes.length > 0 ? { configHash: record.configHashes.join(',') } : {}),
      ...(record && record.codeVersions.length > 0 ? { codeVersion: record.codeVersions.join(',') } : {}),
      drift: record?.done === true && drifted(record, context.configHash, codeVersion),
      processed: record?.position ?? 0,
      completions: record?.completions ?? 0,
      waitingForApplication: waiting.has(batch),
    });
  }
  return views;
}

/** Per DAG node over every batch's current (or last) run, in the DAG's order when the application is known. */
export async function jobStats(runtime: Runtime, jobId: string, context: BatchJobContext, applications: ReadonlyMap<string, Application>): Promise<NodeStats[]> {
  let merged: Record<string, NodeAggregate> = {};
  for (const record of (await batchRecords(runtime, jobId)).values()) merged = mergeNodeMaps(merged, record.stats);
  const app = applications.get(context.application);
  const order = app ? planOf(app).order.map((node) => node.name) : Object.keys(merged).sort();
  for (const node of Object.keys(merged)) if (!order.includes(node)) order.push(node);
  return order.map((node) => nodeStats(node, merged[node] ?? { items: 0, successes: 0, failures: 0, totalMs: 0, buckets: {} }));
}

export async function exceptionViews(runtime: Runtime, jobId: string, options: { open?: boolean; sample?: boolean }): Promise<ExceptionView[]> {
  const views: ExceptionView[] = [];
  if (options.sample) {
    for await (const { key, value } of runtime.records.iterate<SampleRecord>(SAMPLE_RESULTS, [jobId])) {
      if ('error' in value) views.push({ job: jobId, batch: -1, item: String((key as unknown[])[1]), step: value.step, error: value.error, input: null, resolved: false });
    }
    return views;
  }
  for await (const { key, value } of runtime.records.iterate<ExceptionRecord>(EXCEPTIONS, [jobId])) {
    if (options.open && value.resolved) continue;
    views.push({
      job: jobId,
      batch: value.batch,
      item: String((key as unknown[])[1]),
      step: value.step,
      error: value.error,
      input: value.input,
      resolved: value.resolved,
      ...(value.resolved ? { value: value.value } : {}),
      ...(value.resolution ? { resolution: value.resolution } : {}),
    });
  }
  return views;
}

export async function* resultEntries(runtime: Runtime, jobId: string, sample: boolean): AsyncIterable<{ item: string; value: unknown }> {
  if (sample) {
    for await (const { key, value } of runtime.records.iterate<SampleRecord>(SAMPLE_RESULTS, [jobId])) if ('value' in value) yield { item: String((key as unknown[])[1]), value: value.value };
    return;
  }
  for await (const { key, value } of runtime.records.iterate<ResultRecord>(RESULTS, [jobId])) yield { item: String((key as unknown[])[1]), value: value.value };
}

/** The job's items in source order. */
export function itemEntries(runtime: Runtime, jobId: string, context: BatchJobContext): AsyncIterable<ItemInput> {
  return itemsInOrder(recordReads(runtime), jobId, parsePartition(context.partition), context.items, context.itemsPage);
}
