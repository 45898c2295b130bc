/**
 * lmdb-js's answers to an open that other processes' opens and closes got in
 * the way of (measured with bench/tools/reader-churn.ts) are STORE_BUSY, not
 * STORE_CORRUPT: the store is sound, and STORE_CORRUPT's advice (verify,
 * restore a backup) would be wrong. Every other open failure stays STORE_CORRUPT.
 */
import { describe, expect, it } from 'vitest';
import { openFailure } from '../../../src/persistence/lmdb-store.js';

const lmdbError = (message: string) => Object.assign(new Error(message), { code: 22 });

describe('openFailure', () => {
  it('calls the owner-side and the reader-side contention answers STORE_BUSY, naming the path and keeping the cause', () => {
    for (const message of ['Invalid argument: No transaction to renew', 'Invalid argument: Attempting to setup locks after open', 'Invalid argument: Attempting to setup locks']) {
      const cause = lmdbError(message);
      const error = openFailure(cause, '/s');
      expect(error).toMatchObject({ code: 'STORE_BUSY', details: { path: '/s' } });
      expect(error.message).toContain('not damaged');
      expect(error.message).toContain(message);
      expect(error.cause).toBe(cause);
    }
  });

  it('leaves every other failure STORE_CORRUPT', () => {
    for (const message of ['MDB_INVALID: File is not an LMDB file', 'Permission denied: Attempting to setup locks', 'Invalid argument']) {
      expect(openFailure(lmdbError(message), '/s')).toMatchObject({ code: 'STORE_CORRUPT', details: { path: '/s' } });
    }
    expect(openFailure('not an error', '/s').code).toBe('STORE_CORRUPT');
  });
});
