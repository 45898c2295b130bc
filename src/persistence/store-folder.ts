/**
 * Is there a store in this folder? Checked before anything opens or creates one.
 *
 * A folder without data.mdb is a new store for an owner and STORE_MISSING for a
 * reader (which never creates one). But the files that exist only beside a
 * data.mdb (LMDB's own lock file, which LMDB creates with it; owner.lock and
 * owner.sock, written once it is open) mean its data file was deleted or moved:
 * that is STORE_CORRUPT for everyone, never a fresh store over the old one's place
 * (unless the creation mark says that store was never finished: store-creation.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HoldfastError } from '../errors.js';

export const DATA_FILE = 'data.mdb';
export const LMDB_LOCK_FILE = 'data.mdb-lock';
/** Present while a store is being created (store-creation.ts). */
export const CREATING_MARK = 'data.mdb-creating';
/** Files that exist only where a data.mdb was. */
const BESIDE_DATA = [LMDB_LOCK_FILE, 'owner.lock', 'owner.sock'];

/**
 * Throws unless `path` holds a data.mdb, or is free for a new store (`readOnly` false).
 * @throws STORE_MISSING for a reader when the folder holds no store
 * @throws STORE_CORRUPT when holdfast's other files are there without data.mdb
 */
export function assertStoreFolder(path: string, readOnly: boolean): void {
  const creating = existsSync(join(path, CREATING_MARK));
  if (creating && readOnly) throw new HoldfastError('STORE_MISSING', `no store at ${path} yet: its creation has not finished (its next owner finishes it)`, { details: { path } });
  if (existsSync(join(path, DATA_FILE))) return;
  // A creation cut short may leave LMDB's reader table: the mark says it is not a lost store's.
  const left = BESIDE_DATA.filter((name) => existsSync(join(path, name)) && !(creating && name === LMDB_LOCK_FILE));
  if (left.length > 0) {
    throw new HoldfastError(
      'STORE_CORRUPT',
      `store ${path} has no ${DATA_FILE} but holds ${left.join(', ')}: its data file was deleted or moved; put it back or restore a backup (a store is never recreated in its place)`,
      { details: { path, missing: DATA_FILE, found: left } },
    );
  }
  if (readOnly) throw new HoldfastError('STORE_MISSING', `no store at ${path}; use --store`, { details: { path } });
}
