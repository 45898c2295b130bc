/** Damages one actor record of a closed store, as a disk fault would: one byte flipped in the middle of its value. */
import { join } from 'node:path';
import { open } from 'lmdb';

export async function flipRecordByte(store: string, id: string): Promise<void> {
  const root = open<Buffer, string[]>({ path: join(store, 'data.mdb'), encoding: 'binary', maxDbs: 12, compression: false });
  try {
    const actors = root.openDB<Buffer, string[]>({ name: 'actors', encoding: 'binary', compression: false });
    const value = actors.get([id]);
    if (!value) throw new Error(`no record ${id} to damage`);
    const damaged = Buffer.from(value);
    const middle = Math.floor(damaged.length / 2);
    damaged.writeUInt8(damaged.readUInt8(middle) ^ 0x20, middle);
    await actors.put([id], damaged);
    await root.flushed;
  } finally {
    await root.close();
  }
}
