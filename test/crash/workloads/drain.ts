/**
 * Crash workload: the parent-children workload, drained on SIGTERM. On
 * SIGTERM it closes the runtime (no new work; running effects finish or are
 * interrupted; everything flushed; the store released), prints DRAINED and
 * exits on its own once nothing is left running: a leaked handle would keep it
 * alive. Prints READY once open, WORKING at the first finished effect, DONE
 * when the parent is final.
 * Usage: drain.ts STORE LEDGER CHILDREN DELAY_MS
 */
import { createRuntime } from '../../../src/create-runtime.js';
import { HoldfastError } from '../../../src/errors.js';
import { child, parent } from '../../fixtures/machines.js';

const [store, ledger, children, delayMs] = process.argv.slice(2);
const runtime = await createRuntime({ store: store!, machines: [parent, child], limits: { concurrency: 8 } });
let draining = false;
process.once('SIGTERM', () => {
  draining = true;
  const closed = runtime.close();
  runtime.spawn('child', { index: -1 }).then(
    () => console.log('NEW WORK TAKEN'),
    (error: HoldfastError) => console.log(`NEW WORK REFUSED ${error.code}`),
  );
  closed.then(
    () => console.log('DRAINED'),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
});
const unsubscribe = runtime.subscribe((event) => {
  if (event.type !== 'effect.finished') return;
  console.log('WORKING');
  unsubscribe();
});
console.log('READY');
try {
  if (!(await runtime.get('root'))) await runtime.spawn('parent', { children: Number(children), ...(ledger ? { ledger } : {}), delayMs: Number(delayMs) }, { id: 'root' });
  await runtime.waitFor('root', (record) => record.status !== 'active', 120_000);
  console.log('DONE');
  await runtime.close();
} catch (error) {
  if (!draining || !(error instanceof HoldfastError) || error.code !== 'RUNTIME_CLOSED') throw error;
}
