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
  if (/ENOSPC|No space left|MDB_MAP_FULL|-30792|\b28\b/.test(text)) return noteFull();
  if (code === 5 || code === 'EIO' || /Input\/output error/.test(text)) {
    // lmdb-js may hand a commit's EIO over after space came back (its commitError settles late):
    // a disk found full moments ago still explains it (found by the nemesis, test/crash/nemesis.test.ts).
    if ((path === undefined ? [...writableStores] : [path]).some(hasNoRoom)) return noteFull();
    return recentlyFull();
  }
  return false;
}

/** How long after a full disk was last seen an EIO is still put down to it. */
const RECENTLY_FULL_MS = 30_000;
let lastFullAt = -Infinity;

/** True while, or within RECENTLY_FULL_MS after, a full disk was seen here. */
export function recentlyFull(): boolean {
  return Date.now() - lastFullAt < RECENTLY_FULL_MS;
}

function noteFull(): true {
  lastFullAt = Date.now();
  return true;
}

/** True when `path`'s file system has less room than a commit needs. */
export function hasNoRoom(path: string): boolean {
  const free = freeBytes(path);
  return free !== undefined && free < FULL_BELOW_BYTES;
}

/** Bytes an unprivileged writer may still use on `path`'s file system; undefined when it cannot be asked. */
export function freeBytes(path: string): number | undefined {
  try {
    const stats = statfsSync(path);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** Free space for a message: `0 bytes free`, `512 KiB free`, or `free space unknown`. */
export function describeFree(path: string): string {
  const free = freeBytes(path);
  if (free === undefined) return 'free space unknown';
  if (free < 1_024) return `${free} bytes free`;
  if (free < 1_048_576) return `${(free / 1_024).toFixed(0)} KiB free`;
  return `${(free / 1_048_576).toFixed(1)} MiB free`;
}
