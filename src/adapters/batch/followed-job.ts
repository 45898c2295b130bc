/**
 * What a command following a batch job's run (`run`, `reprocess`, `waitForRun`,
 * a follower beside the owner) does when the job goes first: a deleted or
 * parked job never writes its run's summary, so the follower ends with why,
 * and never offers to resume a job that no longer exists.
 */
import { ErrorCodes, HoldfastError, type ErrorCode } from '../../errors.js';
import type { Runtime } from '../../runtime/runtime.js';

/**
 * Throws when the followed job is gone or parked; returns while it may still end its run.
 * @throws JOB_DELETED (nothing to resume); the parked job's own code (POISON_ACTOR, RECORD_CORRUPT, ...) naming `holdfast retry`
 */
export async function assertJobFollowable(runtime: Pick<Runtime, 'get'>, jobId: string): Promise<void> {
  const record = await runtime.get(jobId);
  if (!record) throw new HoldfastError('JOB_DELETED', `batch job ${jobId} was deleted before its run ended: there is nothing to resume`, { details: { job: jobId } });
  if (record.status !== 'parked') return;
  const code = record.error?.code ?? 'MACHINE_ERROR';
  const known = (ErrorCodes as readonly string[]).includes(code) ? (code as ErrorCode) : 'MACHINE_ERROR';
  throw new HoldfastError(known, `batch job ${jobId} was parked before its run ended (${code}: ${record.error?.message ?? 'no reason kept'}): see holdfast job ${jobId}, then holdfast retry ${jobId}`, {
    details: { job: jobId, parked: true },
  });
}
