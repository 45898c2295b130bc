/**
 * Crash workload for effect re-runs. Two actors, each running one effect that
 * appends `<actor> <idempotency key> <attempt>` to LEDGER:
 *   `blocked`: its first attempt prints BLOCKING and never finishes (the test
 *              kills the process there); later attempts finish at once.
 *   `once`:    finishes at once; the actor then waits in `holding` for `release`.
 * First run: prints HELD once `once` holds (its result committed) and BLOCKING.
 * Restart: waits for `blocked` to finish and the runtime to settle, releases
 * `once`, prints DONE.
 * Usage: ledger-effects.ts STORE LEDGER
 */
import { appendFileSync } from 'node:fs';
import { setup } from 'xstate';
import { createRuntime } from '../../../src/create-runtime.js';
import { defineMachine } from '../../../src/runtime/machine-registry.js';
import { effect } from '../../../src/runtime/effect.js';

const [store, ledger] = process.argv.slice(2);

const recorded = setup({ actors: { record: effect<null, { name: string }>(async () => null) } }).createMachine({
  id: 'recorded',
  context: ({ input }: { input: { name: string } }) => ({ name: input.name }),
  initial: 'running',
  states: {
    running: { invoke: { id: 'record', src: 'record', input: ({ context }) => ({ name: context.name }), onDone: 'holding' } },
    holding: { on: { release: 'released' } },
    released: { type: 'final' },
  },
});

const record = effect<null, { name: string }>(async (input, { idempotencyKey, attempt, signal }) => {
  appendFileSync(ledger!, `${input.name} ${idempotencyKey} ${attempt}\n`);
  if (input.name === 'blocked' && attempt === 1) {
    console.log('BLOCKING');
    // Blocks until aborted; the interval keeps the process alive meanwhile (a bare pending promise would not).
    const alive = setInterval(() => {}, 1_000);
    await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })).finally(() => clearInterval(alive));
  }
  return null;
});

const machine = defineMachine({ name: 'recorded', version: '1', machine: recorded.provide({ actors: { record } }) });
const runtime = await createRuntime({ store: store!, machines: [machine] });
console.log('READY');
if (!(await runtime.get('once'))) {
  await runtime.spawn('recorded', { name: 'once' }, { id: 'once' });
  await runtime.waitFor('once', (r) => r.state === 'holding', 10_000);
  console.log('HELD');
  await runtime.spawn('recorded', { name: 'blocked' }, { id: 'blocked' });
} else {
  await runtime.waitFor('blocked', (r) => r.state === 'holding', 10_000);
  await runtime.whenIdle(10_000);
  await runtime.send('once', { type: 'release' });
  await runtime.send('blocked', { type: 'release' });
  console.log('DONE');
  await runtime.close();
}
