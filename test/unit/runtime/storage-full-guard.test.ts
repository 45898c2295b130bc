/**
 * The storage-full guard (issue 16): lmdb-js's own `console.error` of a commit
 * that failed on a full disk goes to the reporters, not to stderr; every other
 * `console.error` call passes through untouched, and release puts it back.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { containStorageFullRejections } from '../../../src/persistence/storage-full-guard.js';

/** An error as lmdb-js prints it from its write thread's callback. */
function lmdbWriteError(message: string, code: number): Error {
  const error = Object.assign(new Error(message), { code });
  error.stack = `Error: ${message}\n    at Function.<anonymous> (file:///app/node_modules/lmdb/write.js:516:7)`;
  return error;
}

const releases: (() => void)[] = [];
afterEach(() => {
  for (const release of releases.splice(0)) release();
  vi.restoreAllMocks();
});

describe('the storage-full guard and console.error', () => {
  it("reports lmdb-js's print of a full-disk commit instead of printing it", () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const reported: unknown[] = [];
    releases.push(containStorageFullRejections((error) => reported.push(error)));
    const full = lmdbWriteError('No space left on device', 28);
    console.error(full);
    expect(reported).toEqual([full]);
    expect(printed).not.toHaveBeenCalled();
  });

  it('passes every other console.error through: other errors, lmdb-js errors that are not a full disk, several arguments', () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const reported: unknown[] = [];
    releases.push(containStorageFullRejections((error) => reported.push(error)));
    const other = new Error('No space left on device');
    const corrupt = lmdbWriteError('MDB_CORRUPTED: Located page was wrong type', -30796);
    console.error(other);
    console.error(corrupt);
    console.error('text', lmdbWriteError('No space left on device', 28));
    expect(reported).toEqual([]);
    expect(printed.mock.calls.map((call) => call[0])).toEqual([other, corrupt, 'text']);
  });

  it('puts console.error back once the last runtime releases it', () => {
    const original = console.error;
    const first = containStorageFullRejections(() => {});
    const second = containStorageFullRejections(() => {});
    expect(console.error).not.toBe(original);
    first();
    expect(console.error).not.toBe(original);
    second();
    second(); // idempotent
    expect(console.error).toBe(original);
  });
});
