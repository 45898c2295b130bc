/**
 * (d) Memory per 100,000 passivated actors: spawn actors that wait for an
 * outside event (idle, so dropped from memory once durable), force GC, and
 * compare JS heap + external memory (process.memoryUsage) before and after.
 * RSS is not used: it also counts LMDB's mapped pages, which the OS can drop.
 * A warm-up batch runs first so compiled code and lazy runtime state are in
 * the baseline; the bench keeps no per-actor state of its own.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRuntime, type Runtime } from '../../src/index.js';
import { waiter } from '../lib/machines.js';
import { MB, round } from '../lib/stats.js';
import { report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const { quick } = suiteOptions();
const ACTORS = quick ? 10_000 : 100_000;
const WARM_UP = 2_000;
const IN_FLIGHT = 2_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

/** Heap used + external after full collections, with turns between them so finalizers run. */
async function settledMemory(): Promise<{ heap: number; external: number }> {
  for (let round = 0; round < 4; round++) {
    gc!();
    await sleep(20);
  }
  const { heapUsed, external } = process.memoryUsage();
  return { heap: heapUsed, external };
}

/** Spawns `count` waiters from `from`, at most IN_FLIGHT unresolved at a time. */
async function spawnWaiters(runtime: Runtime, from: number, count: number): Promise<void> {
  let next = from;
  const end = from + count;
  const lane = async () => {
    while (next < end) {
      const i = next++;
      await runtime.spawn('waiter', { i }, { id: `w${i}` });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

const folder = tempFolder('passivated');
const runtime = await createRuntime({ store: join(folder.path, 'store'), machines: [waiter], durability: 'flush' });
await spawnWaiters(runtime, 0, WARM_UP);
await runtime.whenIdle();
const before = await settledMemory();
await spawnWaiters(runtime, WARM_UP, ACTORS);
await runtime.whenIdle();
const after = await settledMemory();

// Passivated, not lost: one of them still takes its event.
await runtime.send(`w${WARM_UP + ACTORS - 1}`, { type: 'go' });
if ((await runtime.get(`w${WARM_UP + ACTORS - 1}`))?.status !== 'done') throw new Error('a passivated actor did not wake up');
await runtime.close();
folder.remove();

const scale = 100_000 / ACTORS;
report({
  passivatedMbPer100k: round((after.heap + after.external - before.heap - before.external) * scale / MB, 2),
  passivatedHeapMbPer100k: round((after.heap - before.heap) * scale / MB, 2),
  passivatedExternalMbPer100k: round((after.external - before.external) * scale / MB, 2),
  passivatedActors: ACTORS,
});
