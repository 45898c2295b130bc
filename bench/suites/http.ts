/**
 * HTTP job creations per second: CLIENTS concurrent clients POST /api/jobs
 * (a trivial `function` process) over keep-alive connections (Node's fetch,
 * undici's pooled agent) to `holdfast serve`'s server with a real job server
 * on an LMDB store, durability 'flush'. The clock runs from the first request
 * until the last 201; every answer must be 201. The jobs themselves run
 * meanwhile (same process), as they would under `holdfast serve`; the figure
 * is creations, and how many had finished when the last creation returned is
 * reported beside it, and so is the rate of the same submissions made straight
 * to the library (`directSubmitsPerSec`), to tell HTTP's cost from the job server's.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../src/adapters/http/http-server.js';
import { createJobServer, processJobMachines, type JobServerOptions } from '../../src/adapters/jobserver/job-server.js';
import { createRuntime, openLmdbStore } from '../../src/index.js';
import { round } from '../lib/stats.js';
import { report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const { quick } = suiteOptions();
const JOBS = quick ? 1_000 : 10_000;
const CLIENTS = 20;
const WARMUP = 200;

const folder = tempFolder('http');
const dataDir = join(folder.path, 'data');
mkdirSync(dataDir);
const options: JobServerOptions = { dataDir, functions: { noop: () => ({ ok: true }) } };
const store = openLmdbStore(join(folder.path, 'store'));
const runtime = await createRuntime({ store, machines: processJobMachines(options), limits: { concurrency: 64 }, durability: 'flush' });
const jobServer = createJobServer(runtime, options);
// No limits on the user: the figure is the API's, not the limit check's.
const { token } = await jobServer.users.add('bench');
const server = await startServer(runtime, { port: 0, jobServer });
const url = `http://127.0.0.1:${server.port}/api/jobs`;
const body = JSON.stringify({ process: { kind: 'function', name: 'noop' }, idempotent: true, data: [{ kind: 'raw', value: 1 }] });
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

let sent = 0;
const latencies: number[] = [];
async function client(): Promise<void> {
  while (sent < JOBS) {
    sent++;
    const at = performance.now();
    const response = await fetch(url, { method: 'POST', headers, body });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`POST /api/jobs answered ${response.status}: ${text.slice(0, 300)}`);
    latencies.push(performance.now() - at);
  }
}

// Warm-up (JIT, Fastify's and Ajv's first calls, undici's pool), not counted.
for (let i = 0; i < WARMUP; i++) {
  const response = await fetch(url, { method: 'POST', headers, body });
  if (response.status !== 201) throw new Error(`warm-up POST /api/jobs answered ${response.status}: ${await response.text()}`);
}
const started = performance.now();
await Promise.all(Array.from({ length: CLIENTS }, client));
const elapsedMs = performance.now() - started;
const finished = (await runtime.query({ machine: 'processJob' })).filter((record) => record.status !== 'active').length;
const created = (await runtime.query({ machine: 'processJob' })).length;
if (created !== JOBS + WARMUP) throw new Error(`expected ${JOBS + WARMUP} process jobs in the store, found ${created}`);
latencies.sort((a, b) => a - b);

// The same submissions straight to the library, CLIENTS at a time: what HTTP adds is the difference.
const principal = (await jobServer.users.authenticate(token))!;
const request = JSON.parse(body) as unknown;
let direct = 0;
const directStarted = performance.now();
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    while (direct < JOBS) {
      direct++;
      await jobServer.submit(principal, request);
    }
  }),
);
const directMs = performance.now() - directStarted;

await server.close();
await runtime.close();
await store.close();
folder.remove();

report({
  httpJobCreationsPerSec: Math.round(JOBS / (elapsedMs / 1000)),
  directSubmitsPerSec: Math.round(JOBS / (directMs / 1000)),
  httpP99CreateMs: round(latencies[Math.floor(latencies.length * 0.99)]!, 1),
  httpJobsFinishedAtEnd: finished,
  httpJobs: JOBS,
  httpClients: CLIENTS,
});
