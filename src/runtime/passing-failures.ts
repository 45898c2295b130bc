/**
 * Store failures that may not come again, and how often and how patiently a
 * commit that met one is tried again (the committer's steps, record writes).
 * Measured with lmdb-js 3.5.6: while another process opens and closes the store
 * read-only beside the owner (`holdfast jobs`, a test polling the store), some
 * conditional commits are refused as not applied and, with lmdb-js's
 * `overlappingSync`, some transactions fail with MDB_BAD_TXN; the same commit
 * made again a moment later lands. Retried at once, the refusals came again
 * within the same millisecond and the steps failed, stranding their actors.
 */
import type { HoldfastError } from '../errors.js';

/**
 * True for the store's own failure (STORE_CORRUPT: nothing of the commit was
 * applied, commit it again; or its transaction failed), so the same commit is
 * worth making again. Not a value that cannot be stored (SNAPSHOT_NOT_SERIALISABLE)
 * and not a full disk (waited out apart, however long it takes).
 */
export function mayPass(error: HoldfastError): boolean {
  return error.code === 'STORE_CORRUPT';
}

/** Retries of a failure that may pass, before it stands. */
export const PASSING_RETRIES = 6;

/** The pause before retry `retry` (0-based): 10, 20, 40, 80, 160, 320 ms; 630 ms in all. */
export function passingDelayMs(retry: number): number {
  return 10 * 2 ** retry;
}
