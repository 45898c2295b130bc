/**
 * Telling a full disk from a failing one. lmdb-js reports a full disk as
 * ENOSPC (28) from the write, or, when the failed page write surfaces at the
 * sync instead, as EIO (5) (both measured here on a full tmpfs); EIO is only
 * taken for a full disk when the store's file system has no room left.
 */
import { statfsSync } from 'node:fs';

/** Folders of the stores this process has open for writing. */
const writableStores = new Set<string>();

/** Below this much free space a store's file system counts as full (a write needs a few pages). */
const FULL_BELOW_BYTES = 1 << 20;

/** Registers a store open for writing; returns the idempotent unregister. */
export function trackWritableStore(path: string): () => void {
  writableStores.add(path);
  return () => void writableStores.delete(path);
}

/**
 * True for lmdb-js's and the OS's ways of saying the disk is full. `path` is
 * the store the write went to; without it, every store open for writing here counts.
 */
export function isStorageFull(error: unknown, path?: string): boolean {
  const code = (error as { code?: unknown })?.code;
  const text = `${typeof code === 'string' || typeof code === 'number' ? code : ''} ${(error as Error)?.message ?? String(error)}`;
  if (/ENOSPC|No space left|MDB_MAP_FULL|-30792|\b28\b/.test(text)) return true;
  if (code === 5 || code === 'EIO' || /Input\/output error/.test(text)) {
    return (path === undefined ? [...writableStores] : [path]).some(hasNoRoom);
  }
  return false;
}

function hasNoRoom(path: string): boolean {
  try {
    const stats = statfsSync(path);
    return stats.bavail * stats.bsize < FULL_BELOW_BYTES;
  } catch {
    return false;
  }
}
