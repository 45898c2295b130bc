/**
 * Crash workload: CHAINS three-stage task chains (extract -> analyze ->
 * index, each stage deferred by the one before, on its own queue). Extract
 * reads its document from the archive through a temporary local path;
 * analyze writes a fragment with the bulk writer. Every run appends
 * `<stage> <job id> <attempt> <key>` to LEDGER (outside the store).
 * MODE `worker` serves the queues and prints DONE when every chain is
 * complete; MODE `idle` serves nothing (as `holdfast ingest` would), puts
 * interrupted runs back to queued, and prints `IDLE <runs put back>` once quiet.
 * Prints READY once the runtime is open.
 * Usage: task-chain.ts STORE LEDGER CHAINS MODE
 */
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { archiveFolder, openArchive } from '../../../src/adapters/tasks/content-archive.js';
import { DatasetJob, type AnyJob } from '../../../src/adapters/tasks/job-model.js';
import { defineTasks, type TaskContext } from '../../../src/adapters/tasks/task-registry.js';
import { deferTaskJob, taskJobMachines, taskQueueLimits, wakeTaskJobs, type TaskWorkerOptions } from '../../../src/adapters/tasks/task-worker.js';
import { createRuntime, openLmdbStore } from '../../../src/create-runtime.js';

const [storePath, ledger, chainsArg, mode] = process.argv.slice(2);
const chains = Number(chainsArg);
const workMs = Number(process.env.HOLDFAST_WORK_MS ?? 10);
const work = () => new Promise((resolve) => setTimeout(resolve, workMs));
const log = (stage: string, context: TaskContext) => appendFileSync(ledger!, `${stage} ${context.jobId} ${context.attempt} ${context.idempotencyKey}\n`);
const next = (job: AnyJob, queue: string, task: string, entities = (job as DatasetJob).payload.entities) =>
  DatasetJob.fromEntities({ dataset: (job as DatasetJob).dataset, queue, task, entities });

const tasks = defineTasks({
  'crash.extract': async (job, context) => {
    log('extract', context);
    const [reference] = context.fileReferences();
    const text = await readFile(await reference!.localPath(), 'utf8');
    await work();
    return next(job, 'analyze', 'crash.analyze', [{ ...reference!.entity, properties: { ...reference!.entity.properties, bodyText: [text] } }]);
  },
  'crash.analyze': async (job, context) => {
    log('analyze', context);
    const [entity] = context.entities();
    context.writer().add({ id: entity!.id, schema: 'Document', properties: { bodyText: entity!.properties.bodyText ?? [] } });
    await work();
    return next(job, 'index', 'crash.index');
  },
  'crash.index': async (_job, context) => {
    log('index', context);
    await work();
  },
});
const worker: TaskWorkerOptions | undefined = mode === 'worker' ? { tasks, queues: { extract: 4, analyze: 3, index: 2 } } : undefined;

const store = openLmdbStore(storePath!);
const runtime = await createRuntime({ store, machines: taskJobMachines(store, worker), limits: { concurrency: 16, queues: taskQueueLimits(worker) } });
let requeued = 0;
runtime.subscribe((event) => void (event.type === 'effect.failed' && event.error.code === 'TASK_NOT_SERVED' && requeued++));
console.log('READY');
const keepAlive = setInterval(() => {}, 1_000); // the runtime's own polls are unref'd: stay up until settled
const archive = openArchive(archiveFolder(storePath!));
for (let i = 0; i < chains; i++) {
  const id = `chain-${i}`;
  if (await runtime.get(id)) continue;
  const contentHash = await archive.put(Buffer.from(`document ${i}`));
  const entity = { id: `doc-${i}`, schema: 'Document', properties: { contentHash: [contentHash], fileName: [`doc-${i}.txt`] } };
  await deferTaskJob(runtime, DatasetJob.fromEntity({ dataset: 'crash', queue: 'extract', task: 'crash.extract', entity }), { id });
}
await wakeTaskJobs(runtime, worker);

if (worker) {
  const complete = () => store.countActors({ machine: 'taskJob', status: 'done' }) >= chains * 3;
  await new Promise<void>((resolve) => {
    const stop = runtime.subscribe((event) => {
      if (event.type === 'actor.stepped' && event.status === 'done' && complete()) (stop(), resolve());
    });
    if (complete()) (stop(), resolve());
  });
  console.log('DONE');
} else {
  await runtime.whenIdle();
  console.log(`IDLE ${requeued}`);
}
clearInterval(keepAlive);
await runtime.close();
await store.close();
