/**
 * Creating a batch job: validate everything first, snapshot the items into
 * the store in large transactions (so every run sees the same items with the
 * same ids, even if the source changes), then spawn the job actor. A create
 * that fails at any point (bad input, a source error mid-way, a kill) leaves
 * nothing behind: a `batch.creating` marker names the job until its actor
 * exists, and a marker without an actor is cleaned up.
 */
import { randomBytes } from 'node:crypto';
import { HoldfastError } from '../../errors.js';
import { BATCH_JOB_MACHINE, type BatchJobInput } from '../../machines/batch-job.machine.js';
import type { Mutation, RecordKey } from '../../runtime/actor-types.js';
import type { RecordChange, Runtime } from '../../runtime/runtime.js';
import { recordReads } from './record-reads.js';
import { configHash, planOf, validateConfig, type Application } from './application.js';
import { CREATING, ITEMS, JOB_COLLECTIONS, type ItemPage } from './batch-records.js';
import { ItemPageWriter, pageSizeFor } from './item-pages.js';
import { IdSet } from './id-set.js';
import { batchCount, formatPartition, parsePartition, type Partition } from './partition.js';

export interface ItemInput {
  id: string;
  value: unknown;
}

export interface CreateJobRequest {
  application: string;
  /** The source spec, recorded on the job (the items come from `items`). */
  source: string;
  items: AsyncIterable<ItemInput> | Iterable<ItemInput>;
  /** @default 'size:1000' */
  partition?: string;
  config?: unknown;
  params?: Record<string, string>;
  description?: string;
}

/** Items per write transaction (in pages of up to 64): they commit in tens of milliseconds. */
const WRITE_BATCH = 25_000;
/** Item ids are part of LMDB keys (at most 1,978 bytes with the collection and job id). */
export const MAX_ITEM_ID_LENGTH = 512;
const MAX_TEXT = 10_000;

export function newJobId(): string {
  return `job-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Validates a request and returns the job actor's input (items not read yet). @throws UNKNOWN_APPLICATION, INVALID_INPUT */
export function jobInputOf(request: CreateJobRequest, applications: ReadonlyMap<string, Application>, now: number): Omit<BatchJobInput, 'items' | 'batches'> {
  if (typeof request !== 'object' || request === null) throw new HoldfastError('INVALID_INPUT', 'a create request is an object');
  const app = typeof request.application === 'string' ? applications.get(request.application) : undefined;
  if (!app) {
    const known = [...applications.keys()];
    throw new HoldfastError('UNKNOWN_APPLICATION', `unknown application ${JSON.stringify(String(request.application).slice(0, 100))}; registered: ${known.length ? known.join(', ') : 'none'}`, {
      details: { application: String(request.application).slice(0, 100), known },
    });
  }
  if (typeof request.source !== 'string' || request.source.length === 0 || request.source.length > 1_000) throw new HoldfastError('INVALID_INPUT', 'source must be a non-empty string of at most 1,000 characters');
  const parsed = parsePartition(request.partition ?? 'size:1000');
  const partition = formatPartition(parsed);
  const description = request.description ?? '';
  if (typeof description !== 'string' || description.length > MAX_TEXT) throw new HoldfastError('INVALID_INPUT', `description must be a string of at most ${MAX_TEXT} characters`);
  const params = checkParams(request.params ?? {});
  const config = validateConfig(app, request.config);
  if (request.items === null || typeof request.items !== 'object' || (!(Symbol.asyncIterator in request.items) && !(Symbol.iterator in request.items))) {
    throw new HoldfastError('INVALID_INPUT', 'items must be an iterable or async iterable of { id, value }');
  }
  return { application: app.name, codeVersion: planOf(app).codeVersion, config, configHash: configHash(config), partition, itemsPage: pageSizeFor(parsed), source: request.source, params, description, createdAt: now };
}

function checkParams(params: unknown): Record<string, string> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new HoldfastError('INVALID_INPUT', 'params must be an object of strings');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (key.length === 0 || key.length > 100 || key === '__proto__') throw new HoldfastError('INVALID_INPUT', `param name ${JSON.stringify(key.slice(0, 100))} must be 1-100 characters`);
    if (typeof value !== 'string' || value.length > MAX_TEXT) throw new HoldfastError('INVALID_INPUT', `param ${key} must be a string of at most ${MAX_TEXT} characters`);
    out[key] = value;
  }
  return out;
}

/**
 * Snapshots the items and spawns the job actor; cleans everything up on failure.
 * @throws INVALID_INPUT (a bad item, duplicate ids, no items) or the source's own error
 */
export async function createJob(runtime: Runtime, input: Omit<BatchJobInput, 'items' | 'batches'>, items: CreateJobRequest['items'], jobId = newJobId()): Promise<string> {
  await runtime.records.write([{ op: 'putRecord', collection: CREATING, key: [jobId], value: { at: input.createdAt } }], 'flush');
  try {
    const partition = parsePartition(input.partition);
    const total = await writeItems(runtime, jobId, items, partition, input.itemsPage);
    if (total === 0) throw new HoldfastError('INVALID_INPUT', `source ${input.source} yielded no items`, { details: { source: input.source } });
    const jobInput: BatchJobInput = { ...input, items: total, batches: batchCount(partition, total) };
    await runtime.spawn(BATCH_JOB_MACHINE, jobInput, { id: jobId });
  } catch (error) {
    await removeJobRecords(runtime, jobId, [ITEMS, CREATING]);
    throw error;
  }
  await runtime.records.write([{ op: 'deleteRecord', collection: CREATING, key: [jobId] }], 'flush');
  return jobId;
}

async function writeItems(runtime: Runtime, jobId: string, items: CreateJobRequest['items'], partition: Partition, pageSize: number): Promise<number> {
  const pages = new ItemPageWriter(recordReads(runtime), jobId, partition, pageSize);
  const ids = new IdSet((at) => pages.idAt(at));
  let ordinal = 0;
  let sinceCommit = 0;
  /** Adds one item; true when enough are waiting to commit (a promise only when an id had to be read back). */
  const add = (item: ItemInput): boolean | Promise<boolean> => {
    if (typeof item !== 'object' || item === null) throw new HoldfastError('INVALID_INPUT', `item ${ordinal + 1} is not an object with an id and a value`, { details: { item: ordinal + 1 } });
    const { id } = item;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ITEM_ID_LENGTH) {
      throw new HoldfastError('INVALID_INPUT', `item ${ordinal + 1}: id must be a string of 1 to ${MAX_ITEM_ID_LENGTH} characters`, { details: { item: ordinal + 1 } });
    }
    const earlier = ids.add(id, ordinal);
    if (earlier instanceof Promise) return earlier.then((found) => place(item, id, found));
    return place(item, id, earlier);
  };
  const place = (item: ItemInput, id: string, earlier: number | undefined): boolean => {
    if (earlier !== undefined) {
      throw new HoldfastError('INVALID_INPUT', `item ${ordinal + 1}: id ${JSON.stringify(id.slice(0, 100))} is also item ${earlier + 1}'s; item ids must be unique`, { details: { item: ordinal + 1, id: id.slice(0, 100) } });
    }
    pages.add(ordinal, id, item.value === undefined ? null : item.value);
    ordinal++;
    return ++sinceCommit >= WRITE_BATCH;
  };
  const added = async (full: boolean | Promise<boolean>) => {
    if (full instanceof Promise ? await full : full) await flush(false);
  };
  const flush = async (final: boolean) => {
    // The last commit flushes: every earlier one is on disk with it.
    await commitItems(runtime, pages.take(final), final ? 'flush' : 'commit');
    pages.committed();
    sinceCommit = 0;
  };
  if (Symbol.asyncIterator in items) {
    for await (const item of items as AsyncIterable<ItemInput>) {
      const full = add(item);
      if (full === true || full instanceof Promise) await added(full);
    }
  } else {
    for (const item of items as Iterable<ItemInput>) {
      const full = add(item);
      if (full === true || full instanceof Promise) await added(full);
    }
  }
  await flush(true);
  return ordinal;
}

/** Commits pages of items; a value that is not JSON is named by its item id. */
async function commitItems(runtime: Runtime, pages: Mutation[], durability: 'commit' | 'flush'): Promise<void> {
  try {
    await runtime.records.write(pages as RecordChange[], durability);
  } catch (error) {
    if ((error as HoldfastError).code !== 'SNAPSHOT_NOT_SERIALISABLE') throw error;
    for (const page of pages) {
      for (const [id, value] of (page as { value: ItemPage }).value) {
        try {
          JSON.stringify(value);
        } catch {
          throw new HoldfastError('INVALID_INPUT', `item ${JSON.stringify(id.slice(0, 100))}: its value cannot be stored as JSON`, { cause: error, details: { id: id.slice(0, 100) } });
        }
      }
    }
    throw error;
  }
}

/** Deletes a job's records in the given collections, in large transactions; returns how many went. */
export async function removeJobRecords(runtime: Runtime, jobId: string, collections: readonly string[]): Promise<number> {
  let removed = 0;
  for (const collection of collections) {
    let batch: RecordChange[] = [];
    for await (const { key } of runtime.records.iterate(collection, [jobId])) {
      batch.push({ op: 'deleteRecord', collection, key: key as RecordKey });
      if (batch.length >= WRITE_BATCH) {
        await runtime.records.write(batch, 'commit');
        removed += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) await runtime.records.write(batch, 'flush');
    removed += batch.length;
  }
  return removed;
}

/**
 * Removes what a create or delete cut short by a kill left behind: every
 * record of a marked job whose actor does not exist (never came, or went).
 */
export async function cleanAbandonedCreates(runtime: Runtime, inProgress: ReadonlySet<string>): Promise<void> {
  for (const { key } of await runtime.records.scan(CREATING)) {
    const jobId = String(Array.isArray(key) ? key[0] : key);
    if (inProgress.has(jobId)) continue;
    if (await runtime.get(jobId)) await runtime.records.write([{ op: 'deleteRecord', collection: CREATING, key: [jobId] }], 'flush');
    else await removeJobRecords(runtime, jobId, JOB_COLLECTIONS);
  }
}
