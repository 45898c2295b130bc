/**
 * Crash workload: COUNT sleepers, each waiting MS durably, then finishing.
 * Prints `SPAWNED <time>` once every sleeper is durable (first run only),
 * READY once the runtime is open, and DONE when every sleeper is final.
 * Usage: sleepers.ts STORE COUNT MS
 */
import { createRuntime } from '../../../src/create-runtime.js';
import { sleeper } from '../../fixtures/machines.js';

const [store, count, ms] = process.argv.slice(2);
const runtime = await createRuntime({ store: store!, machines: [sleeper] });
console.log('READY');
const ids = Array.from({ length: Number(count) }, (_, i) => `s${i}`);
if (!(await runtime.get(ids[0]!))) {
  await Promise.all(ids.map((id) => runtime.spawn('sleeper', { ms: Number(ms) }, { id })));
  console.log(`SPAWNED ${Date.now()}`);
}
for (const id of ids) await runtime.waitFor(id, (record) => record.status !== 'active', 30_000);
console.log('DONE');
await runtime.close();
