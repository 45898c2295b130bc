/**
 * `checkIntegrity` on LMDB: every database read through one read transaction
 * (one moment of the store, beside a live owner), each value's checksum and
 * shape checked by its own codec, and the cross-references that one commit
 * keeps together checked against each other.
 *
 * Memory stays bounded on a store of millions of actors: each database is a
 * range scan, and the index is checked without holding the actors. Reading
 * the actors, each one's index keys are looked up (every actor has its
 * entries); counting the index then tells whether it holds anything else,
 * and only then is it walked entry by entry to name the strays. What is kept
 * is the set of ids that did not decode (the damage, not the store).
 */
import type { Database, Transaction } from 'lmdb';
import { decodeActorRecord } from './actor-codec.js';
import { indexKeysOf, type IndexKey } from './index-keys.js';
import { decodeJournalEntry } from './journal-codec.js';
import { decodeRecord } from './record-codec.js';
import type { ActorId, ActorRecord, InboxMessage, IntegrityCounts, IntegrityKind, IntegrityVisitor, TimerEntry } from './store.js';

type Key = (string | number)[];
type Db = Database<Buffer, Key>;

export interface IntegrityDatabases {
  actors: Db;
  index: Db;
  inbox: Db;
  timers: Db;
  journal: Db;
  records: Db;
  meta: Db;
}

export interface IntegrityLayout {
  /** Formats 1 and 2 kept a root key for every actor (index-keys.ts). */
  rootKeyForEveryActor: boolean;
  /** Meta keys whose value is a one-byte marker, not a checksummed record. */
  markerPrefix: string;
}

const PRESENT = 1;

export function checkLmdbIntegrity(dbs: IntegrityDatabases, transaction: Transaction, layout: IntegrityLayout, visitor: IntegrityVisitor): IntegrityCounts {
  const counts: IntegrityCounts = { checked: { actors: 0, journal: 0, inbox: 0, timers: 0, index: 0, records: 0, meta: 0 }, collections: {} };
  const report = (kind: IntegrityKind, id: string, problem: string) => visitor.problem({ kind, id, problem });
  const read = { transaction };
  const exists = (db: Db, key: Key) => db.doesExist(key, undefined as never, read);
  const actorExists = (id: string) => exists(dbs.actors, [id]);
  const expectedKeys = (record: ActorRecord): IndexKey[] => {
    const keys = indexKeysOf(record);
    const hasRoot = keys.some((key) => key[0] === 'r');
    return layout.rootKeyForEveryActor && !hasRoot ? [...keys, ['r', record.root, record.id]] : keys;
  };

  for (const { key: stored, value } of dbs.meta.getRange(read)) {
    counts.checked.meta++;
    const key = parts(stored);
    const name = key.join('/');
    if (key[0] === layout.markerPrefix) {
      if (value.length !== 1 || value[0] !== PRESENT) report('meta', name, 'marker is not the one-byte marker');
    } else checked(`meta ${name}`, (what) => decodeRecord(value, what), (reason) => report('meta', name, reason));
  }

  const undecodable = new Set<string>();
  let missingIndex = 0;
  let expectedIndex = 0;
  for (const { key: stored, value } of dbs.actors.getRange(read)) {
    counts.checked.actors++;
    const key = parts(stored);
    const id = key[0];
    if (key.length !== 1 || typeof id !== 'string') {
      report('actors', key.join('/'), 'key is not an actor id');
      continue;
    }
    const record = checked(`actor ${id}`, () => decodeActorRecord(id as ActorId, value), (reason) => report('actors', id, reason));
    if (!record) {
      undecodable.add(id);
      continue;
    }
    if (record.parent !== undefined && !actorExists(record.parent)) report('actors', id, `its parent ${record.parent} does not exist`);
    if (record.root !== record.id && !actorExists(record.root)) report('actors', id, `its root ${record.root} does not exist`);
    for (const indexKey of expectedKeys(record)) {
      expectedIndex++;
      if (!exists(dbs.index, indexKey)) {
        missingIndex++;
        report('actors', id, `index entry ${indexKey.join('/')} is missing: ${describeKey(indexKey)} would not list it`);
      }
    }
    visitor.actor?.(record);
  }

  let indexEntries = 0;
  for (const { key: stored, value } of dbs.index.getRange(read)) {
    indexEntries++;
    const key = parts(stored);
    if (value.length !== 1 || value[0] !== PRESENT) report('index', key.join('/'), 'value is not the one-byte marker');
  }
  counts.checked.index = indexEntries;
  // Every expected key found present and no more entries than that: the index is exactly the actors'.
  if (indexEntries > expectedIndex - missingIndex) findStrays(dbs, read, undecodable, expectedKeys, report);

  let lastOwner: string | undefined;
  for (const { key: stored, value } of dbs.journal.getRange(read)) {
    counts.checked.journal++;
    const key = parts(stored);
    const [actor, seq] = key;
    const name = `${String(actor)}#${String(seq)}`;
    if (key.length !== 2 || typeof actor !== 'string' || typeof seq !== 'number') {
      report('journal', key.join('/'), 'key is not (actor, seq)');
      continue;
    }
    checked(`journal of ${actor}`, (what) => decodeJournalEntry(seq, value, what), (reason) => report('journal', name, reason));
    if (actor !== lastOwner) {
      lastOwner = actor;
      if (!actorExists(actor) && !undecodable.has(actor)) report('journal', actor, 'journal entries of an actor that does not exist');
    }
  }

  let lastTarget: string | undefined;
  for (const { key: stored, value } of dbs.inbox.getRange(read)) {
    counts.checked.inbox++;
    const key = parts(stored);
    const name = key.join('#');
    const message = checked(`inbox message ${name}`, (what) => decodeRecord<InboxMessage>(value, what), (reason) => report('inbox', name, reason));
    if (!message) continue;
    if (message.to !== key[0] || message.seq !== key[1]) report('inbox', name, `message says it is ${message.to}#${message.seq}`);
    if (message.to !== lastTarget) {
      lastTarget = message.to;
      if (!actorExists(message.to) && !undecodable.has(message.to)) report('inbox', name, `waits for ${message.to}, which does not exist`);
    }
  }

  for (const { key: stored, value } of dbs.timers.getRange(read)) {
    counts.checked.timers++;
    const key = parts(stored);
    const name = key.join('/');
    const timer = checked(`timer ${name}`, (what) => decodeRecord<TimerEntry>(value, what), (reason) => report('timers', name, reason));
    if (!timer) continue;
    if (timer.due !== key[0] || timer.actor !== key[1] || timer.id !== key[2]) report('timers', name, `timer says it is ${timer.due}/${timer.actor}/${timer.id}`);
    else if (!actorExists(timer.actor) && !undecodable.has(timer.actor)) report('timers', name, `belongs to ${timer.actor}, which does not exist`);
  }

  for (const { key: stored, value } of dbs.records.getRange(read)) {
    counts.checked.records++;
    const key = parts(stored);
    const [collection, ...rest] = key;
    const name = key.join('/');
    if (typeof collection !== 'string' || rest.length === 0) {
      report('records', name, 'key is not (collection, key)');
      continue;
    }
    counts.collections[collection] = (counts.collections[collection] ?? 0) + 1;
    const decoded = checked(`${collection} record`, (what) => ({ value: decodeRecord<unknown>(value, what) }), (reason) => report('records', name, reason));
    if (decoded) visitor.record?.(collection, rest.length === 1 ? rest[0]! : rest, decoded.value);
  }
  return counts;
}

/** Walks the index naming each entry that is not one of its actor's own keys. */
function findStrays(
  dbs: IntegrityDatabases,
  read: { transaction: Transaction },
  undecodable: ReadonlySet<string>,
  expectedKeys: (record: ActorRecord) => IndexKey[],
  report: (kind: IntegrityKind, id: string, problem: string) => void,
): void {
  let cached: { id: string; keys: IndexKey[] | undefined } | undefined;
  // getRange, not getKeys: after a getKeys under an explicit read transaction, lmdb-js 3.5.6
  // handed every later range of that transaction empty keys (seen on this check's journal scan).
  for (const { key: stored } of dbs.index.getRange(read)) {
    const key = parts(stored);
    const id = key[key.length - 1];
    const name = key.join('/');
    if (!isIndexKey(key) || typeof id !== 'string') {
      report('index', name, 'not an index key');
      continue;
    }
    if (undecodable.has(id)) continue; // its actor is named already
    if (cached?.id !== id) {
      const bytes = dbs.actors.get([id], read);
      let keys: IndexKey[] | undefined;
      try {
        keys = bytes === undefined ? undefined : expectedKeys(decodeActorRecord(id as ActorId, bytes));
      } catch {
        keys = undefined;
      }
      cached = { id, keys };
    }
    if (cached.keys === undefined) report('index', name, `points at ${id}, which does not exist`);
    else if (!cached.keys.some((own) => sameKey(own, key))) report('index', name, `${describeKey(key)} lists ${id}, but its record says otherwise`);
  }
}

/** lmdb-js hands back a one-element array key as its element. */
function parts(key: Key | string | number): Key {
  return Array.isArray(key) ? key : [key];
}

function isIndexKey(key: Key): boolean {
  const width: Record<string, number> = { p: 3, r: 3, m: 4, s: 3 };
  return typeof key[0] === 'string' && width[key[0]] === key.length;
}

/** What an index key answers, in words. */
function describeKey(key: IndexKey): string {
  switch (key[0]) {
    case 'p':
      return key[1] === '' ? 'the list of top actors' : `the children of ${String(key[1])}`;
    case 'r':
      return `the actors of job ${String(key[1])}`;
    case 'm':
      return `the ${String(key[1])} actors in state ${String(key[2])}`;
    default:
      return `the ${String(key[1])} actors`;
  }
}

function sameKey(a: IndexKey, b: Key): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** The value, or undefined after reporting why it could not be read (the codec's words, without its code and subject). */
function checked<T>(what: string, read: (what: string) => T, report: (reason: string) => void): T | undefined {
  try {
    return read(what);
  } catch (error) {
    const message = (error as Error).message.replace(/^\[RECORD_CORRUPT\] /, '');
    report(message.startsWith(`${what}: `) ? message.slice(what.length + 2) : message);
    return undefined;
  }
}
