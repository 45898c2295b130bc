/**
 * Crash workload: WORKERS ordinary actors, each running a short effect, and
 * one `poison` actor whose effect SIGKILLs its own process on every attempt
 * (maxRecoveries MAX). Prints READY once open, then `DONE <poison status>
 * <poison error code>` once the poison actor is at rest and every worker is done.
 * With CHORE_MS, each worker's effect takes that long and the workers have the
 * poison's recovery limit: they are in flight beside it at every crash.
 * Usage: poison.ts STORE WORKERS MAX [CHORE_MS]
 */
import { setup } from 'xstate';
import { createRuntime } from '../../../src/create-runtime.js';
import { defineMachine } from '../../../src/runtime/machine-registry.js';
import { effect } from '../../../src/runtime/effect.js';

const [store, workers, max, choreMs] = process.argv.slice(2);

const oneEffect = setup({ actors: { chore: effect<null, null>(async () => null) } }).createMachine({
  id: 'one-effect',
  initial: 'working',
  states: { working: { invoke: { src: 'chore', id: 'chore', input: null, onDone: 'finished' } }, finished: { type: 'final' } },
});

const chore = effect<null, null>(async () => {
  await new Promise((resolve) => setTimeout(resolve, Number(choreMs ?? 10)));
  return null;
});
const killer = effect<null, null>(async () => {
  process.kill(process.pid, 'SIGKILL');
  return null;
});

const worker = defineMachine({ name: 'worker', version: '1', machine: oneEffect.provide({ actors: { chore } }), ...(choreMs ? { maxRecoveries: Number(max) } : {}) });
const poison = defineMachine({ name: 'poison', version: '1', maxRecoveries: Number(max), machine: oneEffect.provide({ actors: { chore: killer } }) });

const runtime = await createRuntime({ store: store!, machines: [worker, poison] });
console.log('READY');
const ids = Array.from({ length: Number(workers) }, (_, i) => `w${i}`);
if (!(await runtime.get('poison'))) {
  await Promise.all(ids.map((id) => runtime.spawn('worker', null, { id })));
  await runtime.spawn('poison', null, { id: 'poison' });
}
const rested = await runtime.waitFor('poison', (record) => record.status !== 'active', 30_000);
for (const id of ids) await runtime.waitFor(id, (record) => record.status === 'done', 30_000);
console.log(`DONE ${rested.status} ${rested.error?.code ?? '-'}`);
await runtime.close();
