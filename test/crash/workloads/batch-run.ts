/**
 * Crash workload for batch jobs (issue 5): creates a job over ITEMS generated
 * items (once), then `run --all --parallel 4` through the library, as
 * `holdfast run ID --all --parallel 4` does. Every 97th item fails at step
 * `work`. Prints READY once the store is open, DONE when the run ended.
 * Usage: batch-run.ts STORE ITEMS BATCH_SIZE CHUNK_SIZE ITEM_US; HOLDFAST_POISON_ITEM=N makes item N kill the process.
 * Prints POISON (exit 1) when a resumed run ended with a batch parked as poison.
 */
import { batchJobMachines } from '../../../src/adapters/batch/batch-machines.js';
import { createBatchJobs } from '../../../src/adapters/batch/batch-jobs.js';
import { createRuntime, openLmdbStore } from '../../../src/create-runtime.js';
import { crashyApplication } from './crashy-app.js';

const [folder, itemsArg, batchSize, chunkSize, itemUs] = process.argv.slice(2);
const ITEMS = Number(itemsArg);
const busyUs = Number(itemUs);
/** An item whose step kills the process (a poison item), if set. */
const poison = process.env.HOLDFAST_POISON_ITEM === undefined ? -1 : Number(process.env.HOLDFAST_POISON_ITEM);

const app = crashyApplication({ busyUs, poison });

function* items() {
  for (let n = 0; n < ITEMS; n++) yield { id: `item-${n}`, value: { n } };
}

const store = openLmdbStore(folder!);
const runtime = await createRuntime({ store, machines: batchJobMachines([app], { chunkSize: Number(chunkSize) }), limits: { concurrency: 16 } });
const jobs = createBatchJobs(runtime, [app]);
console.log('READY');
try {
  // A batch parked as poison ends its run as a failed batch that names it: stop there (a new run would try it again).
  const poisoned = (await jobs.resumeRuns()).flatMap((summary) => summary.errors).find((error) => error.code === 'POISON_ACTOR');
  if (poisoned) {
    console.log(`POISON [${poisoned.code}] ${poisoned.message}`);
    process.exitCode = 1;
  } else await runAll();
} catch (error) {
  if ((error as { code?: string }).code !== 'POISON_ACTOR') throw error;
  console.log(`POISON ${(error as Error).message}`);
  process.exitCode = 1;
}

async function runAll(): Promise<void> {
  const job = (await jobs.list())[0]?.id ?? (await jobs.create({ application: 'crashy', source: 'generated', items: items(), partition: `size:${batchSize}`, description: 'crash test' }));
  console.log(`JOB ${job}`);
  const summary = await jobs.run(job, { batches: 'all', parallel: 4 });
  console.log(`DONE ${JSON.stringify(summary)}`);
}
await runtime.close();
await store.close();
