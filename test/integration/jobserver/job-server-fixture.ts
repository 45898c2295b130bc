/** A job server over a real LMDB store in a temp folder, with a scripts folder and a data folder. */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime, openLmdbStore } from '../../../src/index.js';
import { createJobServer, processJobMachines, processQueueLimits, type JobServer, type JobServerOptions, type Principal } from '../../../src/adapters/jobserver/job-server.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import type { SyncStore } from '../../../src/persistence/store.js';
import { tempFolder } from '../../helpers/temp-store.js';

export interface Fixture {
  folder: string;
  dataDir: string;
  scriptsDir: string;
  store: SyncStore;
  runtime: Runtime;
  server: JobServer & { woken: Promise<number> };
  close(): Promise<void>;
  /** Waits until the job is final or interrupted. */
  settled(id: string, timeoutMs?: number): Promise<string>;
}

export const SETTLED = new Set(['succeeded', 'failed', 'cancelled', 'dismissed', 'interrupted']);

export function script(scriptsDir: string, name: string, body: string): void {
  writeFileSync(join(scriptsDir, name), body);
  chmodSync(join(scriptsDir, name), 0o755);
}

export async function openFixture(options: Partial<JobServerOptions> = {}, folder = tempFolder('holdfast-jobserver-'), closeGraceMs?: number): Promise<Fixture> {
  const dataDir = join(folder, 'data');
  const scriptsDir = join(folder, 'scripts');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(scriptsDir, { recursive: true });
  const serverOptions: JobServerOptions = { dataDir, scriptsDir, ...options };
  const store = openLmdbStore(join(folder, 'store'));
  const runtime = await createRuntime({ store, machines: processJobMachines(serverOptions), limits: { queues: processQueueLimits(serverOptions) }, ...(closeGraceMs !== undefined ? { closeGraceMs } : {}) });
  const server = createJobServer(runtime, serverOptions);
  await server.woken;
  return {
    folder,
    dataDir,
    scriptsDir,
    store,
    runtime,
    server,
    async close() {
      await runtime.close();
      await store.close();
    },
    async settled(id, timeoutMs = 20_000) {
      const record = await runtime.waitFor(id, (r) => SETTLED.has(r.state) || r.status === 'parked', timeoutMs);
      return record.state;
    },
  };
}

export const admin: Principal = { user: 'admin', superuser: true };
export const ada: Principal = { user: 'ada', superuser: false };
export const bob: Principal = { user: 'bob', superuser: false };

/** True once `pid` is gone or a zombie (killed, waiting to be reaped by an init that may never reap it). */
export function processDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Waits up to `timeoutMs` for `pid` to die. */
export async function waitDead(pid: number, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!processDead(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
