/**
 * Crash workload: owns a store and holds it until killed.
 * Prints `READY <pid>` once the runtime is open (with actor `held` spawned),
 * or `REFUSED <code> <ownerPid>` and exits 3 when the store cannot be taken.
 * Usage: hold-store.ts STORE
 */
import { createRuntime } from '../../../src/create-runtime.js';
import { HoldfastError } from '../../../src/errors.js';
import { counter } from '../../fixtures/machines.js';

const [store] = process.argv.slice(2);
try {
  const runtime = await createRuntime({ store: store!, machines: [counter] });
  if (!(await runtime.get('held'))) await runtime.spawn('counter', {}, { id: 'held' });
  await runtime.send('held', { type: 'increment' });
  console.log(`READY ${process.pid}`);
  setInterval(() => {}, 1 << 30); // hold the store until killed
} catch (error) {
  if (!(error instanceof HoldfastError)) throw error;
  console.log(`REFUSED ${error.code} ${String(error.details?.ownerPid ?? '')} ${error.message}`);
  process.exitCode = 3;
}
