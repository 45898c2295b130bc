/**
 * Deleting a top job with every record it left is the runtime's now
 * (src/runtime/job-delete.ts: the records each machine declares, resumably);
 * these names stay for callers that deleted through the CLI's helper.
 * @example
 * const { records, actors } = await deleteJobWithRecords(runtime, 'load-1');
 */
import type { Runtime } from '../runtime/runtime.js';
import type { DeleteOutcome } from '../runtime/job-delete.js';

export { DELETING_JOBS } from '../runtime/job-delete.js';

/**
 * Deletes a top job with its actors and every record its machines declare.
 * @throws ACTOR_NOT_FOUND, INVALID_INPUT (not a top job), JOB_RUNNING (as runtime.delete)
 */
export function deleteJobWithRecords(runtime: Pick<Runtime, 'delete'>, id: string): Promise<DeleteOutcome> {
  return runtime.delete(id);
}
