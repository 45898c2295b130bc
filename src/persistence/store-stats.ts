/**
 * What the LMDB environment says of its size (read-only, for metrics): the
 * data file's bytes, the pages written so far, the map's size, and the free
 * map (LMDB's freelist: pages freed by old transactions that new writes reuse
 * before the file grows). Reads the environment's stat and the file's size;
 * writes nothing.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { RootDatabase } from 'lmdb';
import { DATA_FILE } from './store-folder.js';
import type { StoreStats } from './store.js';

interface EnvironmentStat {
  pageSize: number;
  mapSize: number;
  lastPageNumber: number;
  numReaders: number;
  free?: { entryCount: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
}

/** The environment's stat (lmdb-js `getStats()`, whose type says only `{}`) and the data file's size. */
export function readStoreStats(root: Pick<RootDatabase, 'getStats'>, folder: string): StoreStats {
  const stat = root.getStats() as EnvironmentStat;
  const free = stat.free;
  let fileBytes = 0;
  try {
    fileBytes = statSync(join(folder, DATA_FILE)).size;
  } catch {
    fileBytes = 0; // the file was moved away under a running store: its size is unknown, the rest still holds
  }
  return {
    fileBytes,
    usedBytes: (stat.lastPageNumber + 1) * stat.pageSize,
    mapBytes: stat.mapSize,
    pageSize: stat.pageSize,
    freeMapEntries: free?.entryCount ?? 0,
    freeMapPages: free ? free.treeBranchPageCount + free.treeLeafPageCount + free.overflowPages : 0,
    readers: stat.numReaders,
  };
}
