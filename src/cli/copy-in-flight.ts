/**
 * Bytes of copies under way, for the progress line: a 600 MB file takes a
 * while to copy, and a count that moves only when a file is done looks stuck.
 * A copy writes to a temporary name beside its target (copy-verify.ts),
 * `.<storageIdentifier>.<key>.holdfast-tmp`, so the bytes written so far are
 * that file's size. Read-only and best effort: a copy that ends or is
 * renamed meanwhile counts as nothing.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isTemporaryName } from '../adapters/files/copy-verify.js';

export interface CopyUnderWay {
  targetDir: string;
  storageIdentifier: string;
}

/** The bytes written so far by these copies, found by their temporary files. */
export async function bytesInFlight(copies: Iterable<CopyUnderWay>): Promise<number> {
  const byFolder = new Map<string, Set<string>>();
  for (const copy of copies) {
    const prefixes = byFolder.get(copy.targetDir) ?? new Set<string>();
    prefixes.add(`.${copy.storageIdentifier.slice(0, 64)}.`);
    byFolder.set(copy.targetDir, prefixes);
  }
  let total = 0;
  for (const [folder, prefixes] of byFolder) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      if (!isTemporaryName(name) || ![...prefixes].some((prefix) => name.startsWith(prefix))) continue;
      total += (await stat(join(folder, name)).catch(() => undefined))?.size ?? 0;
    }
  }
  return total;
}
