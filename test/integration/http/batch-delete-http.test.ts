/**
 * HTTP and a batch job mid-run (issue 17, item 2): `DELETE /api/jobs/ID` deletes
 * process jobs only, so a batch job's id is not found there (404) and nothing of
 * it goes; the batch-job routes are read-only. A process job still running is
 * refused 409 JOB_RUNNING.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteJobWithRecords } from '../../../src/cli/job-records.js';
import { batchJobMachines, createBatchJobs, createRuntime, defineApplication, openLmdbStore, startServer } from '../../../src/index.js';
import { createJobServer, processJobMachines, type JobServerOptions } from '../../../src/adapters/jobserver/job-server.js';
import { tempFolder } from '../../helpers/temp-store.js';

describe('HTTP delete beside a batch run', () => {
  it('answers 404 for a batch job (nothing deleted) and 409 JOB_RUNNING for a running process job', async () => {
    const folder = tempFolder('holdfast-http-batch-');
    const dataDir = join(folder, 'data');
    mkdirSync(dataDir);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const app = defineApplication({ name: 'slow', steps: [{ name: 'wait', run: async (item) => (await gate, item) }] });
    const options: JobServerOptions = {
      dataDir,
      functions: { wait: (_data, _parameters, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled')))) },
      defaultTimeoutMs: 30_000,
    };
    const store = openLmdbStore(join(folder, 'store'));
    const runtime = await createRuntime({ store, machines: [...processJobMachines(options), ...batchJobMachines([app])] });
    const jobs = createBatchJobs(runtime, [app]);
    const jobServer = createJobServer(runtime, options, { deleteJob: (id) => deleteJobWithRecords(runtime, id) });
    const root = (await jobServer.users.add('root', { superuser: true })).token;
    const server = await startServer(runtime, { port: 0, jobServer, batchJobs: jobs, onError: () => {} });
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
        method,
        headers: { authorization: `Bearer ${root}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as { code?: string } };
    };
    try {
      const job = await jobs.create({ application: 'slow', source: 'test', items: [{ id: 'a', value: 1 }] });
      const run = jobs.run(job, { batches: 'all' });
      run.catch(() => {});
      await runtime.waitFor(job, (record) => record.state === 'running', 5_000);
      const actors = (await runtime.query({ root: job as never })).length;

      expect(await call('DELETE', `/api/jobs/${job}`)).toMatchObject({ status: 404, body: { code: 'ACTOR_NOT_FOUND' } });
      expect((await call('DELETE', `/api/batch-jobs/${job}`)).status).toBe(404);
      expect(await runtime.query({ root: job as never })).toHaveLength(actors);
      expect((await call('GET', `/api/batch-jobs/${job}`)).status).toBe(200);

      const processJob = (await call('POST', '/api/jobs', { process: { kind: 'function', name: 'wait' } })).body as { id?: string; code?: string };
      expect(processJob.id, JSON.stringify(processJob)).toBeDefined();
      expect(await call('DELETE', `/api/jobs/${processJob.id!}`)).toMatchObject({ status: 409, body: { code: 'JOB_RUNNING' } });
    } finally {
      release();
      await server.close();
      await runtime.close();
      await store.close();
    }
  });
});
