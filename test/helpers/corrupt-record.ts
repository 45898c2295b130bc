/**
 * Damages one actor record of a closed store as a disk fault would: one byte
 * in the middle of its stored value flipped, so its checksum fails on read.
 */
import { join } from 'node:path';
import { open } from 'lmdb';

/** Flips one byte of actor `id`'s record; the store must be closed (no owner). */
export async function corruptActorRecord(store: string, id: string): Promise<void> {
  const root = open<Buffer, string[]>({ path: join(store, 'data.mdb'), encoding: 'binary', maxDbs: 12, compression: false });
  try {
    const actors = root.openDB<Buffer, string[]>({ name: 'actors', encoding: 'binary', compression: false });
    const stored = actors.get([id]);
    if (!stored) throw new Error(`no record ${id}`);
    const damaged = Buffer.from(stored);
    const middle = Math.floor(damaged.length / 2);
    damaged.writeUInt8(damaged.readUInt8(middle) ^ 0x20, middle);
    await actors.put([id], damaged);
    await root.flushed;
  } finally {
    await root.close();
  }
}

/** Resolves as `work` does, or rejects after `ms`: a hang fails the test instead of stalling it. */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
