/**
 * (a) Durable transitions per second: 100,000 actors of three steps each
 * (spawn, a no-op effect, a second no-op effect, final) at durability 'flush'.
 *
 * A producer keeps WINDOW actors unfinished at a time (a new spawn per final
 * actor), so steps in flight stay bounded as in a real feed.
 * Step-to-durable latency, measured from outside on every 10th actor:
 *  - spawn: from the spawn() call (which computes the first step) to its resolve (durable);
 *  - effect steps: from the effect's promise settling to the `actor.stepped`
 *    event (published only after the commit is flushed). This also counts the
 *    wait for the step loop, so it is an upper bound of compute -> durable.
 */
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createRuntime, openLmdbStore, openMemoryStore, startInspector } from '../../src/index.js';
import { countingStore } from '../lib/counting-store.js';
import { threeSteps } from '../lib/machines.js';
import { percentile, round } from '../lib/stats.js';
import { report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';
import { mainThreadCpuUs } from '../lib/thread-cpu.js';

const { quick, args } = suiteOptions();
// `--inspector`: the same run with the live inspector serving one connected client (its summary,
// per-tick updates of counts, throughput and its jobs page), for the inspector suite's overhead figure.
const withInspector = args.includes('--inspector');
// `--memory`: the same run on the memory store (nothing on disk), for the memory-transitions suite.
const inMemory = args.includes('--memory');
const ACTORS = quick ? 10_000 : 100_000;
// Little's law: 30,000 steps/s with ~8 ms per step round trip is ~250 in flight; a
// larger window buys little throughput (the steps move in lockstep) and costs latency.
const WINDOW = Number(process.env.BENCH_WINDOW ?? 250);
const SAMPLE_EVERY = 10;

const folder = tempFolder('transitions');
const { store, stats } = countingStore(inMemory ? openMemoryStore() : openLmdbStore(join(folder.path, 'store')));
const effectSettledAt = new Map<string, number>();
const spawnLatencies: number[] = [];
const effectLatencies: number[] = [];

// Keyed by actor and invoke: the next state's effect starts before the step that started it is published.
const machine = threeSteps(async ({ i }, { idempotencyKey }) => {
  if (i % SAMPLE_EVERY === 0) effectSettledAt.set(idempotencyKey.slice(0, idempotencyKey.lastIndexOf(':')), performance.now());
  return null;
});
// Concurrency as large as the window: the limiter must not be what is measured.
const runtime = await createRuntime({ store, machines: [machine], limits: { concurrency: WINDOW }, durability: 'flush' });
const inspector = withInspector ? await startInspector(runtime, { port: 0, machines: [machine] }) : undefined;
let framesReceived = 0;
const client = inspector ? await connectClient(inspector.port, inspector.tokens.readOnly) : undefined;

/** A read-only client as the page is one: it counts what it is sent. */
async function connectClient(port: number, token: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` } });
  socket.on('message', () => framesReceived++);
  await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
  return socket;
}

let spawned = 0;
let finished = 0;
let durableSteps = 0;
let failure: unknown;
let allDone!: () => void;
const done = new Promise<void>((resolve) => (allDone = resolve));

function spawnNext(): void {
  const i = spawned++;
  const sampled = i % SAMPLE_EVERY === 0;
  const calledAt = sampled ? performance.now() : 0;
  runtime.spawn('three', { i }, { id: `t${i}` }).then(
    () => void (sampled && spawnLatencies.push(performance.now() - calledAt)),
    (error: unknown) => {
      failure = error;
      allDone();
    },
  );
}

runtime.subscribe((event) => {
  if (event.type === 'actor.spawned') durableSteps++;
  if (event.type !== 'actor.stepped') return;
  durableSteps++;
  const slot = `${event.id}:${event.event.slice('xstate.done.actor.'.length)}`;
  const settledAt = effectSettledAt.get(slot);
  if (settledAt !== undefined) {
    effectLatencies.push(performance.now() - settledAt);
    effectSettledAt.delete(slot);
  }
  if (event.status !== 'done') return;
  finished++;
  if (spawned < ACTORS) spawnNext();
  else if (finished === ACTORS) allDone();
});

const cpuBefore = process.cpuUsage();
const mainBefore = mainThreadCpuUs();
const started = performance.now();
while (spawned < Math.min(WINDOW, ACTORS)) spawnNext();
await done;
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const mainAfter = mainThreadCpuUs();
if (failure) throw failure;
if (durableSteps !== ACTORS * 3) throw new Error(`expected ${ACTORS * 3} durable steps, saw ${durableSteps}`);
const journalled = (await runtime.journal(`t${ACTORS - 1}`)).length;
if (journalled !== 3) throw new Error(`expected 3 journal entries for the last actor, found ${journalled}`);

client?.close();
await inspector?.close();
await runtime.close();
await store.close();
folder.remove();
if (inspector && framesReceived < 2) throw new Error(`the inspector client received ${framesReceived} frames: it was not served`);

report({
  transitionsPerSec: Math.round(durableSteps / (elapsedMs / 1000)),
  p99StepLatencyMs: round(percentile([...spawnLatencies, ...effectLatencies], 99), 2),
  p50StepLatencyMs: round(percentile([...spawnLatencies, ...effectLatencies], 50), 2),
  p99SpawnLatencyMs: round(percentile(spawnLatencies, 99), 2),
  p99EffectStepLatencyMs: round(percentile(effectLatencies, 99), 2),
  latencySamples: spawnLatencies.length + effectLatencies.length,
  // CPU of the whole process (JS and lmdb-js's write thread) per step: steadier than wall time on a shared machine.
  cpuUsPerStep: round((cpu.user + cpu.system) / durableSteps, 1),
  // The main thread alone (Linux): near the wall time a step, it is the bottleneck.
  ...(mainBefore !== undefined && mainAfter !== undefined
    ? { mainThreadCpuUsPerStep: round((mainAfter - mainBefore) / durableSteps, 1), mainThreadBusyPct: round((100 * (mainAfter - mainBefore)) / 1000 / elapsedMs, 0) }
    : {}),
  stepsPerCommit: round(durableSteps / stats.commits, 0),
  commitBusyPct: round((100 * stats.commitMs) / elapsedMs, 0),
  actors: ACTORS,
  window: WINDOW,
  ...(inspector ? { inspectorFrames: framesReceived } : {}),
});
