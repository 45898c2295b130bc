/**
 * Where a store's pages go: `node --import tsx bench/tools/store-sizes.ts STORE_FOLDER`
 * prints, per database, its entries, its pages (branch, leaf, overflow) and the bytes of
 * its keys and values, from LMDB's own statistics and one read-only pass over it.
 * What it finds guides the store layout (issue 21: work larger than memory).
 */
import { open } from 'lmdb';
import { join } from 'node:path';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: store-sizes.ts STORE_FOLDER');
  process.exit(2);
}
const root = open({ path: folder, readOnly: true, encoding: 'binary', maxDbs: 16, noSubdir: false });
const names = ['actors', 'index', 'inbox', 'timers', 'journal', 'records', 'meta'];
const rows: string[][] = [['db', 'entries', 'leaf pages', 'overflow pages', 'branch pages', 'MB', 'key B/entry', 'value B/entry']];
let totalPages = 0;
for (const name of names) {
  const db = root.openDB({ name, encoding: 'binary', compression: false });
  const stat = db.getStats() as { entryCount: number; treeLeafPageCount: number; overflowPages: number; treeBranchPageCount: number; pageSize: number };
  let keyBytes = 0;
  let valueBytes = 0;
  for (const { key, value } of db.getRange({})) {
    keyBytes += Buffer.byteLength(JSON.stringify(key));
    valueBytes += (value as Buffer).length;
  }
  const pages = stat.treeLeafPageCount + stat.overflowPages + stat.treeBranchPageCount;
  totalPages += pages;
  const per = (bytes: number) => (stat.entryCount ? Math.round(bytes / stat.entryCount) : 0);
  rows.push([name, String(stat.entryCount), String(stat.treeLeafPageCount), String(stat.overflowPages), String(stat.treeBranchPageCount), ((pages * stat.pageSize) / 2 ** 20).toFixed(1), String(per(keyBytes)), String(per(valueBytes))]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i]!)).join('  '));
console.log(`pages in all databases: ${totalPages}; data file: ${join(folder, 'data.mdb')}`);
await root.close();
