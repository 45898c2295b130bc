/**
 * Crash workload for retention: adds finished work (a parent with CHILDREN
 * children, all final), unfinished work (a parent whose children rest on a
 * durable delay, and a counter with a long journal, both active), prints
 * READY, then runs a retention pass (age 0, 100 entries per transaction, so
 * a pass is many transactions) and SIGKILLs itself JITTER ms after handing
 * the store its KILL_AT-th transaction (0: at once, before it can run).
 * Prints DONE when the pass ends first. Usage: prune.ts STORE ROUND CHILDREN KILL_AT JITTER
 */
import { createRuntime } from '../../../src/create-runtime.js';
import type { SyncStore } from '../../../src/persistence/store.js';
import { prunePass } from '../../../src/runtime/retention.js';
import { child, counter, parent } from '../../fixtures/machines.js';
import { syncReads } from '../../helpers/sync-reads.js';

const [store, round, children, killAt, jitter] = process.argv.slice(2);
const runtime = await createRuntime({ store: store!, machines: [parent, child, counter], retention: false, durability: 'commit' });
const finished = await runtime.spawn('parent', { children: Number(children) }, { id: `finished-${round}` });
await runtime.waitFor(finished, (record) => record.status === 'done', 60_000);
await runtime.spawn('parent', { children: 5, delayMs: 2_000 }, { id: `waiting-${round}` });
const count = await runtime.spawn('counter', {}, { id: `counter-${round}` });
for (let i = 0; i < 300; i++) void runtime.send(count, { type: 'increment' });
await runtime.whenIdle();

let transactions = 0;
const die = () => process.kill(process.pid, 'SIGKILL');
/** The store, killing the process around its KILL_AT-th retention transaction. */
const killing = new Proxy(syncReads(runtime), {
  get(target, property) {
    const value = Reflect.get(target, property, target) as unknown;
    if (typeof value !== 'function') return value;
    if (property !== 'pruneJournal' && property !== 'stripJournalSnapshots') return (value as (...a: unknown[]) => unknown).bind(target);
    return (...args: unknown[]) => {
      const written = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      if (++transactions === Number(killAt)) {
        if (Number(jitter) === 0) die();
        else setTimeout(die, Number(jitter));
      }
      return written;
    };
  },
}) as SyncStore;
console.log('READY');
const report = await prunePass(killing, Date.now(), 0, { maxEntries: 100 });
console.log(`DONE ${transactions} ${JSON.stringify(report)}`);
await runtime.close();
