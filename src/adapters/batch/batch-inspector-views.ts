/**
 * Batch jobs (issue 5) as the inspector shows them: a job's DAG with per-node
 * statistics, pages of its exception queue read lazily from the store (never
 * the whole queue: a read stops after `READ_BUDGET` records), and the admin
 * commands resolve and reprocess, through the batch-jobs library. The batch-job
 * kind's inspector requests (batch-inspector.ts) answer with these.
 */
import { HoldfastError } from '../../errors.js';
import { planOf, type Application } from './application.js';
import { EXCEPTIONS, type ExceptionRecord } from './batch-records.js';
import { jobContext, jobProgress } from './job-views.js';
import type { BatchJobContext } from '../../machines/batch-job.machine.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { JobWords } from '../inspector/kind-inspector.js';
import { nestingDepth, RESOLVE_VALUE_MAX_BYTES, RESOLVE_VALUE_MAX_DEPTH, type DagNode, type DagNodeStats, type DagStats, type ExceptionPage, type ExceptionRow, type ReprocessSummary } from '../inspector/inspector-protocol.js';

/** What the inspector uses of batch jobs: `BatchJobs` (src/adapters/batch/batch-jobs.ts, `createBatchJobs`) fits. */
export interface InspectedBatchJobs {
  stats(jobId: string): Promise<DagNodeStats[]>;
  resolve(jobId: string, itemId: string, value: unknown): Promise<void>;
  reprocess(jobId: string): Promise<ReprocessSummary>;
}

/** Which page of a queue `BatchViews.exceptions` reads. */
export interface ExceptionsQuery {
  offset: number;
  limit: number;
  open: boolean;
  /** The last item id of the page before: the page starts just after it (the item may be gone). */
  after?: string | undefined;
}

export const MAX_EXCEPTIONS_PAGE = 100;
export const DEFAULT_EXCEPTIONS_PAGE = 25;
/** Deepest offset into a queue: skipping is a read of every record before it (deeper pages: a cursor, `after`). */
export const MAX_EXCEPTIONS_OFFSET = 5_000;
/**
 * A page request runs on the runtime's event loop, and reading a record costs
 * about 4 us here (20,000 took 66-270 ms with other work running): it reads
 * at most READ_BUDGET records, and once its page is full it goes on counting
 * for COUNT_MS at most. A count cut short is reported as a lower bound.
 */
export const READ_BUDGET = 10_000;
export const COUNT_MS = 15;
export const MAX_VALUE_BYTES = RESOLVE_VALUE_MAX_BYTES;
export const MAX_VALUE_DEPTH = RESOLVE_VALUE_MAX_DEPTH;
/** A followed job's DAG statistics are pushed at most this often (a running job changes every chunk). */
export const DAG_PUSH_MS = 1_000;
/** A job row's words and progress are read again at most this often while the job's own record stays the same. */
export const DESCRIBE_MS = 1_000;

const INPUT_PREVIEW = 200;
const MESSAGE_CHARS = 500;

export class BatchViews {
  private readonly applications = new Map<string, Application>();
  private readonly described = new Map<string, { updatedAt: number; until: number; value: JobWords | undefined }>();

  constructor(
    private readonly runtime: Runtime,
    private readonly batchJobs: InspectedBatchJobs,
    applications: readonly Application[],
  ) {
    for (const app of applications) this.applications.set(app.name, app);
  }

  /**
   * A batch job's state in the CLI's words (`finished`, `partial`, `running`...: `jobProgress`, which
   * `holdfast job ID` prints through `jobView`) and its items processed over its items. It reads the
   * job's batch records (one per batch), so again only when the job's record changed or after DESCRIBE_MS.
   */
  async describe(id: string, updatedAt: number, now = Date.now()): Promise<JobWords | undefined> {
    const cached = this.described.get(id);
    if (cached && cached.updatedAt === updatedAt && cached.until > now) return cached.value;
    const record = await this.runtime.listedActor(id);
    const context = jobContext(record);
    const progress = record && context ? await jobProgress(this.runtime, record, context) : undefined;
    const value = progress ? { words: progress.state, progress: { done: Math.min(progress.items, progress.processed), total: progress.items } } : undefined;
    if (this.described.size >= 10_000) this.described.clear();
    this.described.set(id, { updatedAt, until: now + DESCRIBE_MS, value });
    return value;
  }

  /** A batch job's DAG and statistics. @throws JOB_NOT_FOUND */
  async dag(id: string): Promise<DagStats> {
    const context = await this.contextOf(id);
    const record = await this.runtime.listedActor(id);
    const words = record ? await this.describe(id, record.updatedAt) : undefined;
    const stats = (await this.batchJobs.stats(id)).map(({ node, items, successes, failures, totalMs, p50Ms, p95Ms }) => ({ node, items, successes, failures, totalMs, p50Ms, p95Ms }));
    const app = this.applications.get(context.application);
    const plan = app ? planOf(app) : undefined;
    const nodes: DagNode[] = plan ? plan.order.map((node) => ({ name: node.name, after: [...node.after] })) : [];
    // Steps of an earlier version of the application still have statistics: shown, without edges.
    for (const { node } of stats) if (!nodes.some((known) => known.name === node)) nodes.push({ name: node, after: [] });
    return {
      id,
      application: context.application,
      edgesKnown: plan !== undefined,
      nodes,
      result: plan?.result ?? null,
      stats,
      items: context.items,
      batches: context.batches,
      running: context.run !== undefined || context.queue.length > 0,
      ...(words ? { state: words.words } : {}),
      at: Date.now(),
    };
  }

  /**
   * A page of the job's exceptions in item id order (`open`: unresolved only):
   * `offset` matches skipped, or, given `after` (an item id), the page just
   * after that item, `offset` then being only where the client shows it.
   * `next` is the `after` of the following page, when rows may follow.
   * @throws JOB_NOT_FOUND
   */
  async exceptions(id: string, { offset, limit, open, after }: ExceptionsQuery): Promise<ExceptionPage> {
    await this.contextOf(id);
    const items: ExceptionRow[] = [];
    const skip = after === undefined ? offset : 0;
    let matches = 0;
    let read = 0;
    let totalExact = true;
    /** The item of the last record looked at: where a read cut short goes on. */
    let lastRead: string | undefined;
    const started = performance.now();
    // A cursor costs one seek, not a read of the records before it: any page of any queue is reachable.
    const scan = this.runtime.records.iterate<ExceptionRecord>(EXCEPTIONS, [id], after === undefined ? {} : { after: [id, after] });
    for await (const { key, value } of scan) {
      const full = items.length === limit;
      if (read++ >= READ_BUDGET || (full && (read & 255) === 0 && performance.now() - started > COUNT_MS)) {
        totalExact = false;
        break;
      }
      const item = String((key as unknown[])[1]);
      lastRead = item;
      if (open && value.resolved) continue;
      if (matches >= skip && items.length < limit) items.push(rowOf(item, value));
      matches++;
    }
    const next = nextCursor(items, limit, matches > skip + items.length || !totalExact, matches >= skip ? lastRead : undefined);
    return { items, offset, limit, total: matches + (after === undefined ? 0 : offset), totalExact, open, ...(next === undefined ? {} : { next }) };
  }

  /**
   * A person's answer for an item's exception, recorded as its result.
   * @throws JOB_NOT_FOUND, INVALID_INPUT (no such exception; a value not JSON or too deep), PAYLOAD_TOO_LARGE
   */
  async resolve(id: string, item: string, value: unknown): Promise<void> {
    await this.contextOf(id);
    checkValue(value);
    await this.batchJobs.resolve(id, item, value);
  }

  /**
   * Starts running the job's open exceptions again; the promise ends with the run.
   * @throws JOB_NOT_FOUND, INVALID_INPUT (a paused job)
   */
  async reprocess(id: string): Promise<ReprocessSummary> {
    await this.contextOf(id);
    if (await this.runtime.isPaused(id)) throw new HoldfastError('INVALID_INPUT', `job ${id} is paused: unpause it first`, { details: { job: id } });
    return this.batchJobs.reprocess(id).then(({ batchesRun, items, results, exceptions, elapsedMs }) => ({ batchesRun, items, results, exceptions, elapsedMs }));
  }

  private async contextOf(id: string): Promise<BatchJobContext> {
    const context = jobContext(await this.runtime.listedActor(id));
    if (!context) throw new HoldfastError('JOB_NOT_FOUND', `no batch job ${JSON.stringify(id.slice(0, 200))}`, { details: { job: id.slice(0, 200) } });
    return context;
  }
}

/**
 * Where the next page starts, when rows may follow: after a full page's last row;
 * after a short page cut by the read budget, past the last record read (so a run
 * of resolved records longer than the budget is crossed page by page).
 */
function nextCursor(items: readonly ExceptionRow[], limit: number, more: boolean, lastRead: string | undefined): string | undefined {
  if (!more) return undefined;
  return items.length === limit ? items[items.length - 1]!.item : lastRead;
}

function rowOf(item: string, record: ExceptionRecord): ExceptionRow {
  const input = JSON.stringify(record.input) ?? 'undefined';
  const message = String(record.error?.message ?? '');
  return {
    item,
    batch: record.batch,
    step: record.step,
    error: {
      ...(record.error?.code !== undefined ? { code: String(record.error.code) } : {}),
      message: message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS)}…` : message,
    },
    input: input.length > INPUT_PREVIEW ? `${input.slice(0, INPUT_PREVIEW)}…` : input,
    resolved: record.resolved,
    ...(record.resolution !== undefined ? { resolution: record.resolution } : {}),
    at: record.at,
  };
}

/** @throws INVALID_INPUT (missing, not JSON, deeper than MAX_VALUE_DEPTH), PAYLOAD_TOO_LARGE */
export function checkValue(value: unknown): void {
  if (value === undefined) throw new HoldfastError('INVALID_INPUT', 'a resolution needs a `value` (any JSON)');
  const depth = nestingDepth(value, 1_000);
  if (depth > MAX_VALUE_DEPTH) throw new HoldfastError('INVALID_INPUT', `the value nests ${depth > 1_000 ? 'over 1000' : depth} levels deep; at most ${MAX_VALUE_DEPTH}`);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new HoldfastError('INVALID_INPUT', `the value is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (text === undefined) throw new HoldfastError('INVALID_INPUT', 'the value is not JSON');
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_VALUE_BYTES) throw new HoldfastError('PAYLOAD_TOO_LARGE', `the value is ${bytes} bytes of JSON; at most ${MAX_VALUE_BYTES}`, { details: { bytes, max: MAX_VALUE_BYTES } });
}
