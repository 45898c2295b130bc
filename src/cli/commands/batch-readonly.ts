/**
 * Batch-job views over a store opened read-only, so `holdfast batches`,
 * `exceptions` and `job ID` work beside the store's owner (a `holdfast run`
 * in another terminal): LMDB readers never wait for the writer. The views
 * take a Runtime; the reader (assembly.ts, openReader) refuses every write.
 */
import type { Application } from '../../adapters/batch/application.js';
import { createBatchJobs, type BatchJobs } from '../../adapters/batch/batch-jobs.js';
import { withReader } from '../assembly.js';

/**
 * Read-only views of the batch jobs in `storePath`.
 * @throws STORE_MISSING when the folder holds no store (nothing is created)
 */
export async function withBatchViews<T>(storePath: string, applications: readonly Application[], task: (jobs: BatchJobs) => Promise<T>): Promise<T> {
  return withReader(storePath, (runtime) => task(createBatchJobs(runtime, applications, { wake: false })));
}
