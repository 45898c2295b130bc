/**
 * A delete is the runtime's, and resumable (src/runtime/job-delete.ts): a child
 * deleting a job is SIGKILLed just after the commit that removed the job's
 * actors (and wrote the marker), before any of its records went. The actors
 * are gone, the records and the marker are there; the next open of the store
 * finishes the delete, and the other job's records are untouched.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHoldfast } from '../../src/cli/assembly.js';
import { DELETING_JOBS } from '../../src/runtime/job-delete.js';
import { PROCESS_JOB_OWNERS, PROCESS_OUTPUTS } from '../../src/machines/process-job.types.js';
import { startWorkload } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';
import { readStore } from '../helpers/watch.js';

describe('a delete killed between the actors and the records', () => {
  it('leaves its marker, and the next open finishes it', async () => {
    const root = tempFolder('holdfast-delete-kill-');
    const store = join(root, 'store');
    const jobServer = { dataDir: join(root, 'data'), functions: { double: (data: unknown) => (data as number[]).map((n) => n * 2) } };
    const ada = { user: 'ada', superuser: false };
    const holdfast = await openHoldfast({ store, listen: false, jobServer, notices: false });
    let gone: string;
    let kept: string;
    try {
      await holdfast.jobServer!.users.add('ada', { maxTotal: 5 });
      [gone, kept] = (await Promise.all([0, 1].map(async (i) => (await holdfast.jobServer!.submit(ada, { process: { kind: 'function', name: 'double' }, data: [{ kind: 'raw', value: i }] })).id))) as [string, string];
      for (const id of [gone, kept]) await holdfast.runtime.waitFor(id, (record) => record.state === 'succeeded');
    } finally {
      await holdfast.close();
    }

    const killed = startWorkload('delete-job', [store, gone!], { HOLDFAST_FAULT_POINTS: 'committer.beforeCommit:2' });
    expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(killed.output()).not.toContain('DELETED');

    await readStore(store, (reader) => {
      expect(reader.getActor(gone as never)).toBeUndefined();
      expect(reader.getRecord(PROCESS_OUTPUTS, gone)).toBeDefined();
      expect(reader.getRecord(PROCESS_JOB_OWNERS, ['ada', gone])).toBeDefined();
      expect([...reader.scanRecords(DELETING_JOBS)].map(({ key }) => key)).toEqual([gone]);
    });

    const reopened = await openHoldfast({ store, listen: false, resume: false, notices: false });
    try {
      expect((await reopened.runtime.records.get(PROCESS_OUTPUTS, gone!))).toBeUndefined();
      expect((await reopened.runtime.records.get(PROCESS_JOB_OWNERS, ['ada', gone!]))).toBeUndefined();
      expect((await reopened.runtime.records.scan(DELETING_JOBS))).toEqual([]);
      expect((await reopened.runtime.records.get(PROCESS_OUTPUTS, kept!))).toBeDefined();
      expect((await reopened.runtime.get(kept!))?.state).toBe('succeeded');
    } finally {
      await reopened.close();
    }
  }, 60_000);
});
