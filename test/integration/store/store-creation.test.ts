/**
 * A store whose creation was cut short (a full disk, a kill) is created again by
 * its next owner, never refused for ever; an empty data.mdb without the
 * creation mark is still damage (store-creation.ts, RELIABILITY.md "Disk full").
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HoldfastError } from '../../../src/errors.js';
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';
import { actorId } from '../../../src/persistence/store.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js';

const MARK = 'data.mdb-creating';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof HoldfastError ? error.code : `not a HoldfastError: ${String(error)}`;
  }
  return undefined;
}

async function writesAndReads(path: string): Promise<void> {
  const store = openLmdbStore(path);
  const id = actorId('a-1');
  await store.commit([{ op: 'putRecord', collection: 'c', key: 'k', value: { ok: true } }], 'flush');
  expect(store.getRecord('c', 'k')).toEqual({ ok: true });
  expect(store.getActor(id)).toBeUndefined();
  await store.close();
}

describe('a store whose creation was cut short', () => {
  it('with the mark beside an empty data.mdb and a reader table, is created again by its owner', async () => {
    const path = join(tempFolder('holdfast-creation-'), 'store');
    mkdirSync(path);
    writeFileSync(join(path, MARK), '');
    writeFileSync(join(path, 'data.mdb'), '');
    writeFileSync(join(path, 'data.mdb-lock'), Buffer.alloc(8_272));
    expect(codeOf(() => openLmdbStore(path, { readOnly: true }))).toBe('STORE_MISSING');
    await writesAndReads(path);
    expect(existsSync(join(path, MARK))).toBe(false);
    await writesAndReads(path); // and opens again as the store it now is
  });

  it('without the mark, an empty data.mdb stays damage: STORE_CORRUPT, left as it is', () => {
    const path = join(tempFolder('holdfast-creation-'), 'store');
    mkdirSync(path);
    writeFileSync(join(path, 'data.mdb'), '');
    expect(codeOf(() => openLmdbStore(path))).toBe('STORE_CORRUPT');
    expect(readdirSync(path)).toEqual(['data.mdb']);
  });

  it('leaves no mark behind once created', async () => {
    const path = join(tempFolder('holdfast-creation-'), 'store');
    await writesAndReads(path);
    expect(readdirSync(path).sort()).not.toContain(MARK);
  });
});

describe('a store created on a full disk', () => {
  let disk: Tmpfs | undefined;
  afterEach(() => disk?.unmount());

  it('is STORAGE_FULL with nothing half-made left, and is created once space returns', async (context) => {
    const at = tempFolder('holdfast-creation-disk-');
    disk = mountTmpfs(at, '2m');
    if (!disk.mounted) {
      if (process.env.CI) throw new Error(disk.skipReason);
      return context.skip(disk.skipReason);
    }
    const path = join(at, 'store');
    const filler = join(at, 'filler');
    // Room for the reader table (64 KiB) but not for data.mdb's meta pages: lmdb-js died of SIGSEGV there.
    for (const room of [0, 68 * 1024, 128 * 1024]) {
      fill(filler, room);
      expect(codeOf(() => openLmdbStore(path)), `with ${room} bytes free`).toBe('STORAGE_FULL');
      expect(existsSync(path) ? readdirSync(path) : [], `with ${room} bytes free`).toEqual([]);
      rmSync(filler);
    }
    await writesAndReads(path);
  });
});

/** Fills the disk under `filler` until at most `room` bytes are left. */
function fill(filler: string, room: number): void {
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(4_096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  if (room > 0) {
    truncateSync(filler, statSync(filler).size - room);
  }
}
