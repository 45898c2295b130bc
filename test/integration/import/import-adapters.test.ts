import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpImportService, postCompletion } from '../../../src/adapters/import/import-http.js';
import { inProcessService, rejectImport } from '../../../src/adapters/import/import-service.js';
import { startImportStandin, type ImportStandin } from '../../../src/adapters/import/import-standin.js';
import { NonRetryableError } from '../../../src/errors.js';

const call = { signal: new AbortController().signal, attempt: 1 };
const objectRequest = (key: string, parents: { linkTag: string; identifiers: Record<string, unknown> }[] = []) => ({ idempotencyKey: key, type: 'author', data: { name: key }, parents });

let standin: ImportStandin;
beforeEach(async () => {
  standin = await startImportStandin();
});
afterEach(async () => {
  await standin.close();
});

describe('the HTTP import service', () => {
  it('creates with 200 and answers the same identifiers to a re-sent request, creating once', async () => {
    const service = httpImportService(`${standin.url}/`);
    const first = await service.createObject(objectRequest('k1'), call);
    const again = await service.createObject(objectRequest('k1'), call);
    expect(first).toEqual({ identifiers: { id: 'object-1' } });
    expect(again).toEqual(first);
    expect(standin.created).toHaveLength(1);
    expect(standin.requests.get('k1')).toBe(2);
    const link = await service.createLink({ idempotencyKey: 'l1', linkTag: 'cites', child: { id: 'object-1' }, parent: { id: 'object-1' } }, call);
    expect(link).toEqual({ identifiers: { id: 'link-2' } });
  });

  it('turns 5xx, 408 and 429 into retryable IMPORT_UNAVAILABLE, other 4xx into NonRetryable IMPORT_REJECTED with the service message', async () => {
    const service = httpImportService(standin.url);
    for (const status of [500, 503, 408, 429]) {
      standin.failNext('/objects', status);
      const error = await service.createObject(objectRequest(`k${status}`), call).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'IMPORT_UNAVAILABLE' });
      expect(error).not.toBeInstanceOf(NonRetryableError);
    }
    standin.refuse = () => 'names must be unique';
    const refused = await service.createObject(objectRequest('k422'), call).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NonRetryableError);
    expect(refused).toMatchObject({ code: 'IMPORT_REJECTED', message: expect.stringContaining('answered 422: names must be unique') });
    const early = await service.createObject(objectRequest('k409', [{ linkTag: 'x', identifiers: { id: 'missing' } }]), call).catch((e: unknown) => e);
    expect(early).toMatchObject({ code: 'IMPORT_REJECTED', message: expect.stringContaining('409') });
  });

  it('answers { accepted: true } to a 202', async () => {
    standin.defer = () => true;
    expect(await httpImportService(standin.url).createObject(objectRequest('k'), call)).toEqual({ accepted: true });
    expect(standin.accepted.has('k')).toBe(true);
  });

  it('retries a network failure, refuses a 200 without identifiers, and sends the key as a header too', async () => {
    const down = httpImportService('http://127.0.0.1:9', { fetch: async () => Promise.reject(new TypeError('fetch failed')) });
    await expect(down.createObject(objectRequest('k'), call)).rejects.toMatchObject({ code: 'IMPORT_UNAVAILABLE' });
    let headers: Headers | undefined;
    const odd = httpImportService('http://svc', {
      fetch: async (_url, init) => {
        headers = new Headers(init?.headers);
        return new Response(JSON.stringify({ id: 'flat' }), { status: 200 });
      },
    });
    const error = await odd.createObject(objectRequest('k7'), call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error).toMatchObject({ code: 'IMPORT_REJECTED', message: expect.stringContaining('neither { identifiers } nor { accepted: true }') });
    expect(headers?.get('idempotency-key')).toBe('k7');
  });

  it('posts the completion event with its key', async () => {
    expect(await postCompletion(`${standin.url}/complete`, { idempotencyKey: 'imp', ...{ type: 'import.completed' } }, call.signal)).toEqual({ status: 200 });
    expect(standin.completions).toEqual([{ idempotencyKey: 'imp', type: 'import.completed' }]);
  });
});

describe('the in-process import service', () => {
  it("passes a host app's answers through and checks them", async () => {
    const service = inProcessService({
      createObject: async (request) => ({ identifiers: { id: `db-${request.idempotencyKey}` } }),
      createLink: async () => ({ accepted: true }),
    });
    expect(await service.createObject(objectRequest('k'), call)).toEqual({ identifiers: { id: 'db-k' } });
    expect(await service.createLink({ idempotencyKey: 'l', linkTag: 't', child: {}, parent: {} }, call)).toEqual({ accepted: true });
  });

  it('refuses for good on rejectImport, retries anything else thrown, refuses a malformed answer', async () => {
    const service = (thrown: unknown, answer?: unknown) =>
      inProcessService({
        createObject: async () => {
          if (thrown) throw thrown;
          return answer as never;
        },
        createLink: async () => answer as never,
      });
    const rejected = await service(rejectImport('not allowed')).createObject(objectRequest('k'), call).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(NonRetryableError);
    expect(rejected).toMatchObject({ code: 'IMPORT_REJECTED' });
    const flaky = await service(new Error('db busy')).createObject(objectRequest('k'), call).catch((e: unknown) => e);
    expect(flaky).toMatchObject({ code: 'IMPORT_UNAVAILABLE', message: expect.stringContaining('db busy') });
    expect(flaky).not.toBeInstanceOf(NonRetryableError);
    await expect(service(undefined, { id: 1 }).createObject(objectRequest('k'), call)).rejects.toBeInstanceOf(NonRetryableError);
  });
});
