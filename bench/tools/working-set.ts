/**
 * How many of a store's pages an import touches, and how far apart in time:
 * `node --import tsx bench/tools/working-set.ts [OBJECTS]` runs the import of
 * bench/lib/import-graph.ts on LMDB, records the key of every write and of
 * every actor read, places each key on a leaf page of its database (its rank
 * among the keys the run wrote, pages as full as LMDB's own statistics say at
 * the end), and prints, per database and in all, the share of page accesses
 * an LRU page cache of a given size would miss: the reads from disk a run
 * larger than memory pays (issue 21). A model: pages split and merge as a run
 * goes; ranks at the end place keys where they settle.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { importMachines } from '../../src/adapters/import/import-machines.js';
import { inProcessService } from '../../src/adapters/import/import-service.js';
import { createRuntime, openLmdbStore } from '../../src/index.js';
import { indexChanges, indexKeysOf } from '../../src/persistence/index-keys.js';
import { encodeKey, type Key } from '../../src/persistence/ordered-keys.js';
import type { ActorId, Durability, Mutation, Store } from '../../src/persistence/store.js';
import { writeImportGraph } from '../lib/import-graph.js';
import { tempFolder } from '../lib/temp.js';

const objects = Number(process.argv[2] ?? 10_000);
const DBS = ['actors', 'index', 'inbox', 'timers', 'journal', 'records'] as const;
type Db = (typeof DBS)[number];

/** Every access, in order: its database and its key's bytes (a latin1 string, LMDB's order). */
const accessDb: number[] = [];
const accessKey: string[] = [];
const touch = (db: Db, key: Key) => {
  accessDb.push(DBS.indexOf(db));
  accessKey.push(encodeKey(key));
};

function trace(mutation: Mutation): void {
  switch (mutation.op) {
    case 'putActor': {
      touch('actors', [mutation.record.id]);
      const { removed, added } = indexChanges(mutation.previous, mutation.record);
      for (const key of [...removed, ...added]) touch('index', key);
      return;
    }
    case 'deleteActor':
      touch('actors', [mutation.record.id]);
      for (const key of indexKeysOf(mutation.record)) touch('index', key);
      return;
    case 'putJournal':
      return touch('journal', [mutation.actor, mutation.entry.seq]);
    case 'putInbox':
      return touch('inbox', [mutation.message.to, mutation.message.seq]);
    case 'deleteInbox':
      return touch('inbox', [mutation.to, mutation.seq]);
    case 'putTimer':
      return touch('timers', [mutation.timer.due, mutation.timer.actor, mutation.timer.id]);
    case 'deleteTimer':
      return touch('timers', [mutation.due, mutation.actor, mutation.id]);
    case 'putRecord':
    case 'deleteRecord':
      return touch('records', [mutation.collection, ...(Array.isArray(mutation.key) ? mutation.key : [mutation.key])]);
    default:
      return;
  }
}

function traced(inner: Store & { sync: NonNullable<Store['sync']> }): Store {
  const sync = new Proxy(inner.sync, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (property === 'getActor') return (id: string) => (touch('actors', [id]), inner.sync.getActor(id as ActorId));
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'commit') {
        return (mutations: readonly Mutation[], durability: Durability, onWritten?: () => void) => {
          for (const mutation of mutations) trace(mutation);
          return inner.commit(mutations, durability, onWritten);
        };
      }
      if (property === 'sync') return sync;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const graph = tempFolder('working-set-graph');
const storeFolder = tempFolder('working-set-store');
writeImportGraph(graph.path, objects);
const service = inProcessService({
  createObject: async (request) => ({ identifiers: { id: request.idempotencyKey } }),
  createLink: async (request) => ({ identifiers: { id: request.idempotencyKey } }),
});
const store = openLmdbStore(join(storeFolder.path, 'store'));
const runtime = await createRuntime({ store: traced(store as never), machines: importMachines({ services: { bench: service } }), durability: 'flush' });
const started = performance.now();
await runtime.spawn('importBatch', { file: join(graph.path, 'import.jsonl'), linkTags: join(graph.path, 'link-tags.json'), service: 'bench' }, { id: 'bench' });
await runtime.waitFor('bench', (record) => record.status !== 'active', 3_600_000);
const seconds = (performance.now() - started) / 1000;
await runtime.close();
await store.close();

// Keys per leaf page at the end, from LMDB's statistics (a database empty at the end: 4 KB at half fill of its mean entry).
const root = open({ path: join(storeFolder.path, 'store', 'data.mdb'), readOnly: true, encoding: 'binary', maxDbs: 12 });
const perPage = new Map<number, number>();
for (const [i, name] of DBS.entries()) {
  const stat = root.openDB({ name, encoding: 'binary', compression: false }).getStats() as { entryCount: number; treeLeafPageCount: number };
  perPage.set(i, stat.entryCount > 0 && stat.treeLeafPageCount > 0 ? stat.entryCount / stat.treeLeafPageCount : 20);
}
await root.close();
const storeMb = statSync(join(storeFolder.path, 'store', 'data.mdb')).size / 2 ** 20;
graph.remove();
storeFolder.remove();

// Each key's page: its rank among the database's keys, over keys per page.
const pageOf = new Int32Array(accessKey.length);
let nextPage = 0;
const pagesOfDb = new Map<number, number>();
for (const [i] of DBS.entries()) {
  const keys = [...new Set(accessKey.filter((_, a) => accessDb[a] === i))].sort();
  const rank = new Map(keys.map((key, r) => [key, r]));
  const per = perPage.get(i)!;
  const pages = Math.ceil(keys.length / per);
  pagesOfDb.set(i, pages);
  for (let a = 0; a < accessKey.length; a++) if (accessDb[a] === i) pageOf[a] = nextPage + Math.floor(rank.get(accessKey[a]!)! / per);
  nextPage += pages;
}

// LRU stack distance of each access (distinct pages since the page's last access), with a Fenwick tree over time.
const n = pageOf.length;
const tree = new Int32Array(n + 1);
const add = (i: number, delta: number) => {
  for (i++; i <= n; i += i & -i) tree[i]! += delta;
};
const sum = (i: number) => {
  let total = 0;
  for (i++; i > 0; i -= i & -i) total += tree[i]!;
  return total;
};
const lastAccess = new Int32Array(nextPage).fill(-1);
const distance = new Int32Array(n); // -1: the first access to its page
for (let t = 0; t < n; t++) {
  const page = pageOf[t]!;
  const before = lastAccess[page]!;
  if (before < 0) distance[t] = -1;
  else {
    distance[t] = sum(t - 1) - sum(before);
    add(before, -1);
  }
  add(t, 1);
  lastAccess[page] = t;
}

// Cache sizes as shares of the modelled pages: 1M objects (a 4 GB store) in 600 MB leave about 5 % for pages.
const shares = [0.02, 0.05, 0.1, 0.2];
console.log(`import of ${objects} objects: ${seconds.toFixed(1)} s, ${n} page accesses, store ${storeMb.toFixed(0)} MB, ${nextPage} leaf pages modelled (${((nextPage * 4096) / 2 ** 20).toFixed(0)} MB)`);
console.log(`misses per object of an LRU page cache holding a share of the pages (a first access to a page not counted):`);
console.log(['db'.padEnd(8), 'accesses'.padStart(9), 'pages'.padStart(7), ...shares.map((share) => `${share * 100}%`.padStart(8))].join(' '));
const row = (label: string, include: (a: number) => boolean, pages: number) => {
  let count = 0;
  const misses = shares.map(() => 0);
  for (let a = 0; a < n; a++) {
    if (!include(a)) continue;
    count++;
    const d = distance[a]!;
    if (d < 0) continue;
    shares.forEach((share, c) => {
      if (d >= share * nextPage) misses[c]!++;
    });
  }
  console.log([label.padEnd(8), String(count).padStart(9), String(pages).padStart(7), ...misses.map((m) => (m / objects).toFixed(2).padStart(8))].join(' '));
};
for (const [i, name] of DBS.entries()) row(name, (a) => accessDb[a] === i, pagesOfDb.get(i)!);
row('all', () => true, nextPage);
