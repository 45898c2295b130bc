/**
 * The batch commands a store's owner answers on its socket, called as the
 * socket calls them (any JSON from another process): well-formed ones do
 * what the CLI asks; malformed, hostile and unknown ones get a clear error
 * and change nothing.
 */
import { describe, expect, it } from 'vitest';
import { batchOwnerCommands } from '../../../src/adapters/batch/batch-owner-commands.js';
import { arithmetic, openBatch } from './batch-harness.js';

describe('batch owner commands', () => {
  it('create from a host source, run, resolve, reprocess and delete, as another process asks', async () => {
    const app = arithmetic({ failEvery: 5 });
    const h = await openBatch([app]);
    try {
      const commands = batchOwnerCommands({ jobs: h.jobs, applications: [app], sources: { numbers: () => Array.from({ length: 20 }, (_, n) => ({ id: `n${n}`, value: { n } })) }, pid: 4242 });
      const created = (await commands.createBatchJob!({ application: 'arith', source: 'app:numbers', cwd: '/', partition: 'size:5', params: { k: 'v' }, description: 'socket' })) as { id: string };
      expect(created).toMatchObject({ application: 'arith', source: 'app:numbers', items: 20, batches: 4, partition: 'size:5' });
      const { request } = (await commands.runBatchJob!({ job: created.id, request: { batches: 'all', parallel: 2 } })) as { request: string };
      expect(await h.jobs.waitForRun(created.id, request, 20_000)).toMatchObject({ batchesRun: 4, items: 20, exceptions: 4 });
      expect((await h.jobs.runSummary(created.id, request))).toMatchObject({ results: 16 });
      await commands.resolveException!({ job: created.id, item: 'n0', value: 'by hand' });
      const reprocess = (await commands.reprocessBatchJob!({ job: created.id, parallel: 2 })) as { request: string };
      expect(await h.jobs.waitForRun(created.id, reprocess.request, 20_000)).toMatchObject({ items: 3, exceptions: 3 });
      expect(await commands.deleteBatchJob!({ job: created.id })).toMatchObject({ actors: expect.any(Number) as number });
      expect((await h.jobs.list())).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('refuses malformed, hostile and unknown requests with a clear error, changing nothing', async () => {
    const app = arithmetic();
    const h = await openBatch([app]);
    try {
      const commands = batchOwnerCommands({ jobs: h.jobs, applications: [app], pid: 4242 });
      const job = await h.jobs.create({ application: 'arith', source: 'test', items: [{ id: 'a', value: { n: 1 } }], partition: 'size:1' });
      const good = { application: 'arith', source: 'app:none', cwd: '/tmp' };
      const refusals: [string, Record<string, unknown>, RegExp][] = [
        ['createBatchJob', {}, /INVALID_INPUT.*application must be a non-empty string/],
        ['createBatchJob', { ...good, application: 5 }, /application must be a non-empty string/],
        ['createBatchJob', { ...good, application: 'other' }, /UNKNOWN_APPLICATION.*owner \(pid 4242\) does not register application "other" \(it registers: arith\)/],
        ['createBatchJob', { ...good, cwd: 'relative/dir' }, /cwd must be an absolute path/],
        ['createBatchJob', { ...good, partition: 'size:0' }, /INVALID_INPUT/],
        ['createBatchJob', { ...good, params: { k: 1 } }, /params\.k must be a string/],
        ['createBatchJob', { ...good, params: ['x'] }, /params must be an object of strings/],
        ['createBatchJob', { ...good, description: { toString: 1 } }, /description must be a string/],
        ['createBatchJob', { ...good, source: 'ftp://x' }, /bad --source/],
        ['createBatchJob', { ...good, source: 'jsonl:/no/such/file.jsonl' }, /SOURCE_MISSING/],
        ['createBatchJob', good, /no source "none"|none/],
        ['runBatchJob', { job: '__proto__', request: { batches: 'all' } }, /JOB_NOT_FOUND/],
        ['runBatchJob', { job: 'x'.repeat(100_000), request: { batches: 'all' } }, /JOB_NOT_FOUND/],
        ['runBatchJob', { job, request: 'all' }, /request must be an object/],
        ['runBatchJob', { job, request: { batches: ['0'] } }, /request\.batches must be/],
        ['runBatchJob', { job, request: { batches: [5] } }, /--batch 5 is out of range: job .* has batches 0 to 0/],
        ['runBatchJob', { job, request: { batches: 'all', parallel: '2' } }, /request\.parallel must be a number/],
        ['runBatchJob', { job, request: { batches: 'all', parallel: 1e9 } }, /parallel must be an integer from 1 to 64/],
        ['reprocessBatchJob', { job, parallel: -1 }, /parallel must be an integer/],
        ['resolveException', { job, item: 'a' }, /has no exception for item "a"/],
        ['resolveException', { job, item: 7, value: 1 }, /item must be a non-empty string/],
        ['deleteBatchJob', { job: 42 }, /job must be a non-empty string/],
      ];
      const before = { context: (await h.runtime.get(job))!.snapshot!.context, items: (await h.runtime.records.scan('batch.items')).length };
      for (const [command, args, pattern] of refusals) {
        await expect(commands[command]!(args), `${command} ${JSON.stringify(args).slice(0, 120)}`).rejects.toThrow(pattern);
      }
      expect((await h.jobs.list()).map((view) => view.id)).toEqual([job]);
      expect({ context: (await h.runtime.get(job))!.snapshot!.context, items: (await h.runtime.records.scan('batch.items')).length }).toEqual(before);
    } finally {
      await h.close();
    }
  });
});
