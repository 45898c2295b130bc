/**
 * (f) Task jobs per second through a two-stage defer chain: JOBS first-stage
 * dataset jobs (one entity each), each of whose tasks returns its second
 * stage, which the runtime spawns in the step that completes the first; one
 * queue with concurrency 50; durability 'flush'. A producer keeps WINDOW
 * chains unfinished at a time (a new job per finished chain), as a feed
 * would. The clock runs from the first defer until the last second stage is
 * final; every stage counts as one task job (2 x JOBS in all).
 */
import { join } from 'node:path';
import { DatasetJob } from '../../src/adapters/tasks/job-model.js';
import { defineTasks } from '../../src/adapters/tasks/task-registry.js';
import { deferTaskJob, taskJobMachines, taskQueueLimits, type TaskWorkerOptions } from '../../src/adapters/tasks/task-worker.js';
import { createRuntime, openLmdbStore } from '../../src/index.js';
import { round } from '../lib/stats.js';
import { report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const { quick } = suiteOptions();
const JOBS = quick ? 10_000 : 100_000;
const CONCURRENCY = 50;
const WINDOW = Number(process.env.BENCH_WINDOW ?? 2_000);

const worker: TaskWorkerOptions = {
  tasks: defineTasks({
    'bench.first': (job) => DatasetJob.fromEntities({ ...(job as DatasetJob), task: 'bench.second', entities: (job as DatasetJob).payload.entities }),
    'bench.second': () => undefined,
  }),
  queues: { bench: CONCURRENCY },
};

const folder = tempFolder('tasks');
const store = openLmdbStore(join(folder.path, 'store'));
const runtime = await createRuntime({ store, machines: taskJobMachines(store, worker), limits: { concurrency: CONCURRENCY, queues: taskQueueLimits(worker) }, durability: 'flush' });

let deferred = 0;
let finishedJobs = 0;
let finishedChains = 0;
let failure: unknown;
let allDone!: () => void;
const done = new Promise<void>((resolve) => (allDone = resolve));

function deferNext(): void {
  const i = deferred++;
  const job = DatasetJob.fromEntity({ dataset: 'bench', queue: 'bench', task: 'bench.first', entity: { id: `e${i}`, schema: 'Person', properties: { name: [`Person ${i}`] } } });
  deferTaskJob(runtime, job, { id: `j${i}` }).catch((error: unknown) => {
    failure = error;
    allDone();
  });
}

runtime.subscribe((event) => {
  if (event.type !== 'actor.stepped' || event.status === 'active') return;
  if (event.to !== 'succeeded') {
    failure = new Error(`job ${event.id} ended ${event.to}`);
    return allDone();
  }
  finishedJobs++;
  if (!event.id.endsWith('/next')) return;
  finishedChains++;
  if (deferred < JOBS) deferNext();
  else if (finishedChains === JOBS) allDone();
});

const started = performance.now();
while (deferred < Math.min(WINDOW, JOBS)) deferNext();
await done;
const elapsedMs = performance.now() - started;
if (failure) throw failure;
if (finishedJobs !== JOBS * 2) throw new Error(`expected ${JOBS * 2} finished task jobs, saw ${finishedJobs}`);
if (store.getActor(`j${JOBS - 1}/next` as never)?.state !== 'succeeded') throw new Error('the last second stage is not succeeded');

await runtime.close();
await store.close();
folder.remove();

report({
  taskJobsPerSec: Math.round(finishedJobs / (elapsedMs / 1000)),
  taskChainsPerSec: Math.round(finishedChains / (elapsedMs / 1000)),
  taskSeconds: round(elapsedMs / 1000, 1),
  taskJobs: finishedJobs,
  taskConcurrency: CONCURRENCY,
});
