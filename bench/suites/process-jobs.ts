/**
 * Issue 7: function-process jobs per second with 50 running at once. Each job
 * is submitted through the job server (request validated, data bound, spawned
 * with flush durability), loads its raw data, runs a registered function that
 * awaits WORK_MS, and records its output; a producer keeps 50 jobs
 * unfinished at a time. Jobs are not idempotent (the default), so each run
 * also commits its start mark first. The clock runs from the first submit
 * until the last job is final.
 */
import { join } from 'node:path';
import { createRuntime, openLmdbStore } from '../../src/index.js';
import { createJobServer, processJobMachines, processQueueLimits, type JobServerOptions } from '../../src/adapters/jobserver/job-server.js';
import { round } from '../lib/stats.js';
import { report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const { quick } = suiteOptions();
const JOBS = quick ? 1_000 : 10_000;
const AT_ONCE = 50;
const WORK_MS = Number(process.env.BENCH_WORK_MS ?? 5);

const folder = tempFolder('process-jobs');
const options: JobServerOptions = {
  dataDir: join(folder.path, 'data'),
  functions: { work: async (data) => (await new Promise((resolve) => setTimeout(resolve, WORK_MS)), data) },
};
const store = openLmdbStore(join(folder.path, 'store'));
const runtime = await createRuntime({ store, machines: processJobMachines(options), limits: { concurrency: 64, queues: processQueueLimits(options) }, durability: 'flush' });
const server = createJobServer(runtime, options);
const principal = { user: 'bench', superuser: false };

let submitted = 0;
let finished = 0;
let running = 0;
let peakRunning = 0;
let failure: unknown;
let allDone!: () => void;
const done = new Promise<void>((resolve) => (allDone = resolve));

function submitNext(): void {
  const i = submitted++;
  server.submit(principal, { process: { kind: 'function', name: 'work' }, data: [{ kind: 'raw', value: { i } }] }).catch((error: unknown) => {
    failure = error;
    allDone();
  });
}

runtime.subscribe((event) => {
  if (event.type === 'effect.started' && event.src === 'runProcess') peakRunning = Math.max(peakRunning, ++running);
  if (event.type === 'effect.finished' && event.src === 'runProcess') running--;
  if (event.type !== 'actor.stepped' || event.status === 'active') return;
  if (event.to !== 'succeeded') {
    failure = new Error(`job ${event.id} ended ${event.to}`);
    return allDone();
  }
  finished++;
  if (submitted < JOBS) submitNext();
  else if (finished === JOBS) allDone();
});

const started = performance.now();
while (submitted < Math.min(AT_ONCE, JOBS)) submitNext();
await done;
const elapsedMs = performance.now() - started;
if (failure) throw failure;
const jobs = (await server.list({ user: 'admin', superuser: true }));
if (jobs.length !== JOBS || jobs.some((job) => job.state !== 'succeeded')) throw new Error(`expected ${JOBS} succeeded jobs`);

await runtime.close();
await store.close();
folder.remove();

report({
  processJobsPerSec: Math.round(JOBS / (elapsedMs / 1000)),
  processJobsPeakRunning: peakRunning,
  processJobsSeconds: round(elapsedMs / 1000, 1),
  processJobsWorkMs: WORK_MS,
});
