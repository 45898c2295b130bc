/**
 * Crash workload: process jobs, half idempotent, half not; most run a
 * function that waits WORK_MS, every fourth an executable that sleeps. Each
 * run appends `start <tag>` and `end <tag>` to LEDGER (outside the store).
 * MODE `submit` submits JOBS jobs, printing `SUBMITTED <id> <idempotent> <tag>`
 * once each is acknowledged, then READY; MODE `resume` prints READY at once.
 * Both print DONE when every job is final or interrupted, then exit.
 * Usage: process-jobs.ts FOLDER LEDGER JOBS MODE
 */
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime, openLmdbStore } from '../../../src/create-runtime.js';
import { createJobServer, processJobMachines, processQueueLimits, type JobServerOptions } from '../../../src/adapters/jobserver/job-server.js';

const [folder, ledger, jobsArg, mode] = process.argv.slice(2);
const jobs = Number(jobsArg);
const workMs = Number(process.env.HOLDFAST_WORK_MS ?? 400);
/** Executables outlast an owner's restart: a killed owner's orphans are then seen to be killed by the next. */
const scriptMs = Number(process.env.HOLDFAST_SCRIPT_MS ?? 4_000);
const SETTLED = new Set(['succeeded', 'failed', 'cancelled', 'dismissed', 'interrupted']);

const scriptsDir = join(folder!, 'scripts');
mkdirSync(scriptsDir, { recursive: true });
writeFileSync(join(scriptsDir, 'work.sh'), `#!/bin/sh\necho "start $1" >> "$2"\nsleep ${scriptMs / 1000}\necho "end $1" >> "$2"\n`);
chmodSync(join(scriptsDir, 'work.sh'), 0o755);

const options: JobServerOptions = {
  dataDir: join(folder!, 'data'),
  scriptsDir,
  maxChildren: 8,
  functions: {
    work: async (_data, parameters) => {
      appendFileSync(ledger!, `start ${String(parameters.tag)}\n`);
      await new Promise((resolve) => setTimeout(resolve, workMs));
      appendFileSync(ledger!, `end ${String(parameters.tag)}\n`);
      return parameters.tag;
    },
  },
};
const store = openLmdbStore(join(folder!, 'store'));
const runtime = await createRuntime({ store, machines: processJobMachines(options), limits: { queues: processQueueLimits(options) } });
const server = createJobServer(runtime, options);
await server.woken;
const keepAlive = setInterval(() => {}, 1_000);
const principal = { user: 'crash', superuser: false };
if (mode === 'submit') {
  for (let i = 0; i < jobs; i++) {
    const idempotent = i % 2 === 0;
    const tag = `t${i}`;
    const process = i % 3 === 2 ? { kind: 'file' as const, name: 'work.sh', args: [tag, ledger!] } : { kind: 'function' as const, name: 'work' };
    const job = await server.submit(principal, { process, idempotent, parameters: { tag }, timeoutMs: 30_000 });
    console.log(`SUBMITTED ${job.id} ${idempotent} ${tag}`);
  }
}
console.log('READY');
for (;;) {
  const all = (await server.list({ user: 'admin', superuser: true }));
  // A parked job (poison) ends the wait too: the test then names it instead of timing out.
  if (all.length >= (mode === 'submit' ? jobs : 0) && all.every((job) => SETTLED.has(job.state) || job.state === 'parked')) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log('DONE');
clearInterval(keepAlive);
await runtime.close();
await store.close();
