/**
 * A store's creation, marked so that one cut short is finished, not refused.
 *
 * LMDB creates data.mdb empty, then writes its two meta pages. A full disk
 * between the two (measured by the nemesis on a full tmpfs) or a kill leaves an
 * empty or half-written data.mdb, which every later open refuses as
 * STORE_CORRUPT (lmdb-header.ts): a store that never held anything, refused for
 * ever. So an owner that creates a store first writes `data.mdb-creating`, and
 * removes it once the store's first transaction is on disk. A store found with
 * the mark and an unsound data.mdb was never finished: its files are removed
 * and it is created again. Without the mark, an unsound data.mdb is damage and
 * stays refused: the mark is what tells a store that never was from one that was lost.
 *
 * The mark also holds room for LMDB's first pages until LMDB takes it: lmdb-js 3.5
 * dies of SIGSEGV (measured, exit 139) when the disk fills between its meta pages,
 * while less room than the reader table, or more than the first pages, fails
 * cleanly. Written while there is room, the reservation is freed just before LMDB
 * opens the file; a disk that fills in the microseconds between is the one case left.
 */
import { closeSync, existsSync, fsyncSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HoldfastError } from '../errors.js';
import { describeFree, isStorageFull } from './disk-space.js';
import { assertLmdbEnvironment } from './lmdb-header.js';
import { CREATING_MARK, DATA_FILE, LMDB_LOCK_FILE } from './store-folder.js';

/** LMDB's meta pages, its named databases and the first transactions take about 100 KiB. */
const FIRST_PAGES_BYTES = 512 * 1024;

export interface Creation {
  /** Hands the room held for LMDB's first pages over to it: call right before LMDB opens. */
  opening(): void;
  /** The store's first transaction is durable: it is a store now. */
  finished(): void;
  /** Creating it failed: removes what was made, so the next owner starts clean. */
  abandoned(): void;
}

/**
 * Called by the owner, under the store lock, before LMDB opens the folder.
 * Returns the creation under way when there is no store yet (or only one cut short), else undefined.
 * @throws HoldfastError STORE_CORRUPT when an existing data.mdb is unsound; STORAGE_FULL when the mark finds no room
 */
export function beginCreation(path: string): Creation | undefined {
  const dataFile = join(path, DATA_FILE);
  const mark = join(path, CREATING_MARK);
  if (existsSync(mark)) removeUnfinished(path, dataFile);
  else if (existsSync(dataFile)) {
    assertLmdbEnvironment(dataFile, path); // lmdb-js segfaults on a damaged environment: refuse it first
    return undefined;
  }
  writeMark(path, mark);
  const clear = () => {
    rmSync(mark, { force: true });
    syncFolder(path);
  };
  return {
    opening: () => truncateSync(mark, 0),
    finished: clear,
    abandoned: () => {
      rmSync(dataFile, { force: true });
      rmSync(join(path, LMDB_LOCK_FILE), { force: true });
      clear();
    },
  };
}

/** A data.mdb beside the mark is one whose creation never finished; if it is sound after all, it stands. */
function removeUnfinished(path: string, dataFile: string): void {
  if (!existsSync(dataFile)) return;
  try {
    assertLmdbEnvironment(dataFile, path);
    return; // LMDB wrote its meta pages; the first transaction was cut short, and LMDB opens it as it is
  } catch (error) {
    if (!(error instanceof HoldfastError) || error.code !== 'STORE_CORRUPT') throw error;
  }
  rmSync(dataFile, { force: true });
  rmSync(join(path, LMDB_LOCK_FILE), { force: true });
}

function writeMark(path: string, mark: string): void {
  try {
    const fd = openSync(mark, 'w', 0o600);
    try {
      writeSync(fd, Buffer.alloc(FIRST_PAGES_BYTES));
    } finally {
      closeSync(fd);
    }
    syncFolder(path);
  } catch (error) {
    rmSync(mark, { force: true });
    if (isStorageFull(error, path)) {
      throw new HoldfastError('STORAGE_FULL', `store ${path} cannot be created: no space left (${describeFree(path)}); free space, then run the command again`, { cause: error, details: { path } });
    }
    throw error;
  }
}

/** The mark's coming and going reach the disk in order with data.mdb's creation. */
function syncFolder(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
