/**
 * Batches wait, rather than fail, in a process that does not register their
 * job's application (a `watch`, an `ingest`, a `serve` without `--app`): the
 * chunk effect's UNKNOWN_APPLICATION sends them to `waitingForApplication`.
 * A process that registers it wakes them with `application.available`, and
 * they continue where they stood.
 */
import { BATCH_MACHINE, BATCH_WAITING_STATE, type BatchContext } from '../../machines/batch.machine.js';
import type { ApplicationAvailable } from '../../machines/batch.types.js';
import type { ActorRecord } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';
import { arrayOf } from '../../runtime/async-views.js';

/** Batch actors waiting for an application, all or those under one job. */
export function waitingBatches(runtime: Runtime, jobId?: string): Promise<ActorRecord[]> {
  return arrayOf(runtime.actors({ machine: BATCH_MACHINE, state: BATCH_WAITING_STATE, status: 'active', ...(jobId !== undefined ? { root: jobId as never } : {}) }));
}

/**
 * Sends `application.available` to every waiting batch whose application is
 * in `applications` (the event commits with the batch's step, so it is
 * durable once this resolves). A paused job's batches are left waiting: an
 * event to them would wait for the unpause. Returns how many were woken.
 */
export async function wakeWaitingBatches(runtime: Runtime, applications: ReadonlySet<string> | ReadonlyMap<string, unknown>): Promise<number> {
  if (applications.size === 0) return 0;
  let woken = 0;
  for (const record of await waitingBatches(runtime)) {
    const application = (record.snapshot?.context as BatchContext | undefined)?.application;
    if (application === undefined || !applications.has(application) || (await runtime.isPaused(record.root))) continue;
    await runtime.send(record.id, { type: 'application.available', application } satisfies ApplicationAvailable);
    woken++;
  }
  return woken;
}
