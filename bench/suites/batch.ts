/**
 * Batch jobs (issue 5): 1,000,000 items through a three-step DAG of trivial
 * steps, partition size:10000, parallel 2, durability flush. Reports the
 * run's items per second, the create (item snapshot) time separately, and the
 * process's peak RSS (LMDB's mapped pages included). Targets: >= 100,000
 * items/s, peak RSS < 500 MB. `--quick` runs 100,000 items;
 * HOLDFAST_BENCH_CHUNK=N sets the most items per chunk (default 10,000).
 */
import { join } from 'node:path';
import { batchJobMachines, createBatchJobs, createRuntime, defineApplication, openLmdbStore } from '../../src/index.js';
import { MB, round } from '../lib/stats.js';
import { report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const { quick } = suiteOptions();
const ITEMS = quick ? 100_000 : 1_000_000;
const TARGET_ITEMS_PER_SEC = 100_000;
const TARGET_RSS_MB = 500;

const app = defineApplication({
  name: 'trivial',
  version: '1',
  steps: [
    { name: 'parse', run: (item) => (item as { n: number }).n },
    { name: 'square', after: ['parse'], run: (_item, inputs) => (inputs.parse as number) * (inputs.parse as number) },
    { name: 'format', after: ['square'], run: (_item, inputs) => ({ square: inputs.square }) },
  ],
});

function* items(count: number) {
  for (let n = 0; n < count; n++) yield { id: `item-${n}`, value: { n } };
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 25);

const folder = tempFolder('batch');
const store = openLmdbStore(join(folder.path, 'store'));
const runtime = await createRuntime({ store, machines: batchJobMachines([app], { ...(process.env.HOLDFAST_BENCH_CHUNK ? { chunkSize: Number(process.env.HOLDFAST_BENCH_CHUNK) } : {}) }), durability: 'flush' });
const jobs = createBatchJobs(runtime, [app]);

const createdAt = performance.now();
const job = await jobs.create({ application: 'trivial', source: 'bench:generated', items: items(ITEMS), partition: 'size:10000', description: 'bench' });
const createMs = performance.now() - createdAt;

const startedAt = performance.now();
const summary = await jobs.run(job, { batches: 'all', parallel: 2 });
const runMs = performance.now() - startedAt;
if (summary.results !== ITEMS || summary.batchesRun !== Math.ceil(ITEMS / 10_000)) throw new Error(`run incomplete: ${JSON.stringify(summary)}`);
const stats = (await jobs.stats(job));
if (stats.some((node) => node.items !== ITEMS)) throw new Error(`stats do not add up: ${JSON.stringify(stats)}`);

clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
await runtime.close();
await store.close();
folder.remove();

const itemsPerSec = Math.round(ITEMS / (runMs / 1000));
const rssMb = round(peakRss / MB, 1);
console.log(`batch: ${ITEMS.toLocaleString('en-US')} items, create ${round(createMs, 0)} ms, run ${round(runMs, 0)} ms`);
console.log(`target >= ${TARGET_ITEMS_PER_SEC.toLocaleString('en-US')} items/s: ${itemsPerSec.toLocaleString('en-US')} (${itemsPerSec >= TARGET_ITEMS_PER_SEC ? 'met' : 'NOT MET'})`);
console.log(`target peak RSS < ${TARGET_RSS_MB} MB: ${rssMb} MB (${rssMb < TARGET_RSS_MB ? 'met' : 'NOT MET'})`);
report({
  batchItemsPerSec: itemsPerSec,
  batchCreateMs: round(createMs, 0),
  batchCreateItemsPerSec: Math.round(ITEMS / (createMs / 1000)),
  batchPeakRssMb: rssMb,
  batchItems: ITEMS,
});
