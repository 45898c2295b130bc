/**
 * What the memory store does with its tables as a whole: check them with the
 * LMDB store's own integrity check, and copy them into a new LMDB store (its
 * backup, which opens with openLmdbStore, so a memory store can be kept).
 * Both read one published version of the tables: one moment of the store,
 * however many commits land meanwhile.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Transaction } from 'lmdb';
import { HoldfastError } from '../errors.js';
import { decodeActorRecord } from './actor-codec.js';
import { decodeJournalEntry } from './journal-codec.js';
import { checkLmdbIntegrity, type IntegrityDatabases } from './lmdb-integrity.js';
import { openLmdbStore } from './lmdb-store.js';
import { bytesOf, type Stored, type Tables } from './memory-tables.js';
import { decodeKey, encodeKey, type Key } from './ordered-keys.js';
import { decodeRecord } from './record-codec.js';
import type { SortedTree } from './sorted-tree.js';
import { DATA_FILE } from './store-folder.js';
import type { ActorId, InboxMessage, IntegrityCounts, IntegrityVisitor, Mutation, TimerEntry } from './store.js';

/** Mutations per transaction of a copy: bounds the copy's memory beside the store's. */
const COPY_BATCH = 2_000;
/** Meta keys the new store writes itself: its format, its commit chain's marker. */
const OWN_META = new Set(['format', 'commitChain']);

/**
 * lmdb-integrity.ts reads a database through getRange, doesExist and get with a read
 * transaction; a published table answers the same three as of its version, so the checks
 * (every value's codec, the index against the actors, messages, timers and journal against
 * their actors) are the LMDB store's own, not a copy of them.
 */
export function checkMemoryIntegrity(tables: Tables, visitor: IntegrityVisitor): IntegrityCounts {
  const view = (table: SortedTree<Stored>) => ({
    getRange: () => mapEntries(table, (key, value) => ({ key: decodeKey(key), value })),
    doesExist: (key: Key) => table.get(encodeKey(key)) !== undefined,
    get: (key: Key) => {
      const value = table.get(encodeKey(key));
      return value === undefined ? undefined : bytesOf(value);
    },
  });
  const dbs = { actors: view(tables.actors), index: view(tables.index), inbox: view(tables.inbox), timers: view(tables.timers), journal: view(tables.journal), records: view(tables.records), meta: view(tables.meta) };
  // The three methods are all the check calls; the version read is the transaction.
  return checkLmdbIntegrity(dbs as unknown as IntegrityDatabases, undefined as unknown as Transaction, { rootKeyForEveryActor: false, markerPrefix: 'commitChain' }, visitor);
}

/**
 * Writes the tables into a new LMDB store in `folder`, in transactions of COPY_BATCH
 * mutations, the last flushed. Actors are written with their index keys as a commit makes them.
 * @throws INVALID_INPUT when `folder` already holds a store; the LMDB store's errors (STORAGE_FULL...)
 * when a write fails, leaving an incomplete store in `folder` to delete, as a failed LMDB backup does.
 */
export async function writeLmdbCopy(tables: Tables, folder: string): Promise<void> {
  if (existsSync(join(resolve(folder), DATA_FILE))) throw new HoldfastError('INVALID_INPUT', `${folder} already holds a store`, { details: { path: folder } });
  const copy = openLmdbStore(folder);
  try {
    let batch: Mutation[] = [];
    for (const mutation of mutationsOf(tables)) {
      batch.push(mutation);
      if (batch.length < COPY_BATCH) continue;
      await copy.commit(batch, 'commit');
      batch = [];
    }
    await copy.commit(batch, 'flush');
    for (const [key, value] of tables.meta.entries()) {
      const name = String(decodeKey(key)[0]);
      if (!OWN_META.has(name)) await copy.putMeta(name, decodeRecord(bytesOf(value), `meta ${name}`));
    }
  } finally {
    await copy.close();
  }
}

/** Every row of the tables as the mutation that writes it (the index follows from the actors). */
function* mutationsOf(tables: Tables): Iterable<Mutation> {
  for (const [key, value] of tables.actors.entries()) {
    const id = decodeKey(key)[0] as ActorId;
    yield { op: 'putActor', record: decodeActorRecord(id, bytesOf(value)) };
  }
  for (const [key, value] of tables.journal.entries()) {
    const [actor, seq] = decodeKey(key) as [ActorId, number];
    yield { op: 'putJournal', actor, entry: decodeJournalEntry(seq, bytesOf(value), `journal of ${actor}`) };
  }
  for (const [, value] of tables.inbox.entries()) yield { op: 'putInbox', message: decodeRecord<InboxMessage>(bytesOf(value), 'inbox message') };
  for (const [, value] of tables.timers.entries()) yield { op: 'putTimer', timer: decodeRecord<TimerEntry>(bytesOf(value), 'timer') };
  for (const [key, value] of tables.records.entries()) {
    const [collection, ...rest] = decodeKey(key);
    const name = String(collection);
    yield { op: 'putRecord', collection: name, key: rest.length === 1 ? rest[0]! : rest, value: decodeRecord(bytesOf(value), `${name} record`) };
  }
}

function* mapEntries<T>(table: SortedTree<Stored>, mapper: (key: string, value: Buffer) => T): Iterable<T> {
  for (const [key, value] of table.entries()) yield mapper(key, bytesOf(value));
}
