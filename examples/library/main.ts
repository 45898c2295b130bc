import { createRuntime, defineMachine, startInspector } from '../../src/index.js';
import { counterMachine } from './counter.machine.js';

const counter = defineMachine({ name: 'counter', version: '1', machine: counterMachine });
const runtime = await createRuntime({ store: './.holdfast', machines: [counter] });
const inspector = await startInspector(runtime, { port: 0, machines: [counter] });
console.log(`inspector: ${inspector.url}`); // the page, with a read-only token in it

// The same actor on every run: spawned once, found again after a restart.
const id = (await runtime.get('clicks'))?.id ?? (await runtime.spawn('counter', { start: 0 }, { id: 'clicks' }));
await runtime.send(id, { type: 'increment', by: 2 }); // resolves once the step is on disk
console.log(`count: ${(await runtime.get(id))?.snapshot?.context.count}`); // a number: typed from the machine
// runtime.spawn('nosuch', {}) and runtime.send(id, { type: 'typo' }) do not compile.

await inspector.close();
await runtime.close(); // drain, flush, release the store
