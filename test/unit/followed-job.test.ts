/** A follower of a batch run ends when its job is deleted or parked, naming why (issue 17, item 2). */
import { describe, expect, it } from 'vitest';
import { assertJobFollowable } from '../../src/adapters/batch/followed-job.js';
import type { ActorRecord } from '../../src/persistence/store.js';

const runtimeWith = (record: Partial<ActorRecord> | undefined) => ({ get: async () => record as ActorRecord | undefined });

describe('assertJobFollowable', () => {
  it('returns while the job is active or paused', async () => {
    await expect(assertJobFollowable(runtimeWith({ status: 'active' }), 'job-1')).resolves.toBeUndefined();
  });

  it('says a deleted job is gone, with nothing to resume', async () => {
    await expect(assertJobFollowable(runtimeWith(undefined), 'job-1')).rejects.toThrowError(/^\[JOB_DELETED\] batch job job-1 was deleted before its run ended: there is nothing to resume$/);
  });

  it("ends on a parked job with the job's own code, naming retry; an unknown code becomes MACHINE_ERROR", async () => {
    const parked = (code: string) => runtimeWith({ status: 'parked', error: { code, message: 'why' } } as Partial<ActorRecord>);
    await expect(assertJobFollowable(parked('RECORD_CORRUPT'), 'job-1')).rejects.toThrowError(/^\[RECORD_CORRUPT\] batch job job-1 was parked .*\(RECORD_CORRUPT: why\).*holdfast retry job-1$/);
    await expect(assertJobFollowable(parked('SOMETHING_ELSE'), 'job-1')).rejects.toThrowError(/^\[MACHINE_ERROR\] .*\(SOMETHING_ELSE: why\)/);
  });
});
