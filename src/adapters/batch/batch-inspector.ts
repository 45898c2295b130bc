/**
 * The batch-job kind's part in the inspector (issue 18): the requests the page
 * sends about a batch job (`dagStats`, followed as the job runs; `exceptions`,
 * a page of its queue; the admin commands `resolve` and `reprocess`) and its
 * jobs' rows in the CLI's words. Without the batch jobs (a read-only view lacks
 * `stats`, `resolve`, `reprocess`) every request answers NOT_AVAILABLE.
 */
import { z } from 'zod';
import { HoldfastError } from '../../errors.js';
import { BATCH_JOB_MACHINE } from '../../machines/batch-job.machine.js';
import type { Runtime } from '../../runtime/runtime.js';
import { idField, parseFields } from '../inspector/client-messages.js';
import { inspectorRequest, type KindInspector } from '../inspector/kind-inspector.js';
import type { Application } from './application.js';
import { BatchViews, DAG_PUSH_MS, DEFAULT_EXCEPTIONS_PAGE, MAX_EXCEPTIONS_OFFSET, MAX_EXCEPTIONS_PAGE, type InspectedBatchJobs } from './batch-inspector-views.js';

const dagStats = z.strictObject({ id: idField.nullable() });
const exceptions = z
  .strictObject({
    id: idField,
    offset: z.number().int().min(0).max(1e9).optional(),
    limit: z.number().int().min(1).max(MAX_EXCEPTIONS_PAGE).optional(),
    open: z.boolean().optional(),
    // The last item id of the page before; `offset` is then only shown, so it may be deep.
    after: idField.optional(),
  })
  .refine((message) => message.after !== undefined || (message.offset ?? 0) <= MAX_EXCEPTIONS_OFFSET, {
    path: ['offset'],
    message: `at most ${MAX_EXCEPTIONS_OFFSET} without \`after\` (deeper pages: pass the last item id of the page before as \`after\`)`,
  });
/** Any JSON value, required (a missing key is refused, not read as undefined). */
const json = z.custom<unknown>((value) => value !== undefined, 'a value (any JSON) is needed');
const resolve = z.strictObject({ id: idField, item: z.string().min(1).max(1_024), value: json });
const reprocess = z.strictObject({ id: idField });

/** True when `value` has what the inspector needs of batch jobs (a read-only HTTP view has less). */
export function isInspectedBatchJobs(value: unknown): value is InspectedBatchJobs {
  const candidate = value as Partial<InspectedBatchJobs> | null | undefined;
  return typeof candidate?.stats === 'function' && typeof candidate.resolve === 'function' && typeof candidate.reprocess === 'function';
}

/**
 * The inspector's requests about batch jobs, answered through `batchJobs` (`createBatchJobs`);
 * `applications` give the DAGs' edges.
 * @example startInspector(runtime, { machines, inspectors: [batchJobInspector(runtime, batchJobs, applications)] })
 */
export function batchJobInspector(runtime: Runtime, batchJobs: unknown, applications: readonly Application[] = []): KindInspector {
  const views = isInspectedBatchJobs(batchJobs) ? new BatchViews(runtime, batchJobs, applications) : undefined;
  const given = (): BatchViews => {
    if (!views) throw new HoldfastError('NOT_AVAILABLE', 'batch jobs are not given to this inspector (the batch-job kind has no `batchJobs`)');
    return views;
  };
  return {
    jobs: [BATCH_JOB_MACHINE],
    describeJob: (record) => views?.describe(record.id, record.updatedAt),
    requests: {
      dagStats: inspectorRequest({
        parse: (fields) => parseFields(dagStats, fields),
        answer: async ({ id }) => (id === null ? undefined : { type: 'dagStats', dag: await given().dag(id) }),
        follow: { job: ({ id }) => id, push: async (job) => ({ type: 'dagStats', dag: await given().dag(job) }), everyMs: DAG_PUSH_MS },
      }),
      exceptions: inspectorRequest({
        parse: (fields) => parseFields(exceptions, fields),
        answer: async ({ id, offset, limit, open, after }) => ({ type: 'exceptions', id, page: await given().exceptions(id, { offset: offset ?? 0, limit: limit ?? DEFAULT_EXCEPTIONS_PAGE, open: open ?? true, after }) }),
      }),
      resolve: inspectorRequest({
        admin: true,
        parse: (fields) => parseFields(resolve, fields),
        answer: ({ id, item, value }) => {
          const batch = given();
          return batch.resolve(id, item, value).then(async () => ({ type: 'command', command: 'resolve', id, item, ok: true, paused: await runtime.isPaused(id) }));
        },
      }),
      reprocess: inspectorRequest({
        admin: true,
        parse: (fields) => parseFields(reprocess, fields),
        answer: ({ id }, { reply, fail }) => reprocessAnswer(given().reprocess(id), id, reply, fail),
      }),
    },
  };
}

/**
 * Answers once the run is requested, not when it ends (it may take hours):
 * then `reprocessed` with its summary, or an error frame. Settles on the next
 * turn, ending the command's time in flight.
 */
function reprocessAnswer(run: ReturnType<BatchViews['reprocess']>, id: string, reply: (message: { type: string } & Record<string, unknown>) => void, fail: (error: unknown) => void): Promise<void> {
  let answered = false;
  let failed = false;
  const started = () => {
    if (answered || failed) return;
    answered = true;
    reply({ type: 'command', command: 'reprocess', id, ok: true, paused: false });
  };
  run.then(
    (summary) => {
      started();
      reply({ type: 'reprocessed', id, summary });
    },
    (error: unknown) => {
      failed = true;
      fail(error);
    },
  );
  // The library checks a request (job, application, pause) before its first await: a refusal has settled by the next turn.
  return new Promise((resolve) => setImmediate(() => resolve(started())));
}
