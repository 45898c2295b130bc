/**
 * The memory store's tables: the seven of the LMDB store (DESIGN.md's store
 * layout), each a SortedTree from a key's bytes (ordered-keys.ts) to the bytes
 * the LMDB store would keep under it (as a Stored string). One published version of all seven is
 * one moment of the store; a commit drafts all seven and publishes them together.
 */
import { SortedTree, type TreeDraft } from './sorted-tree.js';

export const TABLES = ['actors', 'index', 'inbox', 'timers', 'journal', 'records', 'meta'] as const;
export type Table = (typeof TABLES)[number];
/** One published version of every table. */
export type Tables = Record<Table, SortedTree<Stored>>;
export type Drafts = Record<Table, TreeDraft<Stored>>;

/**
 * A stored value: its bytes as a latin1 string (one char per byte), not a Buffer. The codecs'
 * small Buffers are views on shared 8 KB slabs, and a kept view keeps its whole slab: 20,000
 * actors written 10 times each held 7.7 MB of slabs beside the heap as Buffers, growing with
 * every overwrite, and nothing beside the heap as strings (the heap the same, 15 MB).
 */
export type Stored = string;
export const stored = (bytes: Buffer): Stored => bytes.toString('latin1');
export const bytesOf = (value: Stored): Buffer => Buffer.from(value, 'latin1');

export function emptyTables(): Tables {
  return Object.fromEntries(TABLES.map((name) => [name, SortedTree.empty<Stored>()])) as Tables;
}

/** Drafts of the next version; `tables` stay as they are. */
export function draftsOf(tables: Tables): Drafts {
  return Object.fromEntries(TABLES.map((name) => [name, tables[name].draft()])) as Drafts;
}

/** The drafts as the next version, all seven at once. */
export function publish(drafts: Drafts): Tables {
  return Object.fromEntries(TABLES.map((name) => [name, drafts[name].publish()])) as Tables;
}
