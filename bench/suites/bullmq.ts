/**
 * (e) The peer a user would otherwise pick: the same no-op jobs (spawn, one
 * effect, final) through holdfast (durability 'flush': every step on disk)
 * and through BullMQ on a local redis-server (default settings: no fsync),
 * one BullMQ worker process, concurrency 100 on both sides. Both producers
 * add jobs in chunks of 1,000 (BullMQ: addBulk) awaiting each chunk; the clock
 * runs from the first add until the last job has completed.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { createRuntime } from '../../src/index.js';
import { job } from '../lib/machines.js';
import { redisMissing, startRedis } from '../lib/redis.js';
import { round } from '../lib/stats.js';
import { report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const { quick } = suiteOptions();
const JOBS = quick ? 2_000 : 20_000;
const CONCURRENCY = 100;
const CHUNK = 1_000;

async function holdfastJobsPerSec(): Promise<number> {
  const folder = tempFolder('bullmq-holdfast');
  const runtime = await createRuntime({ store: join(folder.path, 'store'), machines: [job()], limits: { concurrency: CONCURRENCY }, durability: 'flush' });
  let finished = 0;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  runtime.subscribe((event) => {
    if (event.type === 'actor.stepped' && event.status === 'done' && ++finished === JOBS) allDone();
  });
  const started = performance.now();
  for (let n = 0; n < JOBS; n += CHUNK) {
    const chunk = Array.from({ length: Math.min(CHUNK, JOBS - n) }, (_, k) => runtime.spawn('job', { i: n + k }, { id: `j${n + k}` }));
    await Promise.all(chunk);
  }
  await done;
  const elapsedMs = performance.now() - started;
  await runtime.close();
  folder.remove();
  return JOBS / (elapsedMs / 1000);
}

async function bullmqJobsPerSec(): Promise<number> {
  const folder = tempFolder('bullmq-redis');
  const redis = await startRedis(folder.path);
  const name = 'bench';
  const workerFile = fileURLToPath(new URL('../lib/bullmq-worker.ts', import.meta.url));
  const worker = spawn(process.execPath, ['--import', 'tsx', workerFile, String(redis.port), name, String(JOBS), String(CONCURRENCY)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const workerExited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(text)) {
          worker.stdout.off('data', onData);
          resolve();
        }
      };
      worker.stdout.on('data', onData);
      worker.once('exit', (code) => reject(new Error(`BullMQ worker exited with ${code} before ${text}`)));
    });
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port } });
  try {
    await line('READY');
    await queue.waitUntilReady();
    const finished = line('DONE');
    const started = performance.now();
    for (let n = 0; n < JOBS; n += CHUNK) {
      await queue.addBulk(Array.from({ length: Math.min(CHUNK, JOBS - n) }, (_, k) => ({ name: 'noop', data: { i: n + k } })));
    }
    await finished;
    return JOBS / ((performance.now() - started) / 1000);
  } finally {
    worker.stdin.end(); // the worker closes itself
    await workerExited;
    await queue.close();
    await redis.stop();
    folder.remove();
  }
}

const jobsPerSec = await holdfastJobsPerSec();
const missing = redisMissing();
if (missing) report({ jobsPerSec: Math.round(jobsPerSec), bullmqSkipped: missing, jobs: JOBS });
const bullmq = await bullmqJobsPerSec();
report({ jobsPerSec: Math.round(jobsPerSec), bullmqJobsPerSec: Math.round(bullmq), ratioToBullmq: round(jobsPerSec / bullmq, 2), jobs: JOBS });
