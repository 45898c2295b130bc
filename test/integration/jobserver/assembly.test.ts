/** `openHoldfast({ jobServer })` hosts process jobs; a process without a job server keeps them queued, never parked. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHoldfast } from '../../../src/cli/assembly.js';
import type { ProcessJobInput } from '../../../src/machines/process-job.types.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { ada } from './job-server-fixture.js';

describe('the default assembly with a job server', () => {
  it('leaves process jobs queued where no job server runs, and runs them when one opens the store', async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    const jobServer = { dataDir: join(folder, 'data'), functions: { twice: (data: unknown) => (data as number[]).map((n) => n * 2) } };
    const input: ProcessJobInput = { owner: 'ada', process: { kind: 'function', name: 'twice', version: 'unversioned' }, idempotent: false, parameters: {}, data: [{ kind: 'raw', value: 21, sha256: 'x' }], timeoutMs: 5_000, createdAt: 1 };

    const plain = await openHoldfast({ store, listen: false });
    expect(plain.jobServer).toBeUndefined();
    await plain.runtime.spawn('processJob', input, { id: 'pj-early' });
    await plain.runtime.whenIdle();
    expect(await plain.runtime.get('pj-early')).toMatchObject({ status: 'active', state: 'queued' });
    await plain.close();

    const serving = await openHoldfast({ store, listen: false, jobServer });
    try {
      expect(serving.jobServer).toBeDefined();
      const early = await serving.runtime.waitFor('pj-early', (record) => record.status !== 'active', 10_000);
      expect(early.state).toBe('succeeded');
      expect(await serving.jobServer!.output(ada, 'pj-early')).toEqual({ value: [42] });
      const job = await serving.jobServer!.submit(ada, { process: { kind: 'function', name: 'twice' }, data: [{ kind: 'raw', value: 5 }] });
      await serving.runtime.waitFor(job.id, (record) => record.status !== 'active', 10_000);
      expect(await serving.jobServer!.output(ada, job.id)).toEqual({ value: [10] });
    } finally {
      await serving.close();
    }
  });
});

describe('job server options', () => {
  it('refuses bad options naming every problem at once', async () => {
    const { processJobMachines } = await import('../../../src/adapters/jobserver/job-server.js');
    expect(() => processJobMachines({ dataDir: '', maxUploadBytes: -1, extensions: ['csv'], allowEnv: ['A B'], bogus: 1 } as never)).toThrow(
      /\[INVALID_OPTIONS\] invalid job server options: dataDir: .*; extensions.0: an extension starts with a dot.*; maxUploadBytes: .*; allowEnv.0: an environment variable name; options: Unrecognized key: "bogus"/,
    );
  });
});
