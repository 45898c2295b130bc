/**
 * A record write beside the step pipeline, refused by the store because a
 * commit queued before it failed (`notApplied`), or whose transaction failed
 * (STORE_CORRUPT), is committed again after a pause; a full disk or a value
 * that cannot be stored, or a store that keeps failing, reaches the caller.
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

  it('commits again a write whose transaction failed (lmdb-js MDB_BAD_TXN beside a reader)', async () => {
    const store = storeFailing(new HoldfastError('STORE_CORRUPT', 'store /s: write failed: MDB_BAD_TXN: Transaction must abort, has a child, or is invalid'));
    await commitRecordChanges(store, change, 'commit');
    expect(store.commits).toEqual([change, change]);
  });

  it('passes a full disk and a value that cannot be stored on at once', async () => {
    for (const error of [new HoldfastError('STORAGE_FULL', 'no space left'), new HoldfastError('SNAPSHOT_NOT_SERIALISABLE', 'value cannot be stored as JSON')]) {
      const store = storeFailing(error);
      await expect(commitRecordChanges(store, change, 'commit')).rejects.toBe(error);
      expect(store.commits).toHaveLength(1);
    }
  });

  it('gives up after seven refusals (six retries, 630 ms of pauses), with the store’s error', async () => {
    const store = storeFailing(...Array.from({ length: 8 }, notApplied));
    const started = performance.now();
    await expect(commitRecordChanges(store, change, 'flush')).rejects.toMatchObject({ code: 'STORE_CORRUPT', details: { notApplied: true } });
    expect(store.commits).toHaveLength(7);
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);
  });
});
