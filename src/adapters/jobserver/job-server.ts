/**
 * The job server: process jobs bound to data, users with tokens and limits,
 * data files and stored data, over a runtime that hosts the `processJob`
 * machine (processJobMachines). Submissions are checked whole before anything
 * is written: the request shape, eval for superusers only, the process and
 * every data reference, then the user's limits (`maxRunning`: jobs not yet
 * final; `maxTotal`: jobs kept), counting submissions still being spawned.
 * @example
 * const jobServer = createJobServer(runtime, { dataDir, functions: { double: (data) => (data as number[]).map((n) => n * 2) } });
 * const { token } = await jobServer.users.add('ada');
 * const job = await jobServer.submit(jobServer.users.authenticate(token)!, { process: { kind: 'function', name: 'double' }, data: [{ kind: 'raw', value: 21 }] });
 */
import { randomBytes } from 'node:crypto';
import { HoldfastError } from '../../errors.js';
import { PROCESS_JOB_MACHINE } from '../../machines/process-job.machine.js';
import { PROCESS_JOB_OWNERS, PROCESS_OUTPUTS, type DataBinding, type ProcessBinding, type ProcessJobContext, type ProcessJobInput, type ProcessOutputJson } from '../../machines/process-job.types.js';
import type { ActorRecord } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';
import { arrayOf } from '../../runtime/async-views.js';
import { locateScript } from '../processes/file-runner.js';
import { canonicalHash, parseRequest, sha256Of } from './canonical-json.js';
import { openDataFiles } from './data-files.js';
import type { JobServer, JobServerOptions, Principal, ProcessJobView } from './job-server.types.js';
import { processJobRequestSchema, type ProcessJobRequest } from '../http/process-job-request.js';
import { wakeProcessJobs } from './process-job-machines.js';
import { MAX_STORED_BYTES, openStoredData } from './stored-data.js';
import { openUsers } from './users.js';
import { validateJobServerOptions } from './job-server-options.js';

export type { Principal, ProcessJobView, ProcessOutput, DataFileInfo, StoredDataView, JobServer, JobServerOptions, UsersApi, DataFilesApi, StoredDataApi } from './job-server.types.js';
export { processJobMachines, processQueueLimits, wakeProcessJobs } from './process-job-machines.js';

export const DEFAULT_TIMEOUT_MS = 60_000;
/** Raw and stored values travel in the job's record: together at most this much JSON. */
export const MAX_JOB_DATA_BYTES = MAX_STORED_BYTES;
const FINAL_OR_WAITING = new Set(['succeeded', 'failed', 'cancelled', 'dismissed', 'interrupted']);

/**
 * A job server over a runtime that hosts `processJobMachines(options)`; sends `job.wake` to queued jobs unless `wake: false` (see `woken`).
 * @throws INVALID_OPTIONS naming every problem of the options
 */
/** What the assembly wires in: whether to wake interrupted jobs now, and how a job and its records are deleted. */
export interface JobServerWiring {
  wake?: boolean;
  /** Deletes a top job with every record it left (the assembly's `Holdfast.deleteJob`). */
  deleteJob?: (id: string) => Promise<{ actors: number; records: number }>;
}

export function createJobServer(runtime: Runtime, options: JobServerOptions, wiring: JobServerWiring = {}): JobServer & { readonly woken: Promise<number> } {
  validateJobServerOptions(options);
  const users = openUsers(runtime.records);
  const dataFiles = openDataFiles(runtime.records, options);
  const functions = options.functions ?? {};
  const datatypes = options.datatypes ?? {};
  const storedData = openStoredData(runtime.records, datatypes);
  /** Submissions past their limit check and not yet spawned, per user: counted, so concurrent ones cannot overshoot a limit. */
  const pending = new Map<string, number>();

  // listedActor: a record that does not decode comes as a parked stand-in.
  const find = async (principal: Principal, id: string): Promise<ActorRecord> => {
    const record = typeof id === 'string' && id.length > 0 && id.length <= 200 ? await runtime.listedActor(id) : undefined;
    const owner = (record?.snapshot?.context as ProcessJobContext | undefined)?.owner;
    if (!record || record.machine !== PROCESS_JOB_MACHINE || (!principal.superuser && owner !== principal.user)) {
      throw new HoldfastError('ACTOR_NOT_FOUND', `no process job ${JSON.stringify(String(id)).slice(0, 220)}`, { details: { id: String(id).slice(0, 200) } });
    }
    return record;
  };
  const mayChange = (principal: Principal, record: ActorRecord): void => {
    const owner = (record.snapshot?.context as ProcessJobContext).owner;
    if (!principal.superuser && owner !== principal.user) throw new HoldfastError('FORBIDDEN', `job ${record.id} belongs to ${owner}`, { details: { id: record.id } });
  };
  const ownJobs = async (user: string): Promise<ActorRecord[]> => {
    const jobs: ActorRecord[] = [];
    for await (const { key } of runtime.records.iterate(PROCESS_JOB_OWNERS, [user])) {
      const record = await runtime.listedActor(String((key as readonly (string | number)[])[1]));
      if (record !== undefined && record.machine === PROCESS_JOB_MACHINE) jobs.push(record);
    }
    return jobs;
  };

  /** Refuses a job past the user's limits (`reserve` runs it, one check per user at a time). */
  const checkLimits = async (principal: Principal): Promise<void> => {
    const limits = await users.record(principal.user);
    if (!limits || (limits.maxRunning === undefined && limits.maxTotal === undefined)) return;
    const jobs = await ownJobs(principal.user);
    const inFlight = pending.get(principal.user) ?? 0;
    const total = jobs.length + inFlight;
    if (limits.maxTotal !== undefined && total >= limits.maxTotal) {
      throw new HoldfastError('LIMIT_EXCEEDED', `user ${principal.user} has ${total} jobs, the limit maxTotal is ${limits.maxTotal}: delete finished jobs or ask for a higher limit`, { details: { limit: 'maxTotal', value: limits.maxTotal, current: total } });
    }
    const running = jobs.filter((job) => job.status === 'active' && !FINAL_OR_WAITING.has(job.state)).length + inFlight;
    if (limits.maxRunning !== undefined && running >= limits.maxRunning) {
      throw new HoldfastError('LIMIT_EXCEEDED', `user ${principal.user} has ${running} jobs not yet finished, the limit maxRunning is ${limits.maxRunning}: wait for one to end`, { details: { limit: 'maxRunning', value: limits.maxRunning, current: running } });
    }
  };

  /** The process binding with its version. @throws FORBIDDEN (eval), INVALID_INPUT */
  const bindProcess = async (principal: Principal, process: ProcessJobRequest['process']): Promise<ProcessBinding> => {
    switch (process.kind) {
      case 'function': {
        if (!Object.hasOwn(functions, process.name)) {
          const known = Object.keys(functions).sort();
          throw new HoldfastError('INVALID_INPUT', `no function named ${JSON.stringify(process.name)} is registered (registered: ${known.length > 0 ? known.join(', ') : 'none'})`, { details: { function: process.name } });
        }
        const declared = (functions[process.name] as { version?: unknown }).version;
        return { kind: 'function', name: process.name, version: typeof declared === 'string' ? declared : (options.functionsVersion ?? 'unversioned') };
      }
      case 'file': {
        if (options.scriptsDir === undefined) throw new HoldfastError('INVALID_INPUT', 'this job server has no scripts folder: file processes are not available');
        const script = await locateScript(options.scriptsDir, process.name);
        return { kind: 'file', name: process.name, args: process.args ?? [], version: script.sha256 };
      }
      case 'eval':
        if (!principal.superuser) throw new HoldfastError('FORBIDDEN', `eval processes are for superusers only; ${principal.user} is not one`, { details: { user: principal.user } });
        return { kind: 'eval', source: process.source, version: sha256Of(process.source) };
    }
  };

  /**
   * Checks the user's limits and takes a place in `pending`, as one step: the checks of one user run one at
   * a time (the reads between are awaited), so concurrent submissions cannot overshoot a limit.
   */
  const limitChecks = new Map<string, Promise<void>>();
  const reserve = async (principal: Principal): Promise<void> => {
    const before = limitChecks.get(principal.user) ?? Promise.resolve();
    let release = () => {};
    const mine = before.then(() => new Promise<void>((resolve) => (release = resolve)));
    limitChecks.set(principal.user, mine);
    await before;
    try {
      await checkLimits(principal);
      pending.set(principal.user, (pending.get(principal.user) ?? 0) + 1);
    } finally {
      release();
      if (limitChecks.get(principal.user) === mine) limitChecks.delete(principal.user);
    }
  };

  /** Data references checked and hashed (data files are hashed when the job loads them). @throws INVALID_INPUT, DATA_NOT_FOUND, PAYLOAD_TOO_LARGE */
  const bindData = async (principal: Principal, references: NonNullable<ProcessJobRequest['data']>): Promise<DataBinding[]> => {
    let bytes = 0;
    const bindings: DataBinding[] = [];
    for (const reference of references) bindings.push(await bindOne(principal, reference, (more) => (bytes += more)));
    if (bytes > MAX_JOB_DATA_BYTES) throw new HoldfastError('PAYLOAD_TOO_LARGE', `the job's raw and stored data are ${bytes} bytes of JSON; the limit is ${MAX_JOB_DATA_BYTES}: put large data in a data file`, { details: { bytes, limit: MAX_JOB_DATA_BYTES } });
    return bindings;
  };
  const bindOne = async (principal: Principal, reference: NonNullable<ProcessJobRequest['data']>[number], count: (bytes: number) => void): Promise<DataBinding> => {
    if (reference.kind === 'datafile') {
      dataFiles.pathOf(reference.name); // exists and may be read; hashed when the job loads it
      return { kind: 'datafile', ref: reference.name, sha256: '' };
    }
    if (reference.kind === 'stored') {
      const stored = await storedData.get(principal, reference.id);
      if (!Object.hasOwn(datatypes, stored.datatype)) throw new HoldfastError('INVALID_INPUT', `stored data ${stored.id} has datatype ${stored.datatype}, which is not registered here`, { details: { id: stored.id } });
      count(canonicalHash(stored.value).bytes);
      return { kind: 'stored', ref: stored.id, datatype: stored.datatype, value: stored.value, sha256: stored.sha256 };
    }
    const hashed = canonicalHash(reference.value);
    count(hashed.bytes);
    return { kind: 'raw', value: reference.value ?? null, sha256: hashed.sha256 };
  };

  const view = async (id: string) => describeProcessJob((await runtime.listedActor(id))!);
  const woken = wiring.wake === false ? Promise.resolve(0) : wakeProcessJobs(runtime);
  woken.catch(() => {}); // awaited by whoever reads `woken`; not an unhandled rejection meanwhile

  return {
    users,
    dataFiles,
    storedData,
    woken,
    async submit(principal, body) {
      const request = parseRequest(processJobRequestSchema, body, 'process job');
      const process = await bindProcess(principal, request.process);
      const data = await bindData(principal, request.data ?? []);
      const input: ProcessJobInput = {
        owner: principal.user,
        process,
        idempotent: request.idempotent ?? false,
        parameters: request.parameters ?? {},
        data,
        timeoutMs: request.timeoutMs ?? options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        createdAt: Date.now(),
      };
      const id = `pj-${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
      await reserve(principal);
      try {
        await runtime.spawn(PROCESS_JOB_MACHINE, input, { id });
      } finally {
        const left = (pending.get(principal.user) ?? 1) - 1;
        if (left === 0) pending.delete(principal.user);
        else pending.set(principal.user, left);
      }
      return view(id);
    },
    get: async (principal, id) => describeProcessJob(await find(principal, id)),
    async list(principal, filter = {}) {
      const records = principal.superuser ? await arrayOf(runtime.actors({ machine: PROCESS_JOB_MACHINE })) : await ownJobs(principal.user);
      return records.filter((record) => filter.state === undefined || record.state === filter.state).map(describeProcessJob);
    },
    async cancel(principal, id) {
      const record = await find(principal, id);
      mayChange(principal, record);
      if (record.status === 'active') await runtime.send(record.id, { type: 'job.cancel', at: Date.now() });
      return view(record.id);
    },
    async rerun(principal, id) {
      const record = await find(principal, id);
      mayChange(principal, record);
      if (record.state !== 'interrupted') throw new HoldfastError('JOB_RUNNING', `job ${id} is ${record.state}: only an interrupted job can be re-run`, { details: { id, state: record.state } });
      await runtime.send(record.id, { type: 'job.rerun' });
      return view(record.id);
    },
    async dismiss(principal, id) {
      const record = await find(principal, id);
      mayChange(principal, record);
      if (record.state !== 'interrupted') throw new HoldfastError('JOB_RUNNING', `job ${id} is ${record.state}: only an interrupted job can be dismissed`, { details: { id, state: record.state } });
      await runtime.send(record.id, { type: 'job.dismiss', at: Date.now() });
      return view(record.id);
    },
    async delete(principal, id) {
      const record = await find(principal, id);
      mayChange(principal, record);
      if (record.status === 'active') {
        throw new HoldfastError('JOB_RUNNING', `job ${id} is ${record.state}: cancel it (or dismiss it, when interrupted) before deleting it`, { details: { id, state: record.state } });
      }
      if (!wiring.deleteJob) throw new HoldfastError('INVALID_OPTIONS', 'this job server cannot delete jobs: create it with createJobServer(runtime, options, { deleteJob })');
      return { id: record.id, deleted: await wiring.deleteJob(record.id) };
    },
    async output(principal, id) {
      const record = await find(principal, id);
      const output = await runtime.records.get<ProcessOutputJson>(PROCESS_OUTPUTS, record.id);
      if (output === undefined) throw new HoldfastError('DATA_NOT_FOUND', `job ${id} has no output (it is ${record.state})`, { details: { id, state: record.state } });
      return output;
    },
  };
}

/** A process job as the API shows it: everything to reproduce the run, never an eval's source or a raw value. */
export function describeProcessJob(record: ActorRecord): ProcessJobView {
  const context = (record.snapshot?.context ?? {}) as Partial<ProcessJobContext>;
  const process = context.process ?? { kind: 'function', version: '' };
  const error = context.error ?? (record.error ? { code: record.error.code, message: record.error.message } : undefined);
  return {
    id: record.id,
    owner: context.owner ?? '',
    state: record.status === 'parked' ? 'parked' : record.state,
    process: { kind: process.kind, ...(process.name !== undefined ? { name: process.name } : {}), ...(process.args !== undefined ? { args: process.args } : {}), version: process.version, idempotent: context.idempotent ?? false },
    parameters: context.parameters ?? {},
    data: (context.data ?? []).map((binding) => ({ kind: binding.kind, ...(binding.ref !== undefined ? { ref: binding.ref } : {}), sha256: binding.sha256 })),
    createdAt: context.createdAt ?? record.createdAt,
    ...(context.startedAt !== undefined ? { startedAt: context.startedAt } : {}),
    ...(context.endedAt !== undefined ? { endedAt: context.endedAt } : {}),
    ...(context.exit !== undefined ? { exit: context.exit } : {}),
    ...(context.protections !== undefined ? { protections: context.protections } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}
