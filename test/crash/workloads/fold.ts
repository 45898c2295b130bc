/**
 * Crash workload for folding: adds a finished foldable parent with CHILDREN
 * final children and an unfinished one (children resting on a durable delay),
 * prints READY, then runs a retention pass (age 0: the finished parent's
 * children are folded a page of 256 per commit, then journals pruned) and
 * SIGKILLs itself JITTER ms after the KILL_AT-th commit the runtime reports
 * (0: JITTER ms after the pass starts). Prints DONE when the pass ends first.
 * Usage: fold.ts STORE ROUND CHILDREN KILL_AT JITTER
 */
import { createRuntime } from '../../../src/create-runtime.js';
import { defineMachine } from '../../../src/runtime/machine-registry.js';
import { child, parent } from '../../fixtures/machines.js';

const folding = defineMachine({ ...parent, name: 'folding', foldChildren: true });
const [store, round, children, killAt, jitter] = process.argv.slice(2);
const runtime = await createRuntime({ store: store!, machines: [folding, child], retention: false, durability: 'commit' });
const finished = await runtime.spawn('folding', { children: Number(children) }, { id: `finished-${round}` });
await runtime.waitFor(finished, (record) => record.status === 'done', 60_000);
await runtime.spawn('folding', { children: 5, delayMs: 2_000 }, { id: `waiting-${round}` });
await runtime.whenIdle();

const die = () => process.kill(process.pid, 'SIGKILL');
const dieSoon = () => (Number(jitter) === 0 ? die() : setTimeout(die, Number(jitter)));
let commits = 0;
runtime.subscribe((event) => {
  if (event.type === 'runtime.committed' && ++commits === Number(killAt)) dieSoon();
});
console.log('READY');
if (Number(killAt) === 0) dieSoon();
const report = await runtime.prune({ olderThanMs: 0 });
console.log(`DONE ${commits} ${JSON.stringify(report)}`);
await runtime.close();
