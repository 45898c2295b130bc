/**
 * Wiring process jobs into a runtime. Every process that opens a store
 * registers the `processJob` machine (so it can restore any process job);
 * given job-server options it also runs them. Jobs wait `queued` where no job
 * server is configured; `wakeProcessJobs` hands them to one that opens later.
 * @example
 * const runtime = await createRuntime({ store, machines: processJobMachines(options), limits: { queues: processQueueLimits(options) } });
 * const jobServer = createJobServer(runtime, options);
 */
import { realpathSync, mkdirSync } from 'node:fs';
import { PROCESS_JOB_MACHINE, PROCESS_JOB_VERSION, processJobMachine } from '../../machines/process-job.machine.js';
import type { RunProcessInput } from '../../machines/process-job.types.js';
import { effect } from '../../runtime/effect.js';
import { defineMachine, type MachineDefinition } from '../../runtime/machine-registry.js';
import { processJobRecords } from '../../machines/written-records.js';
import type { Runtime } from '../../runtime/runtime.js';
import { DEFAULT_EXTENSIONS } from './data-file-name.js';
import { dataFilePath } from './data-files.js';
import type { JobServerOptions } from './job-server.types.js';
import { validateJobServerOptions } from './job-server-options.js';
import { createLoadData, createRunProcess, type EffectDeps } from './process-effects.js';
import { evalSandbox } from '../processes/eval-sandbox.js';

/** The runtime queue of `file` and `eval` children. */
export const CHILD_QUEUE = 'process:child';
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_EVAL_MEMORY_MB = 128;

/**
 * The `processJob` machine definition; with options, its processes run here.
 * Non-idempotent runs are guarded by durable start marks the runtime writes (process-records.ts).
 */
export function processJobMachines(options?: JobServerOptions): MachineDefinition[] {
  if (options) validateJobServerOptions(options);
  const served = options !== undefined;
  let root: string | undefined;
  const dataRoot = () => {
    if (!options) throw new Error('no job server here');
    if (root === undefined) {
      mkdirSync(options.dataDir, { recursive: true });
      root = realpathSync(options.dataDir);
    }
    return root;
  };
  const extensions = (options?.extensions ?? DEFAULT_EXTENSIONS).map((extension) => extension.toLowerCase());
  const deps: EffectDeps = {
    dataFile: (name: string) => dataFilePath(dataRoot(), name, extensions),
    functions: options?.functions ?? {},
    datatypes: options?.datatypes ?? {},
    scriptsDir: options?.scriptsDir,
    allowEnv: options?.allowEnv ?? [],
    maxOutputBytes: options?.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    evalMemoryMb: options?.evalMemoryMb ?? DEFAULT_EVAL_MEMORY_MB,
    evalSandbox: options?.evalSandbox ?? evalSandbox,
    allowUnsandboxedEval: options?.allowUnsandboxedEval ?? false,
    functionsVersion: options?.functionsVersion ?? 'unversioned',
  };
  const machine = served
    ? processJobMachine.provide({
        actors: { loadData: effect(createLoadData(deps)), runProcess: effect(createRunProcess(deps)) },
        guards: { served: () => true },
      })
    : processJobMachine;
  return [
    defineMachine({
      name: PROCESS_JOB_MACHINE,
      version: PROCESS_JOB_VERSION,
      machine,
      effects: {
        loadData: { maxAttempts: 3, backoffMs: 200 },
        // One attempt: a process that failed is reported, not run again; a second attempt only comes from a recovery.
        runProcess: { maxAttempts: 1, queue: (input) => ((input as RunProcessInput).process.kind === 'function' ? undefined : CHILD_QUEUE) },
      },
      records: processJobRecords,
    }),
  ];
}

/** `limits.queues` entries for the job server's children. */
export function processQueueLimits(options?: Pick<JobServerOptions, 'maxChildren'>): Record<string, number> {
  return { [CHILD_QUEUE]: options?.maxChildren ?? 4 };
}

/** Sends `job.wake` to every queued process job, so a job server that opens the store takes them; resolves with how many. */
export async function wakeProcessJobs(runtime: Pick<Runtime, 'query' | 'send'>): Promise<number> {
  const queued = await runtime.query({ machine: PROCESS_JOB_MACHINE, state: 'queued', status: 'active' });
  for (let at = 0; at < queued.length; at += 500) {
    await Promise.all(queued.slice(at, at + 500).map((record) => runtime.send(record.id, { type: 'job.wake' })));
  }
  return queued.length;
}
