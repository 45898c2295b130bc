/**
 * Task job test helpers: a runtime over a temp store with the `taskJob`
 * machine (and a worker when given), entities, and waits on chains.
 */
import { join } from 'node:path';
import { taskJobMachines, taskQueueLimits, wakeTaskJobs, type TaskWorkerOptions } from '../../../src/adapters/tasks/task-worker.js';
import type { Entity } from '../../../src/adapters/tasks/job-model.js';
import { createRuntime, openLmdbStore, type ActorRecord, type Runtime, type RuntimeEvent, type SyncStore } from '../../../src/index.js';

export interface TaskRuntime {
  runtime: Runtime;
  store: SyncStore;
  /** Every event the runtime published, in order. */
  events: RuntimeEvent[];
  close(): Promise<void>;
}

/** A runtime over `<folder>/store` serving `worker` (none: a process that works no queue), woken as a worker opening would be. */
export async function openTaskRuntime(folder: string, worker?: TaskWorkerOptions, options: { concurrency?: number } = {}): Promise<TaskRuntime> {
  const store = openLmdbStore(join(folder, 'store'));
  const runtime = await createRuntime({
    store,
    machines: taskJobMachines(store, worker),
    limits: { concurrency: options.concurrency ?? 64, queues: taskQueueLimits(worker) },
    closeGraceMs: 0,
  });
  const events: RuntimeEvent[] = [];
  runtime.subscribe((event) => void events.push(event));
  await wakeTaskJobs(runtime, worker);
  let closed: Promise<void> | undefined;
  return {
    runtime,
    store,
    events,
    close: () => (closed ??= runtime.close().finally(() => store.close())),
  };
}

/** Resolves with the job's record once it is final (or parked). */
export function settled(runtime: Runtime, id: string, timeoutMs = 20_000): Promise<ActorRecord> {
  return runtime.waitFor(id, (record) => record.status !== 'active', timeoutMs);
}

/** A FollowTheMoney entity of schema `Person` (or as given). */
export function person(id: string, name = `Person ${id}`, extra: Record<string, string[]> = {}): Entity {
  return { id, schema: 'Person', properties: { name: [name], ...extra } };
}

/** A `Document` entity referencing archived content. */
export function documentOf(id: string, contentHash: string, fileName = `${id}.txt`): Entity {
  return { id, schema: 'Document', properties: { contentHash: [contentHash], fileName: [fileName] } };
}
