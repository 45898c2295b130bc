/**
 * Record writes made beside the step pipeline (`runtime.records`, an effect's
 * records): each is one commit of its own. The store refuses a commit queued
 * behind one that failed (`details.notApplied`: nothing of it was applied, and
 * the store asks for it again), and lmdb-js fails some transactions while
 * another process opens and closes the store (passing-failures.ts). The
 * committer commits its steps again after a pause; these writes do the same
 * (puts and deletes, made again whole), so a failure that passes does not fail
 * a caller whose own write is sound.
 */
import { HoldfastError } from '../errors.js';
import type { Durability, Mutation, Store } from '../persistence/store.js';
import { mayPass, PASSING_RETRIES, passingDelayMs } from './passing-failures.js';

export async function commitRecordChanges(store: Pick<Store, 'commit'>, changes: readonly Mutation[], durability: Durability): Promise<void> {
  // A store that keeps refusing after the retries has a failure of its own to report.
  for (let retry = 0; ; retry++) {
    try {
      return await store.commit(changes, durability);
    } catch (error) {
      if (retry >= PASSING_RETRIES || !(error instanceof HoldfastError && mayPass(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, passingDelayMs(retry)));
    }
  }
}
