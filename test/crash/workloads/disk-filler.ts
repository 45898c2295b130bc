/**
 * Crash workload: fills a small disk. Spawns COUNT counters and stashes a
 * PAYLOAD-byte string in each, WIDTH at a time, printing `ACK <id>` once each
 * stash is acknowledged (durable), `FULL <code>` when the runtime reports
 * runtime.storageFull, `RECOVERED` on runtime.storageRecovered, and DONE once
 * every counter holds its payload.
 * Usage: disk-filler.ts STORE COUNT PAYLOAD WIDTH
 */
import { createRuntime } from '../../../src/create-runtime.js';
import { counter } from '../../fixtures/machines.js';

const [store, count, payload, width] = process.argv.slice(2);
const runtime = await createRuntime({ store: store!, machines: [counter] });
runtime.subscribe((event) => {
  if (event.type === 'runtime.storageFull') console.log(`FULL ${event.error.code}`);
  if (event.type === 'runtime.storageRecovered') console.log('RECOVERED');
});
console.log('READY');

const ids = Array.from({ length: Number(count) }, (_, i) => `f${String(i).padStart(5, '0')}`);
let next = 0;
async function fill(): Promise<void> {
  while (next < ids.length) {
    const id = ids[next++]!;
    if (!(await runtime.get(id))) await runtime.spawn('counter', {}, { id });
    await runtime.send(id, { type: 'stash', payload: `${id}:${'x'.repeat(Number(payload))}` });
    console.log(`ACK ${id}`);
  }
}
await Promise.all(Array.from({ length: Number(width) }, () => fill()));
console.log('DONE');
await runtime.close();
