/**
 * Issue 9: the runtime's throughput with the live inspector serving a connected
 * client, beside the same run without it. One run of each, in alternating order
 * (the runner repeats the pair), each in its own process: `transitions.ts` and
 * `transitions.ts --inspector`. Overhead = 1 - with / without.
 */
import { fileURLToPath } from 'node:url';
import { round } from '../lib/stats.js';
import { report, runTs, suiteOptions } from '../lib/suite.js';

const { quick } = suiteOptions();
const transitions = fileURLToPath(new URL('./transitions.ts', import.meta.url));
const flags = quick ? ['--quick'] : [];
const inspectorFirst = Math.random() < 0.5;
const run = (inspector: boolean) => runTs(transitions, inspector ? [...flags, '--inspector'] : flags);

const first = await run(inspectorFirst);
const second = await run(!inspectorFirst);
const [withInspector, without] = inspectorFirst ? [first, second] : [second, first];
const perSec = (figures: Record<string, number | string>) => Number(figures.transitionsPerSec);

report({
  inspectorTransitionsPerSec: perSec(withInspector),
  plainTransitionsPerSec: perSec(without),
  inspectorOverheadPct: round(100 * (1 - perSec(withInspector) / perSec(without)), 1),
  inspectorP99StepLatencyMs: Number(withInspector.p99StepLatencyMs),
  inspectorFrames: Number(withInspector.inspectorFrames),
});
