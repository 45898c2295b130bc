import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbStore } from './src/create-runtime.js';
const dir = mkdtempSync(join(tmpdir(), 'chain-stress-'));
const store = openLmdbStore(dir) as any;
let failures = 0;
let ok = 0;
const started = Date.now();
const writers = Array.from({ length: 8 }, async (_, w) => {
  let i = 0;
  while (Date.now() - started < Number(process.argv[2] ?? 30) * 1000) {
    const durability = i % 3 === 0 ? 'flush' : 'commit';
    const p = store.commit([{ op: 'putRecord', collection: 'c', key: [w, i++], value: { x: 'y'.repeat(i % 500) } }], durability);
    if (i % 4 !== 0) await p.then(() => ok++, (e: any) => { failures++; if (failures < 5) console.log('FAIL', e.code, e.message); });
    else p.then(() => ok++, (e: any) => { failures++; if (failures < 5) console.log('FAIL', e.code, e.message); });
    if (i % 50 === 0) await new Promise((r) => setTimeout(r, Math.random() * 5));
  }
});
await Promise.all(writers);
await new Promise((r) => setTimeout(r, 500));
console.log(`ok ${ok} failures ${failures}`);
await store.close();
