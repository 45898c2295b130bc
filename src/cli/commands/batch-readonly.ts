/**
 * Batch-job views over a store opened read-only, so `holdfast batches`,
 * `exceptions` and `job ID` work beside the store's owner (a `holdfast run`
 * in another terminal): LMDB readers never wait for the writer. The views
 * take a Runtime; this one reads the store and refuses every write.
 */
import type { Application } from '../../batch/application.js';
import { createBatchJobs, type BatchJobs } from '../../batch/batch-jobs.js';
import { HoldfastError } from '../../errors.js';
import { openLmdbStore } from '../../persistence/lmdb-store.js';
import { actorId, type Store } from '../../persistence/store.js';
import type { Runtime } from '../../runtime/runtime.js';

/**
 * Read-only views of the batch jobs in `storePath`.
 * @throws STORE_MISSING when the folder holds no store (nothing is created)
 */
export async function withBatchViews<T>(storePath: string, applications: readonly Application[], task: (jobs: BatchJobs) => Promise<T>): Promise<T> {
  const store = openLmdbStore(storePath, { readOnly: true });
  try {
    return await task(createBatchJobs(readOnlyRuntime(store), applications, { wake: false }));
  } finally {
    await store.close();
  }
}

/** A Runtime over a read-only store: reads answer from the store, writes are refused. */
export function readOnlyRuntime(store: Store): Runtime {
  const refuse = async (): Promise<never> => {
    throw new HoldfastError('INVALID_OPTIONS', 'this view of the store is read-only');
  };
  return {
    store,
    get: (id) => store.getActor(actorId(String(id))),
    query: (filter = {}) => [...store.queryActors(filter)],
    journal: (id, options) => [...store.journal(actorId(String(id)), options)],
    isPaused: (id) => store.getRecord('paused', String(id)) !== undefined,
    hosts: () => false,
    records: {
      get: (collection, key) => store.getRecord(collection, key),
      scan: (collection, prefix) => [...store.scanRecords(collection, prefix)],
      put: refuse,
      delete: refuse,
    } as Runtime['records'],
    spawn: refuse,
    send: refuse,
    waitFor: refuse,
    whenIdle: async () => {},
    subscribe: () => () => {},
    workload: () => ({ commitBacklog: 0, queues: {}, timers: 0, store: store.stats?.() }),
    pause: refuse,
    unpause: refuse,
    retry: refuse,
    delete: refuse,
    prune: refuse,
    close: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}
