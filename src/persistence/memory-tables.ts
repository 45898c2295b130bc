/**
 * The memory store's tables: the seven of the LMDB store (DESIGN.md's store
 * layout), each a SortedTree from a key's bytes (ordered-keys.ts) to the bytes
 * the LMDB store would keep under it. One published version of all seven is
 * one moment of the store; a commit drafts all seven and publishes them together.
 */
import { SortedTree, type TreeDraft } from './sorted-tree.js';

export const TABLES = ['actors', 'index', 'inbox', 'timers', 'journal', 'records', 'meta'] as const;
export type Table = (typeof TABLES)[number];
/** One published version of every table. */
export type Tables = Record<Table, SortedTree<Buffer>>;
export type Drafts = Record<Table, TreeDraft<Buffer>>;

export function emptyTables(): Tables {
  return Object.fromEntries(TABLES.map((name) => [name, SortedTree.empty<Buffer>()])) as Tables;
}

/** Drafts of the next version; `tables` stay as they are. */
export function draftsOf(tables: Tables): Drafts {
  return Object.fromEntries(TABLES.map((name) => [name, tables[name].draft()])) as Drafts;
}

/** The drafts as the next version, all seven at once. */
export function publish(drafts: Drafts): Tables {
  return Object.fromEntries(TABLES.map((name) => [name, drafts[name].publish()])) as Tables;
}
