/**
 * `createBatchJobs(runtime, applications)`: the library API of batch jobs
 * (issue 5). Create a job over a source's items, run one batch, all, the
 * stale ones, in parallel or as a sample; resolve and reprocess exceptions;
 * change the config; read the job, its batches, DAG statistics, exceptions,
 * results and items; delete it with everything under it. A run is a durable
 * request held by the job actor, so a killed process continues it on open.
 */
import { randomBytes } from 'node:crypto';
import { HoldfastError } from '../../errors.js';
import { BATCH_JOB_MACHINE, type BatchJobContext } from '../../machines/batch-job.machine.js';
import type { BatchRange, RunMode, RunRequested } from '../../machines/batch.types.js';
import type { Runtime } from '../../runtime/runtime.js';
import { arrayOf } from '../../runtime/async-views.js';
import { applicationIndex, configHash, validateConfig, type Application } from './application.js';
import { wakeWaitingBatches } from './application-wake.js';
import { EXCEPTIONS, RESULTS, RUNS, SAMPLE_RESULTS, type ExceptionRecord, type RunRecord } from './batch-records.js';
import { drifted } from './chunk-effect.js';
import { assertJobFollowable } from './followed-job.js';
import { cleanAbandonedCreates, createJob, jobInputOf, newJobId, removeJobRecords, type CreateJobRequest, type ItemInput } from './job-create.js';
import { batchRecords, batchViews, currentCodeVersion, exceptionViews, itemEntries, jobContext, jobStats, jobView, resultEntries, type BatchView, type ExceptionView, type JobView } from './job-views.js';
import type { NodeStats } from './node-stats.js';

export interface RunRequest {
  batches: number[] | 'all' | 'stale';
  /** Batches running at once. @default 1 */
  parallel?: number;
  /** A test run on a deterministic sample of this many items: results kept apart, no batch marked done. */
  sample?: number;
  /** Give up waiting (the run goes on) after this long. @default no limit */
  timeoutMs?: number;
}

export interface RunSummary {
  job: string;
  batchesRun: number;
  items: number;
  results: number;
  exceptions: number;
  elapsedMs: number;
  /** Batches a run `all` or `stale` found nothing to do in. */
  batchesSkipped: number;
  /** Batches that failed as a whole (an unknown application, an unreadable item); their errors are in `errors`. */
  batchesFailed: number;
  errors: { batch: number; code: string; message: string }[];
}

export interface BatchJobs {
  /** Snapshots the items and creates the job; the job id. @throws UNKNOWN_APPLICATION, INVALID_INPUT (nothing is left behind) */
  create(request: CreateJobRequest): Promise<string>;
  /** Runs batches (a list, `all` not done, `stale` drifted) or a sample; resolves when the run ends (a parked batch counts as failed). @throws JOB_NOT_FOUND, UNKNOWN_APPLICATION, INVALID_INPUT */
  run(jobId: string, request: RunRequest): Promise<RunSummary>;
  /** Like `run`, but resolves once the run is requested (durably), with its request id for `waitForRun` or `runSummary`. */
  startRun(jobId: string, request: RunRequest): Promise<string>;
  /**
   * Waits for the runs a crash or close interrupted (they continue by themselves on open) of
   * jobs whose application is registered here (others wait for a process that has it); cleans
   * up creates that died.
   */
  resumeRuns(): Promise<RunSummary[]>;
  /** Runs the open exceptions again with the current code and config: a success closes one, with its result, in one commit. */
  reprocess(jobId: string, options?: { parallel?: number }): Promise<RunSummary>;
  /** Like `reprocess`, but resolves once the run is requested, with its request id. */
  startReprocess(jobId: string, options?: { parallel?: number }): Promise<string>;
  /** Waits for a requested run's summary. @throws WAIT_TIMEOUT; JOB_DELETED, or the parked job's error, when the job goes first */
  waitForRun(jobId: string, requestId: string, timeoutMs?: number): Promise<RunSummary>;
  /** A requested run's summary once it ended, else undefined (a read: works beside the store's owner). */
  runSummary(jobId: string, requestId: string): Promise<RunSummary | undefined>;
  /**
   * Wakes the batches waiting for one of these applications (interrupted in a process
   * that did not register it); resolves with how many. run, reprocess and resumeRuns do it first.
   */
  wake(): Promise<number>;
  /** The wake done at creation (unless `wake: false`): how many batches it woke. */
  readonly woken: Promise<number>;
  /** Records a person's answer as the item's result and marks its exception resolved, in one commit. */
  resolve(jobId: string, itemId: string, value: unknown): Promise<void>;
  /** Validates a new config with the application's schema and records it with its hash; batches dispatched later use it. */
  updateConfig(jobId: string, config: unknown): Promise<void>;
  /** The job record and its execution summary; undefined for an unknown id. */
  get(jobId: string): Promise<JobView | undefined>;
  list(): Promise<JobView[]>;
  /** Per batch: done, items, open exceptions, completed at, config hash, code version, drift. @throws JOB_NOT_FOUND */
  batches(jobId: string): Promise<BatchView[]>;
  /** Per DAG node over the batches' current (or last) runs: items, successes, failures, total, p50 and p95 ms. @throws JOB_NOT_FOUND */
  stats(jobId: string): Promise<NodeStats[]>;
  exceptions(jobId: string, options?: { open?: boolean; sample?: boolean }): Promise<ExceptionView[]>;
  /** The results, lazily in item-id order (`for await`); throws JOB_NOT_FOUND when iterated for an unknown job. */
  results(jobId: string, options?: { sample?: boolean }): AsyncIterable<{ item: string; value: unknown }>;
  /** The snapshotted items, in source order (`for await`); throws JOB_NOT_FOUND when iterated for an unknown job. */
  items(jobId: string): AsyncIterable<ItemInput>;
  /**
   * Everything of the job: its actors (paused first), items, results, exceptions, batch and run records.
   * @throws JOB_NOT_FOUND; JOB_RUNNING while a run is in progress and the job is not paused
   */
  delete(jobId: string): Promise<{ records: number; actors: number }>;
}

export interface BatchJobsOptions {
  now?: () => number;
  /** Wake the batches waiting for these applications at once (false for a read-only view, or a process that resumes nothing). @default true */
  wake?: boolean;
}

const MAX_PARALLEL = 64;
/** Longer ids name no job (and would not fit an LMDB key): refused as unknown, not as a store error. */
const MAX_JOB_ID = 512;
const plausibleId = (jobId: unknown): jobId is string => typeof jobId === 'string' && jobId.length <= MAX_JOB_ID;
const NO_LIMIT = 2_147_483_647;
/** How often a wait for a run looks whether its job was deleted or parked: a follower ends within this. */
const FOLLOW_CHECK_MS = 250;

/**
 * The batch-job API over a runtime that hosts `batchJobMachines(applications)`.
 * Reads never write; `run`, `reprocess` and `resumeRuns` resolve when their runs end.
 * @throws INVALID_INPUT when two applications share a name
 * @example
 * const store = openLmdbStore('./.holdfast');
 * const runtime = await createRuntime({ store, machines: batchJobMachines([app]) });
 * const jobs = createBatchJobs(runtime, [app]);
 * const id = await jobs.create({ application: app.name, source: 'jsonl:a.jsonl', items });
 * await jobs.run(id, { batches: 'all', parallel: 4 });
 */
export function createBatchJobs(runtime: Runtime, applications: readonly Application[], options: BatchJobsOptions = {}): BatchJobs {
  const apps = applicationIndex(applications);
  const now = options.now ?? Date.now;
  const creating = new Set<string>();
  const wake = () => wakeWaitingBatches(runtime, apps);
  const woken = options.wake === false || apps.size === 0 ? Promise.resolve(0) : wake();
  // Awaited by openHoldfast and by run, reprocess and resumeRuns, which report its error; this keeps an early one from being unhandled meanwhile.
  woken.catch(() => {});

  /** The job's context. @throws JOB_NOT_FOUND */
  const contextOf = async (jobId: string): Promise<BatchJobContext> => {
    const context = plausibleId(jobId) ? jobContext(await runtime.listedActor(jobId)) : undefined;
    if (!context) throw new HoldfastError('JOB_NOT_FOUND', `no batch job ${JSON.stringify(String(jobId).slice(0, 200))}`, { details: { job: String(jobId).slice(0, 200) } });
    return context;
  };
  const appOf = (context: BatchJobContext): Application => {
    const app = apps.get(context.application);
    if (!app) throw new HoldfastError('UNKNOWN_APPLICATION', `application "${context.application}" is not registered here: load the host module that defines it`, { details: { application: context.application } });
    return app;
  };

  /**
   * Waits for a run's summary. A batch parked while it ran (poison: it killed the
   * process on every attempt; a corrupt record) is counted by its job as a failed
   * batch, with its error, so the run ends and its summary names it.
   */
  const nextStep = (jobId: string, timeoutMs: number) => nextStepOf(runtime, jobId, timeoutMs);

  /**
   * Whether a process steps the job now: a run requested and not ended (or a batch still
   * active), the job not paused, and this runtime running it (an owner resumed it, or it
   * stepped it here). A run a kill interrupted, in a store no process runs, is idle.
   */
  const running = async (jobId: string, context: BatchJobContext): Promise<boolean> => {
    if (await runtime.isPaused(jobId)) return false;
    const unended = context.run !== undefined || context.queue.length > 0 || (await arrayOf(runtime.actors({ root: jobId as never }))).some((actor) => actor.id !== jobId && actor.status === 'active');
    return unended && (await runtime.hosts(jobId));
  };

  /** A paused job takes no step, so a request to it would wait until unpaused: refuse it instead. */
  const assertNotPaused = async (jobId: string): Promise<void> => {
    if (await runtime.isPaused(jobId)) throw new HoldfastError('INVALID_INPUT', `job ${jobId} is paused: unpause it first (holdfast unpause ${jobId})`, { details: { job: jobId } });
  };

  /** Sends a run request (after waking what waits for these applications); its id once committed. */
  const request = async (jobId: string, run: Omit<RunRequested, 'type' | 'request' | 'at'>): Promise<string> => {
    await woken;
    await wake();
    await assertNotPaused(jobId);
    const id = randomBytes(6).toString('hex');
    await runtime.send(jobId, { type: 'run.requested', request: id, ...run, at: now() });
    return id;
  };
  const runSummary = async (jobId: string, id: string): Promise<RunSummary | undefined> => {
    const record = await runtime.records.get<RunRecord>(RUNS, [jobId, id]);
    if (!record) return undefined;
    const { job, batchesRun, items, results, exceptions, elapsedMs, batchesSkipped, batchesFailed, errors } = record;
    return { job, batchesRun, items, results, exceptions, elapsedMs, batchesSkipped, batchesFailed, errors };
  };
  /**
   * Waits in slices, looking between them whether the job is still there: a delete
   * announces nothing, and a follower must end when its job goes, not wait forever.
   */
  const waitForRun = async (jobId: string, id: string, timeoutMs = NO_LIMIT): Promise<RunSummary> => {
    let left = timeoutMs;
    for (;;) {
      const slice = Math.min(left, FOLLOW_CHECK_MS);
      // Listening before reading: a step that lands while the summary is read is not missed.
      const stepped = nextStep(jobId, slice);
      stepped.catch(() => {}); // awaited below, unless a read ends the wait first
      const summary = await runSummary(jobId, id);
      if (summary) return summary;
      await assertJobFollowable(runtime, jobId);
      if (left <= 0) throw new HoldfastError('WAIT_TIMEOUT', `the run ${id} of job ${jobId} did not end within ${timeoutMs} ms (it goes on)`, { details: { job: jobId, request: id, timeoutMs } });
      left -= slice;
      await stepped;
    }
  };

  /** Checks a run request and sends it; the request id. */
  const startRun = async (jobId: string, runRequest: RunRequest): Promise<string> => {
    const context = await contextOf(jobId);
    appOf(context);
    await assertNotPaused(jobId);
    if (typeof runRequest !== 'object' || runRequest === null) throw new HoldfastError('INVALID_INPUT', 'a run request is an object');
    const parallel = checkParallel(runRequest.parallel);
    if (runRequest.sample !== undefined) {
      const sample = runRequest.sample;
      if (!Number.isSafeInteger(sample) || sample < 1) throw new HoldfastError('INVALID_INPUT', `sample must be a positive integer, not ${String(sample)}`);
      if (!context.run && context.queue.length === 0) await removeJobRecords(runtime, jobId, [SAMPLE_RESULTS]); // a new sample replaces the last
      return request(jobId, { kind: 'sample', mode: 'force', todo: [[0, 0]], parallel: 1, sample: Math.min(sample, context.items) });
    }
    let mode: RunMode;
    let batches: number[];
    if (runRequest.batches === 'all') {
      mode = 'pending';
      const records = await batchRecords(runtime, jobId);
      batches = range(context.batches).filter((batch) => !records.get(batch)?.done);
    } else if (runRequest.batches === 'stale') {
      mode = 'stale';
      const codeVersion = currentCodeVersion(context, apps);
      batches = [...(await batchRecords(runtime, jobId))].filter(([, record]) => record.done && drifted(record, context.configHash, codeVersion)).map(([batch]) => batch);
    } else if (Array.isArray(runRequest.batches) && runRequest.batches.length > 0) {
      mode = 'force';
      const bad = runRequest.batches.filter((batch) => !Number.isSafeInteger(batch) || batch < 0 || batch >= context.batches);
      if (bad.length > 0) throw new HoldfastError('INVALID_INPUT', `job ${jobId} has batches 0 to ${context.batches - 1}; no batch ${bad.slice(0, 10).join(', ')}`, { details: { job: jobId, batches: context.batches } });
      batches = [...new Set(runRequest.batches)];
    } else {
      throw new HoldfastError('INVALID_INPUT', "batches must be 'all', 'stale' or a non-empty list of batch numbers");
    }
    return request(jobId, { kind: 'batch', mode, todo: toRanges(batches), parallel });
  };

  const startReprocess = async (jobId: string, reprocessOptions: { parallel?: number } = {}): Promise<string> => {
    const context = await contextOf(jobId);
    appOf(context);
    const parallel = checkParallel(reprocessOptions.parallel);
    const batches = new Set<number>();
    for await (const { value } of runtime.records.iterate<ExceptionRecord>(EXCEPTIONS, [jobId])) if (!value.resolved) batches.add(value.batch);
    return request(jobId, { kind: 'reprocess', mode: 'force', todo: toRanges([...batches]), parallel });
  };

  return {
    async create(createRequest) {
      const input = jobInputOf(createRequest, apps, now());
      const jobId = newJobId();
      creating.add(jobId);
      try {
        await cleanAbandonedCreates(runtime, creating);
        return await createJob(runtime, input, createRequest.items, jobId);
      } finally {
        creating.delete(jobId);
      }
    },

    run: async (jobId, runRequest) => waitForRun(jobId, await startRun(jobId, runRequest), runRequest?.timeoutMs),
    startRun,
    waitForRun,
    runSummary,
    wake,
    woken,

    async resumeRuns() {
      await cleanAbandonedCreates(runtime, creating);
      await woken;
      await wake();
      const waits: Promise<RunSummary>[] = [];
      for (const record of await runtime.query({ machine: BATCH_JOB_MACHINE })) {
        const context = jobContext(record);
        // A job of an application not registered here waits for a process that has it.
        if (!context || record.status !== 'active' || !apps.has(context.application)) continue;
        const ids = [...(context.run ? [context.run.request] : []), ...context.queue.map((queued) => queued.request)];
        for (const id of ids) waits.push(waitForRun(record.id, id));
      }
      return Promise.all(waits);
    },

    reprocess: async (jobId, reprocessOptions = {}) => waitForRun(jobId, await startReprocess(jobId, reprocessOptions)),
    startReprocess,

    async resolve(jobId, itemId, value) {
      await contextOf(jobId);
      const key = [jobId, String(itemId)];
      const exception = await runtime.records.get<ExceptionRecord>(EXCEPTIONS, key);
      if (!exception) throw new HoldfastError('INVALID_INPUT', `job ${jobId} has no exception for item ${JSON.stringify(String(itemId).slice(0, 200))}`, { details: { job: jobId, item: String(itemId).slice(0, 200) } });
      if (value === undefined) throw new HoldfastError('INVALID_INPUT', 'a resolution needs a value (JSON)');
      try {
        JSON.stringify(value);
      } catch (cause) {
        throw new HoldfastError('INVALID_INPUT', `the value is not JSON: ${(cause as Error).message}`, { cause });
      }
      const resolved: ExceptionRecord = { ...exception, resolved: true, value, resolution: 'human', resolvedAt: now() };
      await runtime.records.write(
        [
          { op: 'putRecord', collection: RESULTS, key, value: { value, batch: exception.batch } },
          { op: 'putRecord', collection: EXCEPTIONS, key, value: resolved },
        ],
        'flush',
      );
    },

    async updateConfig(jobId, config) {
      const context = await contextOf(jobId);
      const parsed = validateConfig(appOf(context), config);
      await assertNotPaused(jobId);
      await runtime.send(jobId, { type: 'config.updated', config: parsed, configHash: configHash(parsed) });
    },

    async get(jobId) {
      const record = plausibleId(jobId) ? await runtime.listedActor(jobId) : undefined;
      return record ? jobView(runtime, record, apps, now()) : undefined;
    },

    async list() {
      const views: JobView[] = [];
      for await (const record of runtime.actors({ machine: BATCH_JOB_MACHINE })) {
        const view = await jobView(runtime, record, apps, now());
        if (view) views.push(view);
      }
      return views.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },

    batches: async (jobId) => batchViews(runtime, jobId, await contextOf(jobId), apps),
    stats: async (jobId) => jobStats(runtime, jobId, await contextOf(jobId), apps),
    async exceptions(jobId, exceptionOptions = {}) {
      await contextOf(jobId);
      return exceptionViews(runtime, jobId, exceptionOptions);
    },
    async *results(jobId, resultOptions = {}) {
      await contextOf(jobId);
      yield* resultEntries(runtime, jobId, resultOptions.sample === true);
    },
    async *items(jobId) {
      yield* itemEntries(runtime, jobId, await contextOf(jobId));
    },

    async delete(jobId) {
      if (await running(jobId, await contextOf(jobId))) {
        throw new HoldfastError('JOB_RUNNING', `batch job ${jobId} has a run in progress: pause it (holdfast pause ${jobId}) or let the run end, then delete it`, { details: { id: jobId } });
      }
      const actors = await runtime.query({ root: jobId as never });
      if (actors.some((actor) => actor.status === 'active') && !(await runtime.isPaused(jobId))) await runtime.pause(jobId);
      // The runtime removes the actors, then the records the batch-job machine declares (batch-machines.ts), resumably.
      const { records } = await runtime.delete(jobId);
      return { records, actors: actors.length };
    },
  };
}

/**
 * Resolves on the job actor's next step, or after `timeoutMs`; rejects with RUNTIME_CLOSED when the
 * runtime closes first. The predicate answers false to the check `waitFor` makes at once, and true to
 * every later one, which only a step (or park) of the job makes.
 */
function nextStepOf(runtime: Runtime, jobId: string, timeoutMs: number): Promise<void> {
  let armed = false;
  const stepped = runtime.waitFor(jobId, () => armed, timeoutMs);
  armed = true;
  return stepped.then(
    () => undefined,
    (error: unknown) => {
      if (!(error instanceof HoldfastError && error.code === 'WAIT_TIMEOUT')) throw error;
    },
  );
}

function checkParallel(parallel: number | undefined): number {
  if (parallel === undefined) return 1;
  if (!Number.isSafeInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL) throw new HoldfastError('INVALID_INPUT', `parallel must be an integer from 1 to ${MAX_PARALLEL}, not ${String(parallel)}`);
  return parallel;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

/** Sorted inclusive ranges of a set of batch numbers: a run of 'all' on a fresh job is one range. */
export function toRanges(batches: number[]): BatchRange[] {
  const sorted = [...new Set(batches)].sort((a, b) => a - b);
  const ranges: BatchRange[] = [];
  for (const batch of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === batch - 1) last[1] = batch;
    else ranges.push([batch, batch]);
  }
  return ranges;
}

export type { CreateJobRequest, ItemInput, JobView, BatchView, ExceptionView, NodeStats };
