/**
 * Nemesis workload for batch jobs (issue 16): creates a job over ITEMS items
 * (once), then runs it to its end (`run --all --parallel 2`, through the
 * library), resuming an interrupted run first. The `format` step appends
 * `<item number>` to LEDGER, the side effect the checker counts. Prints READY
 * once the store is open, DONE when the run ended.
 * Usage: nemesis-batch.ts STORE ITEMS LEDGER
 */
import { batchJobMachines } from '../../../src/adapters/batch/batch-machines.js';
import { createBatchJobs } from '../../../src/adapters/batch/batch-jobs.js';
import { createRuntime, openLmdbStore } from '../../../src/create-runtime.js';
import { crashyApplication } from './crashy-app.js';

const [folder, itemsArg, ledger] = process.argv.slice(2) as [string, string, string];
const ITEMS = Number(itemsArg);
const app = crashyApplication({ busyUs: 200, ledger });

function* items() {
  for (let n = 0; n < ITEMS; n++) yield { id: `item-${n}`, value: { n } };
}

const store = openLmdbStore(folder);
const runtime = await createRuntime({ store, machines: batchJobMachines([app], { chunkSize: 25 }), limits: { concurrency: 8 } });
const jobs = createBatchJobs(runtime, [app]);
console.log('READY');
await jobs.resumeRuns();
const job = (await jobs.list())[0]?.id ?? (await jobs.create({ application: 'crashy', source: 'generated', items: items(), partition: 'size:100', description: 'nemesis' }));
console.log(`JOB ${job}`);
const summary = await jobs.run(job, { batches: 'all', parallel: 2 });
console.log(`DONE ${JSON.stringify(summary)}`);
await runtime.close();
await store.close();
