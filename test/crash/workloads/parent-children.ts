/**
 * Crash workload: one parent, N children; each child appends to a ledger
 * (outside the store), waits a durable delay, then tells its parent.
 * Prints READY once the runtime is open, DONE when the parent is final.
 * Usage: parent-children.ts STORE LEDGER CHILDREN DELAY_MS
 */
import { createRuntime } from '../../../src/index.js';
import { child, parent } from '../../fixtures/machines.js';

const [store, ledger, children, delayMs] = process.argv.slice(2);
const runtime = await createRuntime({ store: store!, machines: [parent, child], limits: { concurrency: 8 } });
console.log('READY');
if (!runtime.get('root')) await runtime.spawn('parent', { children: Number(children), ledger, delayMs: Number(delayMs) }, { id: 'root' });
await runtime.waitFor('root', (record) => record.status !== 'active', 600_000);
console.log('DONE');
await runtime.close();
