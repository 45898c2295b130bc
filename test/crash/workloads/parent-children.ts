/**
 * Crash workload: one parent, N children; each child appends to a ledger
 * (outside the store), waits a durable delay, then tells its parent.
 * Prints READY once the runtime is open, DONE when the parent is final.
 * Usage: parent-children.ts STORE LEDGER CHILDREN DELAY_MS
 */
import { createRuntime } from '../../../src/create-runtime.js';
import { child, parent } from '../../fixtures/machines.js';

const [store, ledger, children, delayMs] = process.argv.slice(2);
// Kills land every few hundred ms here, so a child whose effect runs alone after a restart can be
// hit five times running and be parked as a poison (a crash loop, by the runtime's measure). This
// test is about exactly-once under kills, poison.test.ts about parking: the limit sits above the kills.
const patientChild = { ...child, maxRecoveries: 100 };
const runtime = await createRuntime({ store: store!, machines: [parent, patientChild], limits: { concurrency: 8 } });
console.log('READY');
if (!(await runtime.get('root'))) await runtime.spawn('parent', { children: Number(children), ...(ledger ? { ledger } : {}), delayMs: Number(delayMs) }, { id: 'root' });
await runtime.waitFor('root', (record) => record.status !== 'active', 600_000);
console.log('DONE');
await runtime.close();
