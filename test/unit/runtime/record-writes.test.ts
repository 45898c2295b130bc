/**
 * A record write beside the step pipeline, refused by the store only because a
 * commit queued before it failed (`notApplied`), is committed again; any other
 * failure, or a store that keeps refusing, reaches the caller.
 */
import { describe, expect, it } from 'vitest';
import { HoldfastError } from '../../../src/errors.js';
import type { Mutation } from '../../../src/runtime/actor-types.js';
import { commitRecordChanges } from '../../../src/runtime/record-writes.js';

const notApplied = () => new HoldfastError('STORE_CORRUPT', 'commit not applied because an earlier one failed; commit it again', { details: { path: '/s', notApplied: true } });
const change: Mutation[] = [{ op: 'putRecord', collection: 'c', key: 'k', value: 1 }];

/** A store whose commits fail with the given errors, in turn, then succeed. */
function storeFailing(...errors: Error[]) {
  const commits: unknown[] = [];
  return {
    commits,
    commit: async (mutations: readonly Mutation[]) => {
      commits.push(mutations);
      const error = errors.shift();
      if (error) throw error;
    },
  };
}

describe('commitRecordChanges', () => {
  it('commits again a write the store did not apply because an earlier commit failed', async () => {
    const store = storeFailing(notApplied());
    await commitRecordChanges(store, change, 'commit');
    expect(store.commits).toEqual([change, change]);
  });

  it('passes any other failure on at once', async () => {
    const store = storeFailing(new HoldfastError('STORAGE_FULL', 'no space left'));
    await expect(commitRecordChanges(store, change, 'commit')).rejects.toMatchObject({ code: 'STORAGE_FULL' });
    expect(store.commits).toHaveLength(1);
  });

  it('gives up after seven refusals (six retries, 630 ms of pauses), with the store’s error', async () => {
    const store = storeFailing(...Array.from({ length: 8 }, notApplied));
    const started = performance.now();
    await expect(commitRecordChanges(store, change, 'flush')).rejects.toMatchObject({ code: 'STORE_CORRUPT', details: { notApplied: true } });
    expect(store.commits).toHaveLength(7);
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);
  });
});
