/**
 * Issue 19: (a)'s workload (transitions.ts) on the memory store, beside the same run
 * on LMDB: one run of each, in random order (the runner repeats the pair), each in its
 * own process. What the runtime costs without a disk under it, and what LMDB adds.
 */
import { fileURLToPath } from 'node:url';
import { round } from '../lib/stats.js';
import { report, runTs, suiteOptions } from '../lib/suite.js';

const { quick } = suiteOptions();
const transitions = fileURLToPath(new URL('./transitions.ts', import.meta.url));
const flags = quick ? ['--quick'] : [];
const memoryFirst = Math.random() < 0.5;
const run = (memory: boolean) => runTs(transitions, memory ? [...flags, '--memory'] : flags);

const first = await run(memoryFirst);
const second = await run(!memoryFirst);
const [memory, lmdb] = memoryFirst ? [first, second] : [second, first];
const perSec = (figures: Record<string, number | string>) => Number(figures.transitionsPerSec);

report({
  memoryTransitionsPerSec: perSec(memory),
  lmdbTransitionsPerSec: perSec(lmdb),
  memoryToLmdb: round(perSec(memory) / perSec(lmdb), 2),
  memoryP99StepLatencyMs: Number(memory.p99StepLatencyMs),
  memoryCpuUsPerStep: Number(memory.cpuUsPerStep),
  lmdbCpuUsPerStep: Number(lmdb.cpuUsPerStep),
});
