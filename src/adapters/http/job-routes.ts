/**
 * Process jobs over HTTP (docs/http-api.md):
 *   POST /api/jobs                 a job request (JSON Schema of processJobRequestSchema) -> 201 the job
 *   GET  /api/jobs[?state=S]       the caller's jobs (a superuser's: all)
 *   GET  /api/jobs/ID              one job's reproducible record
 *   POST /api/jobs/ID/cancel       cancel (a final job comes back unchanged)
 *   POST /api/jobs/ID/rerun        run an `interrupted` job again
 *   POST /api/jobs/ID/dismiss      end an `interrupted` job as `dismissed`
 *   GET  /api/jobs/ID/output       its value, or stdout and stderr with truncated flags
 *   DELETE /api/jobs/ID            a finished job, with its output and records (409 while it is not final)
 * The job server checks ownership, limits (429) and eval's superuser rule (403).
 */
import type { FastifyInstance } from 'fastify';
import type { JobServer } from './job-server-api.js';
import { processJobRequestSchema } from './process-job-request.js';
import { errorJson, jobIdParams, processJobRequestJson, querySchema, refuseInvalid } from './api-schemas.js';
import { accessOfRequest } from './http-access.js';

type IdParams = { Params: { id: string } };
const tags = ['process jobs'];
const response = { '4xx': errorJson, '5xx': errorJson };

export async function jobRoutes(app: FastifyInstance, jobServer: JobServer): Promise<void> {
  app.post('/api/jobs', { attachValidation: true, schema: { tags, summary: 'submit a process job', body: processJobRequestJson, querystring: querySchema(), response } }, async (request, reply) => {
    refuseInvalid(request, processJobRequestSchema);
    const job = await jobServer.submit(accessOfRequest(request).principal, request.body);
    return reply.code(201).send(job);
  });

  app.get<{ Querystring: { state?: string } }>(
    '/api/jobs',
    { schema: { tags, summary: "list process jobs (a user's own; a superuser's all)", querystring: querySchema({ state: { type: 'string', minLength: 1, maxLength: 40 } }), response } },
    async (request) => {
      const { state } = request.query;
      return { jobs: await jobServer.list(accessOfRequest(request).principal, state === undefined ? undefined : { state }) };
    },
  );

  app.get<IdParams>('/api/jobs/:id', { schema: { tags, summary: "one process job's record", params: jobIdParams, querystring: querySchema(), response } }, async (request) =>
    jobServer.get(accessOfRequest(request).principal, request.params.id),
  );

  for (const action of ['cancel', 'rerun', 'dismiss'] as const) {
    const summary = { cancel: 'cancel a job (kills its process group)', rerun: 'run an interrupted job again', dismiss: 'end an interrupted job as dismissed' }[action];
    app.post<IdParams>(`/api/jobs/:id/${action}`, { schema: { tags, summary, params: jobIdParams, querystring: querySchema(), response } }, async (request) =>
      jobServer[action](accessOfRequest(request).principal, request.params.id),
    );
  }

  app.delete<IdParams>('/api/jobs/:id', { schema: { tags, summary: 'delete a finished job, its output and records', params: jobIdParams, querystring: querySchema(), response } }, async (request) =>
    jobServer.delete(accessOfRequest(request).principal, request.params.id),
  );

  app.get<IdParams>('/api/jobs/:id/output', { schema: { tags, summary: "a finished job's output", params: jobIdParams, querystring: querySchema(), response } }, async (request) =>
    jobServer.output(accessOfRequest(request).principal, request.params.id),
  );
}
