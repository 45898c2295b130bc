/**
 * Workload: opens the store read-only, reads the actors' index, and closes it,
 * again and again for SECONDS, as `holdfast jobs` run in a shell loop (or a
 * test polling the store) does beside a running owner. Prints
 * `{"event":"reader.opens","opens":N}` every 50 opens. Usage: reader-loop.ts STORE SECONDS
 */
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';

const [path, seconds] = [process.argv[2]!, Number(process.argv[3] ?? 10)];
const end = Date.now() + seconds * 1000;
let opens = 0;
while (Date.now() < end) {
  const store = openLmdbStore(path, { readOnly: true });
  store.countActors({ status: 'active' });
  await store.close();
  if (++opens % 50 === 0) console.log(JSON.stringify({ event: 'reader.opens', opens }));
  await new Promise((resolve) => setTimeout(resolve, 2));
}
