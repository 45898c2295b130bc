/**
 * Process jobs over `holdfast serve`'s HTTP API: tokens, roles, JSON Schema
 * validation, ownership, eval's superuser rule and per-user limits, each
 * answered `{ code, message }` with its status and nothing changed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FINAL, startApi, type ApiHarness } from './http-api-harness.js';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const echo = (parameters: Record<string, unknown> = {}) => ({ process: { kind: 'function', name: 'echo' }, data: [{ kind: 'raw', value: [1, 2] }], parameters });

describe('process jobs over HTTP', () => {
  it('creates a job, shows, lists and returns its output; owners see only their own', async () => {
    api = await startApi();
    const created = await api.call('POST', '/api/jobs', { body: echo({ n: 3 }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ owner: 'alice', process: { kind: 'function', name: 'echo', idempotent: false }, parameters: { n: 3 } });
    const id = created.body.id as string;
    const done = await api.waitJob(id, (job) => FINAL.has(job.state));
    expect(done).toMatchObject({ state: 'succeeded', data: [{ kind: 'raw', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    const output = await api.call('GET', `/api/jobs/${encodeURIComponent(id)}/output`);
    // Data reach a function as a list, one value per reference.
    expect(output).toMatchObject({ status: 200, body: { value: { data: [[1, 2]], parameters: { n: 3 } } } });

    const mine = await api.call('GET', '/api/jobs');
    expect(mine.body.jobs.map((job: { id: string }) => job.id)).toEqual([id]);
    expect((await api.call('GET', '/api/jobs?state=succeeded')).body.jobs).toHaveLength(1);
    expect((await api.call('GET', '/api/jobs?state=running')).body.jobs).toHaveLength(0);
    // Another user neither sees nor reads it; a superuser and both serve tokens do.
    expect((await api.call('GET', '/api/jobs', { token: api.tokens.bob })).body.jobs).toEqual([]);
    expect((await api.call('GET', `/api/jobs/${encodeURIComponent(id)}`, { token: api.tokens.bob })).status).toBe(404);
    expect((await api.call('GET', `/api/jobs/${encodeURIComponent(id)}/output`, { token: api.tokens.bob })).status).toBe(404);
    for (const token of [api.tokens.root, api.tokens.admin, api.tokens.readOnly]) {
      expect((await api.call('GET', `/api/jobs/${encodeURIComponent(id)}`, { token })).status).toBe(200);
    }
    expect((await api.call('GET', '/api/jobs/no-such-job')).body).toMatchObject({ code: 'ACTOR_NOT_FOUND' });
  });

  it('cancels a running job', async () => {
    api = await startApi();
    const { body: job } = await api.call('POST', '/api/jobs', { body: { process: { kind: 'function', name: 'wait' } } });
    await api.waitJob(job.id, (j) => j.state === 'running');
    expect((await api.call('POST', `/api/jobs/${encodeURIComponent(job.id)}/cancel`, { token: api.tokens.bob })).status).toBe(404);
    const cancelled = await api.call('POST', `/api/jobs/${encodeURIComponent(job.id)}/cancel`);
    expect(cancelled.status).toBe(200);
    expect((await api.waitJob(job.id, (j) => FINAL.has(j.state))).state).toBe('cancelled');
  });

  it('deletes a finished job with its output and records; refuses a running one, another user and a read-only token', async () => {
    api = await startApi();
    const { body: running } = await api.call('POST', '/api/jobs', { body: { process: { kind: 'function', name: 'wait' } } });
    await api.waitJob(running.id, (j) => j.state === 'running');
    const path = (id: string) => `/api/jobs/${encodeURIComponent(id)}`;
    expect(await api.call('DELETE', path(running.id))).toMatchObject({ status: 409, body: { code: 'JOB_RUNNING', message: expect.stringContaining('cancel it') } });
    expect((await api.runtime.get(running.id))?.status).toBe('active');

    const { body: job } = await api.call('POST', '/api/jobs', { body: echo() });
    await api.waitJob(job.id, (j) => FINAL.has(j.state));
    expect((await api.call('DELETE', path(job.id), { token: api.tokens.bob })).status).toBe(404);
    expect((await api.call('DELETE', path(job.id), { token: api.tokens.readOnly })).status).toBe(403);
    expect((await api.call('GET', `${path(job.id)}/output`)).status).toBe(200);
    const deleted = await api.call('DELETE', path(job.id));
    expect(deleted).toMatchObject({ status: 200, body: { id: job.id, deleted: { actors: 1 } } });
    expect(deleted.body.deleted.records).toBeGreaterThanOrEqual(2); // its output and its owner's index entry at least
    expect((await api.call('GET', path(job.id))).status).toBe(404);
    expect((await api.call('GET', `${path(job.id)}/output`)).status).toBe(404);
    expect((await api.runtime.records.get('processOutputs', job.id))).toBeUndefined();
    expect((await api.call('GET', '/api/jobs')).body.jobs.map((j: { id: string }) => j.id)).toEqual([running.id]);
    expect((await api.call('DELETE', path(job.id))).status).toBe(404);
  });

  it('refuses missing and wrong tokens (401 with WWW-Authenticate) and a read-only token that writes (403)', async () => {
    api = await startApi();
    const none = await api.call('GET', '/api/jobs', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await api.call('POST', '/api/jobs', { token: 'not-a-token-of-anyone-here', body: echo() })).status).toBe(401);
    expect((await api.call('GET', '/api/jobs', { token: `${api.tokens.alice}x` })).status).toBe(401);
    expect((await api.call('GET', `/api/jobs?token=${api.tokens.alice}`, { token: null })).status).toBe(200);
    const readOnly = await api.call('POST', '/api/jobs', { token: api.tokens.readOnly, body: echo() });
    expect(readOnly).toMatchObject({ status: 403, body: { code: 'FORBIDDEN', message: expect.stringContaining('read-only') } });
    // A user's token opens /api only: not the inspector page, task jobs or callbacks.
    expect((await api.call('GET', '/', { token: api.tokens.root })).status).toBe(403);
    expect((await api.call('POST', '/tasks/jobs', { token: api.tokens.root, body: {} })).status).toBe(403);
    expect((await api.call('GET', '/health', { token: null })).status).toBe(200);
    // DNS rebinding: a valid token under another Host is refused.
    expect((await api.raw('GET', '/api/jobs', api.tokens.alice, undefined, { host: `evil.example:${api.server.port}` })).status).toBe(403);
    expect((await api.call('DELETE', '/api/datafiles/a.csv', { token: api.tokens.readOnly })).status).toBe(403);
    expect(await api.runtime.query({ machine: 'processJob' })).toHaveLength(0);
  });

  it('answers malformed JSON, wrong types, unknown fields and wrong media types with 400/415, creating nothing', async () => {
    api = await startApi();
    const bad = async (raw: string, type = 'application/json') => api!.call('POST', '/api/jobs', { raw, type });
    expect(await bad('{not json')).toMatchObject({ status: 400, body: { code: 'BAD_MESSAGE' } });
    expect(await bad('')).toMatchObject({ status: 400 });
    expect(await bad('[]')).toMatchObject({ status: 400, body: { code: 'INVALID_INPUT' } });
    expect(await bad('{"__proto__":{"polluted":true},"process":{"kind":"function","name":"echo"}}')).toMatchObject({ status: 400 });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(await bad(JSON.stringify({ process: { kind: 'function', name: 42 } }))).toMatchObject({ status: 400, body: { code: 'INVALID_INPUT', message: expect.stringContaining('process') } });
    expect(await bad(JSON.stringify({ ...echo(), timeoutMs: '5' }))).toMatchObject({ status: 400, body: { message: expect.stringContaining('timeoutMs') } });
    expect(await bad(JSON.stringify({ ...echo(), extra: true }))).toMatchObject({ status: 400, body: { message: expect.stringContaining('extra') } });
    expect(await bad(JSON.stringify({ process: { kind: 'shell', name: 'rm' } }))).toMatchObject({ status: 400 });
    expect(await bad(JSON.stringify({ process: { kind: 'function', name: 'nope' } }))).toMatchObject({ status: 400 });
    expect(await bad(JSON.stringify(echo()), 'text/plain')).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(await bad(JSON.stringify({ ...echo(), parameters: { blob: 'x'.repeat(1_100_000) } }))).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await bad(JSON.stringify({ ...echo(), data: [{ kind: 'datafile', name: 'missing.csv' }] }))).toMatchObject({ status: 404, body: { code: 'DATA_NOT_FOUND' } });
    expect((await api.call('GET', '/api/jobs/%E0%A4%A')).status).toBe(400);
    expect((await api.call('GET', '/api/jobs?state=running&drop=tables')).status).toBe(400);
    expect(await api.runtime.query({ machine: 'processJob' })).toHaveLength(0);
  });

  it('refuses a body of invalid UTF-8 with 400 INVALID_INPUT, storing nothing (issue 17)', async () => {
    api = await startApi();
    const latin1 = (json: string) => Buffer.from(json, 'latin1'); // "Müller" as one byte 0xFC: not UTF-8
    const job = await api.call('POST', '/api/jobs', { raw: latin1(JSON.stringify({ ...echo(), parameters: { name: 'Müller' } })) });
    expect(job).toMatchObject({ status: 400, body: { code: 'INVALID_INPUT', message: expect.stringContaining('not valid UTF-8') } });
    const point = '{"datatype":"point","value":{"label":"Zürich"}}';
    const stored = await api.call('POST', '/api/data', { raw: latin1(point) });
    expect(stored).toMatchObject({ status: 400, body: { code: 'INVALID_INPUT', message: expect.stringContaining('not valid UTF-8') } });
    expect(await api.runtime.query({ machine: 'processJob' })).toHaveLength(0);
    expect((await api.call('GET', '/api/data')).body.data).toEqual([]);
    // The same bodies in UTF-8 are taken.
    expect((await api.call('POST', '/api/data', { raw: Buffer.from(point) })).status).toBe(201);
  });

  it('refuses eval to anyone but a superuser (403) and runs it for one', async () => {
    api = await startApi();
    const evalJob = { process: { kind: 'eval', source: 'return 6 * 7' } };
    expect(await api.call('POST', '/api/jobs', { body: evalJob })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const accepted = await api.call('POST', '/api/jobs', { token: api.tokens.root, body: evalJob });
    expect(accepted.status).toBe(201);
    expect(accepted.body.process).toMatchObject({ kind: 'eval', version: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await api.runtime.query({ machine: 'processJob' })).toHaveLength(1);
  });

  it('refuses eval with EVAL_UNSANDBOXED where the machine cannot sandbox it, and runs it when the operator allows that, the job recording which (issue 17)', async () => {
    // As on a machine with neither root nor user namespaces: no network namespace, the server's own user.
    const evalSandbox = async () => ({ command: process.execPath, prefix: [], network: 'not isolated' as const, user: 'same' as const });
    const evalJob = { process: { kind: 'eval', source: 'return 6 * 7' } };
    api = await startApi({}, { evalSandbox });
    const refused = await api.call('POST', '/api/jobs', { token: api.tokens.root, body: evalJob });
    expect(refused.status).toBe(201);
    const failed = await api.waitJob(refused.body.id, (job) => FINAL.has(job.state), api.tokens.root);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'EVAL_UNSANDBOXED' }, protections: { network: 'not isolated', user: 'same', sandboxed: expect.stringMatching(/refused$/) } });
    await api.close();

    api = await startApi({}, { evalSandbox, allowUnsandboxedEval: true });
    const allowed = await api.call('POST', '/api/jobs', { token: api.tokens.root, body: evalJob });
    const succeeded = await api.waitJob(allowed.body.id, (job) => FINAL.has(job.state), api.tokens.root);
    expect(succeeded).toMatchObject({ state: 'succeeded', protections: { sandboxed: expect.stringMatching(/allowed by --allow-unsandboxed-eval$/) } });
    expect((await api.call('GET', `/api/jobs/${encodeURIComponent(allowed.body.id)}/output`, { token: api.tokens.root })).body).toMatchObject({ value: 42 });
  });

  it("refuses a job past a user's limits with 429 naming the limit", async () => {
    api = await startApi();
    const wait = { process: { kind: 'function', name: 'wait' } };
    const first = await api.call('POST', '/api/jobs', { token: api.tokens.bob, body: wait });
    expect(first.status).toBe(201);
    const second = await api.call('POST', '/api/jobs', { token: api.tokens.bob, body: wait });
    expect(second).toMatchObject({ status: 429, body: { code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/maxRunning|running/) } });
    await api.call('POST', `/api/jobs/${encodeURIComponent(first.body.id)}/cancel`, { token: api.tokens.bob });
    await api.waitJob(first.body.id, (job) => FINAL.has(job.state), api.tokens.bob);
    expect((await api.call('POST', '/api/jobs', { token: api.tokens.bob, body: echo() })).status).toBe(201);
    const third = await api.call('POST', '/api/jobs', { token: api.tokens.bob, body: echo() });
    expect(third).toMatchObject({ status: 429, body: { code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/maxTotal|total/) } });
    // Alice is not held by Bob's limits.
    expect((await api.call('POST', '/api/jobs', { body: echo() })).status).toBe(201);
  });
});
