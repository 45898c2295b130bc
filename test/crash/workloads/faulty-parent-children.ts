/**
 * Crash workload: the parent-children workload with named fault points armed
 * from HOLDFAST_FAULT_POINTS (`committer.beforeCommit:3,...`): an armed point
 * SIGKILLs the process on its n-th visit. Prints READY once the runtime is
 * open, DONE when the parent is final.
 * Usage: faulty-parent-children.ts STORE LEDGER CHILDREN DELAY_MS
 */
import { createRuntime } from '../../../src/create-runtime.js';
import { armFaultPointsFromSpec } from '../../../src/testing/index.js';
import { child, parent } from '../../fixtures/machines.js';

armFaultPointsFromSpec(process.env.HOLDFAST_FAULT_POINTS);
const [store, ledger, children, delayMs] = process.argv.slice(2);
const runtime = await createRuntime({ store: store!, machines: [parent, child], limits: { concurrency: 8 } });
console.log('READY');
if (!(await runtime.get('root'))) await runtime.spawn('parent', { children: Number(children), ...(ledger ? { ledger } : {}), delayMs: Number(delayMs) }, { id: 'root' });
await runtime.waitFor('root', (record) => record.status !== 'active', 120_000);
console.log('DONE');
await runtime.close();
