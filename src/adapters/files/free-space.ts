/**
 * Free space under a folder, for STORAGE_FULL messages that say how full the
 * disk is. The folder may not exist yet (a dataset's first copy): its nearest
 * existing ancestor is on the same file system, or is the mount point above it.
 */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Bytes an unprivileged writer may still use where `path` lives; undefined when no ancestor answers. */
export async function freeBytesAt(path: string): Promise<number | undefined> {
  for (let at = path; ; at = dirname(at)) {
    try {
      const stats = await statfs(at);
      return stats.bavail * stats.bsize;
    } catch {
      if (dirname(at) === at) return undefined;
    }
  }
}

/** `0 bytes free`, `512 KiB free`, `3.2 MiB free`, or `free space unknown`. */
export function describeFreeBytes(free: number | undefined): string {
  if (free === undefined) return 'free space unknown';
  if (free < 1_024) return `${free} bytes free`;
  if (free < 1_048_576) return `${(free / 1_024).toFixed(0)} KiB free`;
  return `${(free / 1_048_576).toFixed(1)} MiB free`;
}
