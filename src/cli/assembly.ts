/**
 * The default assembly: one store, the kinds of work (src/kinds: the built-in
 * ones and a host module's) with their machines and adapters, one runtime.
 * The CLI and host apps open holdfast through here; it is the one place above
 * the runtime that opens a store, and it hands it to the runtime.
 */
import type { TaskWorkerOptions } from '../adapters/tasks/task-worker.js';
import { createJobServer, type JobServer, type JobServerOptions } from '../adapters/jobserver/job-server.js';
import { openUsers } from '../adapters/jobserver/users.js';
import { createHashPool, type HashPool } from '../adapters/files/hash-pool.js';
import { startOwnerSocket, type OwnerHandlers, type OwnerSocket } from '../adapters/owner-socket.js';
import { rotateServeTokens } from '../adapters/http/serve-tokens.js';
import { createRuntime, openLmdbStore } from '../create-runtime.js';
import type { Durability, SyncStore } from '../runtime/actor-types.js';
import type { Limits } from '../runtime/limiter.js';
import type { MachineDefinition } from '../runtime/machine-registry.js';
import { RUNTIME_DEFAULTS } from '../runtime/runtime-defaults.js';
import { startRuntime, type Runtime } from '../runtime/runtime.js';
import { HoldfastError } from '../errors.js';
import type { Application } from '../adapters/batch/application.js';
import { createBatchJobs, type BatchJobs } from '../adapters/batch/batch-jobs.js';
import { batchOwnerCommands } from '../adapters/batch/batch-owner-commands.js';
import type { HostSource } from '../kinds/host-module.js';
import { BUILTIN_KINDS } from '../kinds/builtin-kinds.js';
import { loadDefinitions, SECRETS } from '../kinds/dataload.js';
import { watchDefinition } from '../kinds/watch.js';
import { kindOfJob, type KindContext, type WorkKind } from '../kinds/work-kind.js';
import type { DeleteOptions, DeleteResult } from './load-delete.js';

export type { DeleteOptions, DeleteResult } from './load-delete.js';
import { reportStorageNotices } from './storage-notices.js';
import { reportOnSignal } from './diagnostics-signal.js';

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
  /**
   * How long a finished actor keeps its step journal, in milliseconds (`false`: for ever); its record,
   * output and the records it wrote stay. Pruned in the background by an owner that resumes its work.
   * @default 604800000 (7 days)
   */
  retention?: number | false;
  /** Run task jobs here: the task registry and the queues this process serves. */
  tasks?: TaskWorkerOptions;
  /** Run process jobs here (issue 7): the data folder, scripts, functions, datatypes and limits. */
  jobServer?: JobServerOptions;
  /** Batch-job applications (issue 5) this process runs; `batchJobs` serves them. */
  applications?: readonly Application[];
  /** Kinds of work besides the built-in ones (a host module's `kinds`): their machines run here, and the CLI lists them. */
  kinds?: readonly WorkKind[];
  /** The host module's item sources, for a `job create --source app:NAME` sent to this process as the store's owner. */
  sources?: Readonly<Record<string, HostSource>>;
  /**
   * Where one line per full-disk episode goes (the store's disk, a files dir's), instead of
   * lmdb-js's raw stacks; false for none. @default a line on stderr
   */
  notices?: ((line: string) => void) | false;
  /** More commands this process answers on the store's socket, or its own version of one (`serve`'s `rotateTokens`). */
  ownerCommands?: OwnerHandlers;
}

export interface Holdfast {
  runtime: Runtime;
  store: SyncStore;
  /** The machines the runtime hosts (the inspector draws them). */
  machines: readonly MachineDefinition[];
  /** The kinds of work it runs: the built-in ones, then the host's. */
  kinds: readonly WorkKind[];
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

/** The built-in data-load machines with their effects (the data load's and the watch's); the effects read records through their context. */
export function dataLoadMachines(hashPool: HashPool, options: Pick<HoldfastOptions, 'fetch'> = {}): MachineDefinition[] {
  const [dataload, datafile] = loadDefinitions(hashPool, options);
  return [dataload!, watchDefinition(), datafile!];
}

/** Every kind this process runs: the built-in ones, then `extra`; two of one name are refused. */
export function kindsOf(extra: readonly WorkKind[] = []): WorkKind[] {
  const kinds = [...BUILTIN_KINDS, ...extra];
  const names = new Set<string>();
  for (const kind of kinds) {
    if (names.has(kind.name)) throw new HoldfastError('INVALID_OPTIONS', `two kinds of work are named ${kind.name}`, { details: { kind: kind.name } });
    names.add(kind.name);
  }
  return kinds;
}

/** Opens the store and a runtime with every built-in machine; resumes what was interrupted. */
export async function openHoldfast(options: HoldfastOptions = {}): Promise<Holdfast> {
  const store = openLmdbStore(options.store ?? DEFAULT_STORE);
  const hashPool = createHashPool();
  try {
    const applications = options.applications ?? [];
    const kinds = kindsOf(options.kinds);
    // The kinds' effects read records through their context; a kind gets the store's folder (task jobs' archive), never the store.
    const context: KindContext = { options: options as Readonly<Record<string, unknown>>, services: { storePath: store.path, hashPool, applications } };
    const machines = kinds.flatMap((kind) => kind.machines(context));
    const queues = Object.assign({}, ...kinds.map((kind) => kind.queues?.(context) ?? {})) as Record<string, number>;
    const runtime = await createRuntime({
      store,
      machines,
      limits: { concurrency: RUNTIME_DEFAULTS.concurrency, perKey: 1, ...options.limits, queues: { ...queues, ...options.limits?.queues } },
      durability: options.durability ?? RUNTIME_DEFAULTS.durability,
      resume: options.resume ?? true,
      ...(options.retention !== undefined ? { retention: options.retention } : {}),
    });
    const notices = options.notices ?? ((line: string) => void process.stderr.write(`${line}\n`));
    const stopNotices = notices === false ? () => {} : reportStorageNotices(runtime, notices);
    const stopReporting = reportOnSignal(runtime);
    if (options.resume !== false) for (const kind of kinds) await kind.wake?.(runtime, context);
    // Batches a process without their application left waiting continue here (a short command resumes nothing, so wakes nothing).
    const batchJobs = createBatchJobs(runtime, applications, { wake: options.resume !== false });
    await batchJobs.woken;
    const keepToken = (dataverseUrl: string, token: string) => runtime.records.put(SECRETS, dataverseUrl, { token });
    const services = { batchJobs };
    // A kind that needs more than runtime.delete (a load's token, a batch job's run check) deletes its own jobs.
    const deleteJob = async (id: string, deleteOptions: DeleteOptions = {}): Promise<DeleteResult> => {
      const kind = kindOfJob(kinds, (await runtime.get(id))?.machine ?? '');
      const given: Record<string, unknown> = { ...deleteOptions };
      return kind?.delete ? kind.delete({ runtime, keepToken, services }, id, given) : runtime.delete(id, given);
    };
    const jobServer = options.jobServer ? createJobServer(runtime, options.jobServer, { wake: options.resume !== false, deleteJob }) : undefined;
    await jobServer?.woken;
    const batchCommands = batchOwnerCommands({ jobs: batchJobs, applications, ...(options.sources ? { sources: options.sources } : {}) });
    const socket = options.listen === false ? undefined : await listen(store.path, runtime, keepToken, { ...batchCommands, ...options.ownerCommands }, deleteJob);
    let closed: Promise<void> | undefined;
    return {
      runtime,
      store,
      machines,
      kinds,
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
            stopReporting();
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

/**
 * A runtime over the store opened read-only, beside any owner: read-only commands
 * (`jobs`, `job`, `batches`) query through it and never touch the store themselves.
 * It runs nothing and refuses writes. Close it with `runtime.close()`.
 * @throws STORE_MISSING when the folder holds no store (nothing is created)
 */
export function openReader(storePath: string): Runtime {
  const store = openLmdbStore(storePath, { readOnly: true });
  try {
    return startRuntime({ store, machines: [], resume: false }, { store, ownsStore: true });
  } catch (error) {
    void store.close();
    throw error;
  }
}

/** Runs `task` over a reader of the store (openReader) and closes it. */
export async function withReader<T>(storePath: string, task: (runtime: Runtime) => T | Promise<T>): Promise<T> {
  const runtime = openReader(storePath);
  try {
    return await task(runtime);
  } finally {
    await runtime.close();
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
    // `holdfast prune` while this process owns the store: one pass after the periodic one, if it runs.
    prune: async (args) => runtime.prune(typeof args.olderThanMs === 'number' ? { olderThanMs: args.olderThanMs } : {}),
    putMetadata: async (args) => runtime.records.put('metadata', text(args, 'id'), args.metadata ?? {}),
    // `holdfast user add` while this process owns the store: the token travels back over the 0600 socket, once.
    addUser: async (args) => openUsers(runtime.records).add(text(args, 'name'), args.options ?? {}),
    // `holdfast token rotate` beside an owner that serves no page: new tokens for the next `serve` (serve answers it itself).
    rotateTokens: async () => ({ tokens: rotateServeTokens(folder), served: false }),
    // job create, run, reprocess, resolve and delete of batch jobs (src/adapters/batch/batch-owner-commands.ts), and the caller's own.
    ...batchCommands,
  });
}
