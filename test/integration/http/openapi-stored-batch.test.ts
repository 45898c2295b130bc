/**
 * The OpenAPI document (every route with its schemas, behind a token), stored
 * data over HTTP, and the read-only batch-job routes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from './http-api-harness.js';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Batch jobs as the routes read them (src/adapters/batch/batch-jobs.ts provides the real ones to `holdfast serve`). */
const batchJobs = {
  list: async () => [{ id: 'nightly', state: 'running' }],
  get: async (id: string) => (id === 'nightly' ? { id, state: 'running' } : undefined),
  batches: async (id: string) => (id === 'nightly' ? [{ id: 'nightly/b0', state: 'complete', items: 10 }] : []),
};

describe('the OpenAPI document', () => {
  it('is served behind a token and lists every route with its request schemas', async () => {
    api = await startApi({ batchJobs });
    expect((await api.call('GET', '/openapi.json', { token: null })).status).toBe(401);
    const { status, body: doc } = await api.call('GET', '/openapi.json', { token: api.tokens.readOnly });
    expect(status).toBe(200);
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    for (const route of [
      'GET /health',
      'GET /',
      'GET /openapi.json',
      'POST /import/callbacks',
      'POST /tasks/jobs',
      'GET /tasks/jobs/{id}',
      'POST /api/jobs',
      'GET /api/jobs',
      'GET /api/jobs/{id}',
      'POST /api/jobs/{id}/cancel',
      'POST /api/jobs/{id}/rerun',
      'POST /api/jobs/{id}/dismiss',
      'GET /api/jobs/{id}/output',
      'GET /api/datafiles',
      'GET /api/datafiles/{name}',
      'GET /api/datafiles/{name}/content',
      'PUT /api/datafiles/{name}',
      'DELETE /api/datafiles/{name}',
      'POST /api/data',
      'GET /api/data',
      'GET /api/data/{id}',
      'DELETE /api/data/{id}',
      'GET /api/batch-jobs',
      'GET /api/batch-jobs/{id}',
    ]) {
      expect(routes, route).toContain(route);
    }
    const submit = doc.paths['/api/jobs'].post.requestBody.content['application/json'].schema;
    expect(submit).toMatchObject({ type: 'object', required: ['process'], additionalProperties: false });
    expect(JSON.stringify(submit)).toContain('"eval"');
    expect(doc.paths['/api/data'].post.requestBody.content['application/json'].schema).toMatchObject({ required: ['datatype', 'value'] });
    expect(doc.paths['/api/datafiles/{name}'].put.requestBody.content).toHaveProperty(['application/octet-stream']);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('stored data over HTTP', () => {
  it('stores, lists, reads and deletes JSON of a registered datatype, which a job then uses', async () => {
    api = await startApi();
    const created = await api.call('POST', '/api/data', { body: { datatype: 'point', value: { x: 1, y: 2 } } });
    expect(created).toMatchObject({ status: 201, body: { owner: 'alice', datatype: 'point', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const id = created.body.id as string;
    expect((await api.call('GET', `/api/data/${encodeURIComponent(id)}`, { token: api.tokens.readOnly })).body).toMatchObject({ id, value: { x: 1, y: 2 } });
    expect((await api.call('GET', '/api/data')).body.data).toEqual([expect.objectContaining({ id })]);
    const job = await api.call('POST', '/api/jobs', { body: { process: { kind: 'function', name: 'echo' }, data: [{ kind: 'stored', id }] } });
    expect(job.status).toBe(201);
    expect((await api.waitJob(job.body.id, (j) => j.state === 'succeeded' || j.state === 'failed')).state).toBe('succeeded');

    expect(await api.call('POST', '/api/data', { body: { datatype: 'unknown', value: 1 } })).toMatchObject({ status: 400, body: { code: 'INVALID_INPUT' } });
    expect(await api.call('POST', '/api/data', { body: { datatype: 'point' } })).toMatchObject({ status: 400 });
    expect(await api.call('POST', '/api/data', { body: { datatype: 'point', value: 1, extra: 2 } })).toMatchObject({ status: 400 });
    // Another user neither reads, lists, uses nor deletes it: to bob it does not exist (issue 17).
    expect(await api.call('GET', `/api/data/${encodeURIComponent(id)}`, { token: api.tokens.bob })).toMatchObject({ status: 404, body: { code: 'DATA_NOT_FOUND' } });
    expect((await api.call('GET', '/api/data', { token: api.tokens.bob })).body.data).toEqual([]);
    expect((await api.call('GET', '/api/data', { token: api.tokens.root })).body.data).toEqual([expect.objectContaining({ id })]);
    expect((await api.call('DELETE', `/api/data/${encodeURIComponent(id)}`, { token: api.tokens.bob })).status).toBe(404);
    expect((await api.call('DELETE', `/api/data/${encodeURIComponent(id)}`)).status).toBe(204);
    expect((await api.call('GET', `/api/data/${encodeURIComponent(id)}`)).body).toMatchObject({ code: 'DATA_NOT_FOUND' });
  });
});

describe('batch jobs over HTTP', () => {
  it('lists batch jobs and shows one with its batches; 404 for an unknown one', async () => {
    api = await startApi({ batchJobs });
    expect((await api.call('GET', '/api/batch-jobs')).body).toEqual({ batchJobs: [{ id: 'nightly', state: 'running' }] });
    expect((await api.call('GET', '/api/batch-jobs/nightly', { token: api.tokens.readOnly })).body).toEqual({ job: { id: 'nightly', state: 'running' }, batches: [{ id: 'nightly/b0', state: 'complete', items: 10 }] });
    expect((await api.call('GET', '/api/batch-jobs/nope')).body).toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    expect((await api.call('POST', '/api/batch-jobs', { body: {} })).status).toBe(404);
  });

  it('answers an unexpected failure 500 with a code and no details, and tells onError', async () => {
    const seen: unknown[] = [];
    const failing = { ...batchJobs, list: async () => { throw new Error('secret at /srv/internal/path.ts:12'); } };
    api = await startApi({ batchJobs: failing, onError: (error) => seen.push(error) });
    const answer = await api.call('GET', '/api/batch-jobs');
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ code: 'INTERNAL_ERROR', message: expect.not.stringContaining('secret') });
    expect(JSON.stringify(answer.body)).not.toMatch(/internal\/path|at .*\.ts/);
    expect(seen).toEqual([expect.objectContaining({ message: expect.stringContaining('secret') })]);
  });
});
