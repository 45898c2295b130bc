/**
 * The default assembly: one store, the built-in machines with their adapters,
 * one runtime. The CLI and host apps open holdfast through here.
 */
import { DataverseClient } from '../adapters/dataverse/dataverse-client.js';
import { createDataLoadEffects } from '../adapters/dataload/dataload-effects.js';
import { taskJobMachines, taskQueueLimits, wakeTaskJobs, type TaskWorkerOptions } from '../adapters/tasks/task-worker.js';
import { createJobServer, processJobMachines, processQueueLimits, type JobServer, type JobServerOptions } from '../jobserver/job-server.js';
import { openUsers } from '../jobserver/users.js';
import { createHashPool, type HashPool } from '../adapters/files/hash-pool.js';
import { importMachines } from '../adapters/import/import-machines.js';
import { startOwnerSocket, type OwnerHandlers, type OwnerSocket } from '../adapters/owner-socket.js';
import { createRuntime } from '../create-runtime.js';
import { DATAFILE_MACHINE, DATAFILE_VERSION, datafileMachine } from '../machines/datafile.machine.js';
import { DATALOAD_MACHINE, DATALOAD_VERSION, dataloadMachine } from '../machines/dataload.machine.js';
import { WATCH_MACHINE, WATCH_VERSION, watchMachine } from '../machines/watch.machine.js';
import { openLmdbStore } from '../persistence/lmdb-store.js';
import type { Durability, Store } from '../persistence/store.js';
import type { Limits } from '../runtime/limiter.js';
import { defineMachine, type MachineDefinition } from '../runtime/machine-registry.js';
import { RUNTIME_DEFAULTS } from '../runtime/runtime-defaults.js';
import type { Runtime } from '../runtime/runtime.js';
import { HoldfastError } from '../errors.js';
import type { Application } from '../batch/application.js';
import { batchJobMachines } from '../batch/batch-machines.js';
import { createBatchJobs, type BatchJobs } from '../batch/batch-jobs.js';
import { batchOwnerCommands } from '../batch/batch-owner-commands.js';
import type { HostSource } from '../host/host-module.js';
import { BATCH_JOB_MACHINE } from '../machines/batch-job.machine.js';
import { finishDeletes, JOB_RECORDS } from './job-records.js';
import { deleteJobWithLoads, loadCopiesCleanup, type DeleteOptions, type DeleteResult } from './load-delete.js';

export type { DeleteOptions, DeleteResult } from './load-delete.js';
import { reportStorageNotices } from './storage-notices.js';

export interface HoldfastOptions {
  /** Store folder. @default './.holdfast' */
  store?: string;
  limits?: Limits;
  durability?: Durability;
  /** Replaces the Dataverse HTTP client's fetch (tests). */
  fetch?: typeof fetch;
  /** Answer other holdfast processes' commands on the store's socket. @default true */
  listen?: boolean;
  /** Resume interrupted work at open (false for short commands). @default true */
  resume?: boolean;
  /** Run task jobs here: the task registry and the queues this process serves. */
  tasks?: TaskWorkerOptions;
  /** Run process jobs here (issue 7): the data folder, scripts, functions, datatypes and limits. */
  jobServer?: JobServerOptions;
  /** Batch-job applications (issue 5) this process runs; `batchJobs` serves them. */
  applications?: readonly Application[];
  /** The host module's item sources, for a `job create --source app:NAME` sent to this process as the store's owner. */
  sources?: Readonly<Record<string, HostSource>>;
  /**
   * Where one line per full-disk episode goes (the store's disk, a files dir's), instead of
   * lmdb-js's raw stacks; false for none. @default a line on stderr
   */
  notices?: ((line: string) => void) | false;
}

export interface Holdfast {
  runtime: Runtime;
  store: Store;
  /** The machines the runtime hosts (the inspector draws them). */
  machines: readonly MachineDefinition[];
  /** Keeps a Dataverse token for a URL, in the store's secrets (never printed or sent to the inspector). */
  keepToken(dataverseUrl: string, token: string): Promise<void>;
  /** The job server, when `jobServer` options were given. */
  jobServer?: JobServer;
  /** Batch jobs over the applications given in `applications`. */
  batchJobs: BatchJobs;
  /**
   * Deletes a finished or paused top job with every record it left (src/cli/job-records.ts; a batch job through batchJobs),
   * and a data load's copies that Dataverse does not hold (src/cli/load-delete.ts), reported as `copies`.
   * @throws ACTOR_NOT_FOUND, INVALID_INPUT, JOB_RUNNING; COPIES_UNCONFIRMED when Dataverse cannot be asked (nothing deleted)
   */
  deleteJob(id: string, options?: DeleteOptions): Promise<DeleteResult>;
  close(): Promise<void>;
}

export const DEFAULT_STORE = './.holdfast';

/** Dataverse tokens by installation URL, in the store folder (mode 0700). */
const SECRETS = 'secrets';

/** The built-in data-load machines with their effects. */
export function dataLoadMachines(store: Store, hashPool: HashPool, options: Pick<HoldfastOptions, 'fetch'> = {}): MachineDefinition[] {
  const effects = createDataLoadEffects({ hashPool, records: store, dataverse: dataverseFor(store, options) });
  const { locateDataset, walkSource, registerFiles, updateMetadata, cleanUp, discardCopies, prepareFile, copyFile } = effects;
  return [
    defineMachine({
      name: DATALOAD_MACHINE,
      version: DATALOAD_VERSION,
      machine: dataloadMachine.provide({ actors: { locateDataset, walkSource, registerFiles, updateMetadata, cleanUp, discardCopies } }),
      // The Dataverse client retries HTTP failures itself; one registration per dataset at a time.
      effects: { registerFiles: { maxAttempts: 2, key: (input) => `dataset:${(input as { dataset: string }).dataset}` }, locateDataset: { maxAttempts: 2 } },
    }),
    defineMachine({ name: WATCH_MACHINE, version: WATCH_VERSION, machine: watchMachine }),
    defineMachine({
      name: DATAFILE_MACHINE,
      version: DATAFILE_VERSION,
      machine: datafileMachine.provide({ actors: { prepareFile, copyFile } }),
      effects: { prepareFile: { queue: 'prepare', maxAttempts: 3 }, copyFile: { queue: 'copy', maxAttempts: 3, backoffMs: 500 } },
    }),
  ];
}

/** A Dataverse client for an installation, with the token the store keeps for it. */
function dataverseFor(store: Store, options: Pick<HoldfastOptions, 'fetch'>): (baseUrl: string) => DataverseClient {
  return (baseUrl) => new DataverseClient({ baseUrl, token: store.getRecord<{ token: string }>(SECRETS, baseUrl)?.token ?? '', ...(options.fetch ? { fetch: options.fetch } : {}) });
}

/** Opens the store and a runtime with every built-in machine; resumes what was interrupted. */
export async function openHoldfast(options: HoldfastOptions = {}): Promise<Holdfast> {
  const store = openLmdbStore(options.store ?? DEFAULT_STORE);
  const hashPool = createHashPool();
  try {
    const applications = options.applications ?? [];
    const machines = [...dataLoadMachines(store, hashPool, options), ...taskJobMachines(store, options.tasks), ...processJobMachines(options.jobServer, store), ...importMachines(store, options), ...batchJobMachines(applications, { store })];
    const runtime = await createRuntime({
      store,
      machines,
      limits: { concurrency: RUNTIME_DEFAULTS.concurrency, perKey: 1, ...options.limits, queues: { prepare: 8, copy: 4, ...taskQueueLimits(options.tasks), ...processQueueLimits(options.jobServer), ...options.limits?.queues } },
      durability: options.durability ?? RUNTIME_DEFAULTS.durability,
      resume: options.resume ?? true,
    });
    const notices = options.notices ?? ((line: string) => void process.stderr.write(`${line}\n`));
    const stopNotices = notices === false ? () => {} : reportStorageNotices(runtime, notices);
    // A delete that a kill cut short (actors gone, records left) is finished first, short commands too.
    await finishDeletes(runtime, JOB_RECORDS, loadCopiesCleanup(dataverseFor(store, options)));
    if (options.resume !== false) await wakeTaskJobs(runtime, options.tasks);
    // Batches a process without their application left waiting continue here (a short command resumes nothing, so wakes nothing).
    const batchJobs = createBatchJobs(runtime, applications, { wake: options.resume !== false });
    await batchJobs.woken;
    const keepToken = (dataverseUrl: string, token: string) => runtime.records.put(SECRETS, dataverseUrl, { token });
    const deleteJob = async (id: string, deleteOptions: DeleteOptions = {}): Promise<DeleteResult> =>
      runtime.get(id)?.machine === BATCH_JOB_MACHINE ? batchJobs.delete(id) : deleteJobWithLoads(runtime, id, { dataverse: dataverseFor(store, options), keepToken }, deleteOptions);
    const jobServer = options.jobServer ? createJobServer(runtime, options.jobServer, { wake: options.resume !== false, deleteJob }) : undefined;
    await jobServer?.woken;
    const batchCommands = batchOwnerCommands({ jobs: batchJobs, applications, ...(options.sources ? { sources: options.sources } : {}) });
    const socket = options.listen === false ? undefined : await listen(store.path, runtime, keepToken, batchCommands, deleteJob);
    let closed: Promise<void> | undefined;
    return {
      runtime,
      store,
      machines,
      keepToken,
      ...(jobServer ? { jobServer } : {}),
      batchJobs,
      deleteJob,
      close: () =>
        (closed ??= (async () => {
          try {
            await socket?.close();
            await runtime.close();
          } finally {
            stopNotices();
            await hashPool.close();
            await store.close();
          }
        })()),
    };
  } catch (error) {
    await hashPool.close();
    await store.close();
    throw error;
  }
}

/** The commands other processes may send the owner (DESIGN.md, "One owner, many commands"). */
function listen(folder: string, runtime: Runtime, keepToken: (url: string, token: string) => Promise<void>, batchCommands: OwnerHandlers, deleteJob: Holdfast['deleteJob']): Promise<OwnerSocket> {
  const text = (args: Record<string, unknown>, name: string) => {
    const value = args[name];
    if (typeof value !== 'string' || value.length === 0) throw new HoldfastError('INVALID_INPUT', `${name} must be a non-empty string`);
    return value;
  };
  return startOwnerSocket(folder, {
    ping: async () => ({ pid: process.pid }),
    spawn: async (args) => runtime.spawn(text(args, 'machine'), args.input ?? {}, typeof args.id === 'string' ? { id: args.id } : {}),
    send: async (args) => runtime.send(text(args, 'id'), args.event as { type: string }),
    keepToken: async (args) => keepToken(text(args, 'url'), text(args, 'token')),
    pause: async (args) => runtime.pause(text(args, 'id')),
    unpause: async (args) => runtime.unpause(text(args, 'id')),
    retry: async (args) => runtime.retry(text(args, 'id')),
    delete: async (args) => deleteJob(text(args, 'id'), { ...(typeof args.token === 'string' ? { token: args.token } : {}), keepCopies: args.keepCopies === true }),
    putMetadata: async (args) => runtime.records.put('metadata', text(args, 'id'), args.metadata ?? {}),
    // `holdfast user add` while this process owns the store: the token travels back over the 0600 socket, once.
    addUser: async (args) => openUsers(runtime.records).add(text(args, 'name'), args.options ?? {}),
    // job create, run, reprocess, resolve and delete of batch jobs (src/batch/batch-owner-commands.ts).
    ...batchCommands,
  });
}
