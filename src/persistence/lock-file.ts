/**
 * LMDB's reader table (`data.mdb-lock`) is a sparse file that LMDB writes
 * through a shared mapping. On a full disk, the first touch of one of its
 * holes kills the process with SIGBUS (measured on a full tmpfs: creating a
 * store there died with exit 135). Written out in full before LMDB creates it,
 * the file has no holes, and a full disk is a clean STORAGE_FULL here instead.
 * LMDB only ever sets the file to its own size (8,272 bytes for 126 readers),
 * which keeps the blocks written here.
 */
import { existsSync, linkSync, rmSync, writeFileSync } from 'node:fs';
import { HoldfastError } from '../errors.js';
import { describeFree, isStorageFull } from './disk-space.js';

/** Room for LMDB's table of 126 readers (8,272 bytes) with a margin. */
const LOCK_FILE_BYTES = 64 * 1024;

/**
 * Writes `dataFile`'s lock file in full, unless it exists (another process made it: theirs stands).
 * @throws HoldfastError STORAGE_FULL when there is no room for it
 */
export function preallocateLockFile(dataFile: string): void {
  const lockFile = `${dataFile}-lock`;
  if (existsSync(lockFile)) return; // LMDB's own, or one made here before: never touched again
  const draft = `${lockFile}.${process.pid}.holdfast-tmp`;
  try {
    writeFileSync(draft, Buffer.alloc(LOCK_FILE_BYTES), { mode: 0o600, flag: 'wx' });
    linkSync(draft, lockFile); // atomic, and never over an existing one
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    if (isStorageFull(error)) {
      throw new HoldfastError('STORAGE_FULL', `store ${dataFile}: no room for LMDB's reader table (${describeFree(dataFile.replace(/[^/]*$/, ''))}); free space, then run the command again`, {
        cause: error,
        details: { path: dataFile },
      });
    }
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}
