/**
 * Stored data over HTTP (docs/http-api.md): JSON kept in holdfast's store
 * under a registered datatype, referenced by process jobs as `{ kind: 'stored', id }`.
 *   POST   /api/data        { datatype, value } -> 201 its view (id, sha256...)
 *   GET    /api/data        the views of the entries the caller may read (own; all for a superuser)
 *   GET    /api/data/ID     one entry with its value (owner or superuser; else 404)
 *   DELETE /api/data/ID     owner or superuser -> 204
 */
import type { FastifyInstance } from 'fastify';
import type { JobServer } from './job-server-api.js';
import { storedDataRequestSchema } from './process-job-request.js';
import { dataIdParams, errorJson, querySchema, refuseInvalid, storedDataRequestJson } from './api-schemas.js';
import { accessOfRequest } from './http-access.js';

type IdParams = { Params: { id: string } };
const tags = ['stored data'];
const response = { '4xx': errorJson, '5xx': errorJson };

export async function storedDataRoutes(app: FastifyInstance, jobServer: JobServer): Promise<void> {
  const data = jobServer.storedData;
  app.post('/api/data', { attachValidation: true, schema: { tags, summary: 'store JSON under a registered datatype', body: storedDataRequestJson, querystring: querySchema(), response } }, async (request, reply) => {
    refuseInvalid(request, storedDataRequestSchema);
    const view = await data.put(accessOfRequest(request).principal, request.body);
    return reply.code(201).send(view);
  });
  app.get('/api/data', { schema: { tags, summary: "list stored data: a user's own, a superuser's all", querystring: querySchema(), response } }, async (request) => ({
    data: await data.list(accessOfRequest(request).principal),
  }));
  app.get<IdParams>('/api/data/:id', { schema: { tags, summary: 'one stored entry with its value (its owner or a superuser)', params: dataIdParams, querystring: querySchema(), response } }, async (request) =>
    data.get(accessOfRequest(request).principal, request.params.id),
  );
  app.delete<IdParams>('/api/data/:id', { schema: { tags, summary: 'delete stored data (owner or superuser)', params: dataIdParams, querystring: querySchema(), response } }, async (request, reply) => {
    await data.remove(accessOfRequest(request).principal, request.params.id);
    return reply.code(204).send();
  });
}
