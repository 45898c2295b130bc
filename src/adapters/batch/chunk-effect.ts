/**
 * The `processChunk` effect of a batch child: reads the next chunk of its
 * items from the job's snapshot, runs each through the DAG, and returns every
 * record to write (results, exceptions, the batch's progress record with its
 * merged node statistics). The batch's step commits them together, so a kill
 * before that commit re-runs the chunk and a kill after it never does.
 * Reads only records committed before the step that invoked it.
 */
import { HoldfastError, NonRetryableError } from '../../errors.js';
import type { ChunkInput, ChunkOutput, RecordWrite } from '../../machines/batch.types.js';
import type { RecordReads } from './record-reads.js';
import { planOf, type Application, type StepContext } from './application.js';
import { BATCHES, EXCEPTIONS, RESULTS, SAMPLE_RESULTS, type BatchRecord, type ExceptionRecord } from './batch-records.js';
import { ItemReader } from './item-pages.js';
import { DagRunner, type ItemOutcome } from './dag-runner.js';
import { mergeNodeMaps, type NodeAggregate } from './node-stats.js';
import { batchOf, batchSize, parsePartition, positionOf, sampleOrdinal } from './partition.js';

export interface ChunkEffectOptions {
  store: () => RecordReads;
  applications: ReadonlyMap<string, Application>;
  /** Most items per chunk (one effect run and one commit). */
  chunkSize: number;
  /** A chunk ends early once it has run this long, so slow steps make small chunks (little redone after a kill). */
  chunkMs: number;
  now: () => number;
}

/** Checks the clock and the abort signal every this many items. */
const CHECK_EVERY = 64;
/** Yields to the event loop this often inside a chunk, so commits and other batches go on meanwhile. */
const YIELD_MS = 20;

export async function processChunk(input: ChunkInput, options: ChunkEffectOptions, signal: AbortSignal): Promise<ChunkOutput> {
  const app = options.applications.get(input.application);
  if (!app) throw new NonRetryableError(`application "${input.application}" is not registered here: load the host module that defines it`, { code: 'UNKNOWN_APPLICATION', details: { application: input.application } });
  const store = options.store();
  const plan = planOf(app);
  const partition = parsePartition(input.partition);
  const { jobId, batch } = input;
  const size = input.kind === 'sample' ? Math.min(input.sample ?? 0, input.total) : batchSize(partition, input.total, batch);
  const limit = Math.min(size, input.position + options.chunkSize);
  const reader = new ItemReader(store, jobId, input.page);
  const itemAt = (position: number) => {
    if (input.kind !== 'sample') return reader.at(batch, position);
    const ordinal = sampleOrdinal(input.total, input.sample ?? 0, position);
    return reader.at(batchOf(partition, ordinal), positionOf(partition, ordinal));
  };

  let progress: BatchRecord | undefined;
  if (input.kind === 'batch') {
    const previous = await store.getRecord<BatchRecord>(BATCHES, [jobId, batch]);
    if (input.position === 0) {
      if (input.mode === 'pending' && previous?.done) return skipped(options);
      if (input.mode === 'stale' && !(previous?.done && drifted(previous, input.configHash, plan.codeVersion))) return skipped(options);
      progress = { done: false, position: 0, items: 0, results: 0, exceptions: 0, stats: {}, configHashes: [], codeVersions: [], rerun: previous !== undefined, startedAt: options.now(), completions: previous?.completions ?? 0 };
    } else {
      progress = previous ?? { done: false, position: input.position, items: 0, results: 0, exceptions: 0, stats: {}, configHashes: [], codeVersions: [], rerun: true, startedAt: options.now(), completions: 0 };
    }
  }

  const runner = new DagRunner(plan);
  const records: RecordWrite[] = [];
  const rerun = input.kind === 'reprocess' || progress?.rerun === true;
  let items = 0;
  let results = 0;
  let exceptions = 0;
  const startedAt = performance.now();
  let yieldedAt = startedAt;
  let end = input.position;
  for (; end < limit; end++) {
    const position = end;
    if (position % CHECK_EVERY === 0 && position > input.position) {
      if (signal.aborted) throw signal.reason;
      const now = performance.now();
      if (now - startedAt > options.chunkMs) break;
      if (now - yieldedAt > YIELD_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        if (signal.aborted) throw signal.reason;
        yieldedAt = performance.now();
      }
    }
    let item = itemAt(position);
    if (item instanceof Promise) item = await item; // a new page read: once per page
    if (!item) throw new HoldfastError('RECORD_CORRUPT', `job ${jobId} has no item at position ${position} of ${input.kind === 'sample' ? 'its sample' : `batch ${batch}`}`, { details: { job: jobId, batch, position } });
    const key = [jobId, item.id];
    let open = rerun ? store.getRecord<ExceptionRecord>(EXCEPTIONS, key) : undefined;
    if (open instanceof Promise) open = await open;
    if (input.kind === 'reprocess' && (!open || open.resolved)) continue;
    if (open?.resolution === 'human') {
      // A person's answer is the item's result: a re-run under new code or config never replaces it.
      items++;
      results++;
      continue;
    }
    const context: StepContext = { jobId, itemId: item.id, config: input.config, params: input.params };
    let outcome = runner.run(item.value, context);
    if (outcome instanceof Promise) outcome = await outcome;
    outcome = storable(outcome as ItemOutcome, plan.result);
    items++;
    if (input.kind === 'sample') {
      records.push({ collection: SAMPLE_RESULTS, key, value: outcome.ok ? { value: outcome.value } : { step: outcome.step, error: outcome.error } });
      if (outcome.ok) results++;
      else exceptions++;
      continue;
    }
    if (outcome.ok) {
      results++;
      records.push({ collection: RESULTS, key, value: { value: outcome.value, batch } });
      if (open && !open.resolved) {
        const resolution = input.kind === 'reprocess' ? 'reprocessed' : 'rerun';
        records.push({ collection: EXCEPTIONS, key, value: { ...open, resolved: true, value: outcome.value, resolution, resolvedAt: options.now() } satisfies ExceptionRecord });
      }
    } else {
      exceptions++;
      const exception: ExceptionRecord = { batch, step: outcome.step, error: outcome.error, input: await reader.original(position), resolved: false, at: options.now() };
      records.push({ collection: EXCEPTIONS, key, value: exception });
      if (rerun) records.push({ collection: RESULTS, key, value: null });
    }
  }

  const done = end >= size;
  const at = options.now();
  if (progress) {
    const chunkStats: Record<string, NodeAggregate> = {};
    for (const [node, counter] of runner.counters) if (counter.items > 0) chunkStats[node] = counter.toAggregate();
    const next: BatchRecord = {
      ...progress,
      position: end,
      items: progress.items + items,
      results: progress.results + results,
      exceptions: progress.exceptions + exceptions,
      stats: mergeNodeMaps(progress.stats, chunkStats),
      configHashes: including(progress.configHashes, input.configHash),
      codeVersions: including(progress.codeVersions, plan.codeVersion),
      done,
      ...(done ? { completedAt: at, completions: progress.completions + 1 } : {}),
    };
    records.push({ collection: BATCHES, key: [jobId, batch], value: next });
  }
  return { records, position: end, done, items, results, exceptions, at };
}

/** True when a done batch ran (wholly or partly) under another config or code than the current ones. */
export function drifted(record: BatchRecord, configHash: string, codeVersion: string): boolean {
  return record.configHashes.some((hash) => hash !== configHash) || record.codeVersions.some((version) => version !== codeVersion);
}

function skipped(options: ChunkEffectOptions): ChunkOutput {
  return { skip: true, records: [], position: 0, done: true, items: 0, results: 0, exceptions: 0, at: options.now() };
}

function including(list: string[], value: string): string[] {
  return list.includes(value) ? list : [...list, value];
}

/** A result that cannot be stored as JSON becomes an exception at the result step (else it would fail the whole commit). */
function storable(outcome: ItemOutcome, resultStep: string): ItemOutcome {
  if (!outcome.ok) return outcome;
  const value = outcome.value === undefined ? null : outcome.value;
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') return notJson(resultStep, `a ${typeof value}`);
    if (typeof value === 'number' && !Number.isFinite(value)) return { ok: true, value: null };
    return value === outcome.value ? outcome : { ok: true, value };
  }
  if (flatJson(value)) return outcome;
  try {
    JSON.stringify(value);
  } catch (error) {
    return notJson(resultStep, (error as Error).message);
  }
  return outcome;
}

/** A plain object or array of strings, finite numbers, booleans and nulls: JSON without trying (the common result). */
function flatJson(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype) return false;
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    const type = typeof field;
    if (field !== null && type !== 'string' && type !== 'boolean' && (type !== 'number' || !Number.isFinite(field))) return false;
  }
  return true;
}

function notJson(step: string, why: string): ItemOutcome {
  return { ok: false, step, error: { code: 'RESULT_NOT_JSON', message: `the result cannot be stored as JSON: ${why}` } };
}
