/**
 * Batch jobs over HTTP, read-only (docs/http-api.md):
 *   GET /api/batch-jobs        every batch job
 *   GET /api/batch-jobs/ID     one batch job's status with its batches
 * Typed only as far as this module reads them, so any batch-jobs service fits.
 */
import type { FastifyInstance } from 'fastify';
import { HoldfastError } from '../../errors.js';
import { batchIdParams, errorJson, querySchema } from './api-schemas.js';

/** What the routes need of the batch jobs (src/adapters/batch/batch-jobs.ts). */
export interface BatchJobsView {
  list(): Promise<unknown[]>;
  get(id: string): Promise<unknown>;
  batches(id: string): Promise<unknown[]>;
}

const tags = ['batch jobs'];
const response = { '4xx': errorJson, '5xx': errorJson };

export async function batchJobRoutes(app: FastifyInstance, batchJobs: BatchJobsView): Promise<void> {
  app.get('/api/batch-jobs', { schema: { tags, summary: 'list batch jobs', querystring: querySchema(), response } }, async () => ({ batchJobs: await batchJobs.list() }));
  app.get<{ Params: { id: string } }>(
    '/api/batch-jobs/:id',
    { schema: { tags, summary: "a batch job's status and its batches", params: batchIdParams, querystring: querySchema(), response } },
    async (request) => {
      const job = await batchJobs.get(request.params.id);
      if (job === undefined || job === null) throw new HoldfastError('ACTOR_NOT_FOUND', `no batch job ${request.params.id}`);
      return { job, batches: await batchJobs.batches(request.params.id) };
    },
  );
}
