/**
 * The effects of the `processJob` machine. `loadData` hashes the bound data
 * files (the job's record then names each input by content). `runProcess`
 * reads the data again (a file changed since is refused), converts stored
 * data with its datatype's converter, and runs the process with its runner.
 *
 * At least once (contract 2), except where a process says it must not be:
 * before a non-idempotent process starts, a start mark `[job, run]` is
 * committed and flushed; a run that finds its mark (the effect re-run after a
 * crash or a close) does not start the process again and reports
 * `interrupted`. Without a mark store, `attempt > 1` stands in for the mark
 * (the effect never retries, so only a recovery makes a second attempt).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { HoldfastError, NonRetryableError, toHoldfastError } from '../../errors.js';
import type { JobServerOptions } from './job-server.types.js';
import { runEval } from '../processes/eval-runner.js';
import type { EvalSandbox } from '../processes/eval-sandbox.js';
import { runFile, sha256File } from '../processes/file-runner.js';
import { runFunction } from '../processes/function-runner.js';
import type { GroupRegistry, RunOutcome } from '../processes/run-outcome.js';
import { type DataBinding, type LoadDataInput, type LoadDataResult, type RunProcessInput, type RunProcessResult } from '../../machines/process-job.types.js';
import type { EffectContext } from '../../runtime/effect-runner.js';
import { sha256Of } from './canonical-json.js';
import { recordedGroups, recordedStartMarks } from './process-records.js';

/** Durable start marks: read, and written and flushed before a process starts. */
export interface StartMarks {
  has(key: [string, number]): Promise<boolean>;
  put(key: [string, number], value: { at: number }): Promise<void>;
}

export interface EffectDeps {
  /** The checked path of an existing data file. @throws INVALID_INPUT, DATA_NOT_FOUND */
  dataFile: (name: string) => string;
  functions: NonNullable<JobServerOptions['functions']>;
  datatypes: NonNullable<JobServerOptions['datatypes']>;
  scriptsDir: string | undefined;
  allowEnv: readonly string[];
  maxOutputBytes: number;
  evalMemoryMb: number;
  /** Where eval runs, and whether it may run where that is not a full sandbox. */
  evalSandbox: () => Promise<EvalSandbox>;
  allowUnsandboxedEval: boolean;
  functionsVersion: string;
  /** Start marks; @default the runtime's records (`recordedStartMarks`), or none outside a runtime (a second attempt counts as started). */
  marks?: StartMarks | undefined;
  /** Registered child process groups: the orphans of a killed owner are killed before anything starts here. @default the runtime's records (`recordedGroups`) */
  groups?: (GroupRegistry & { reapOrphans(): Promise<void> }) | undefined;
}

export function createLoadData(deps: EffectDeps) {
  return async (input: LoadDataInput): Promise<LoadDataResult> => {
    try {
      const hashes: string[] = [];
      for (const binding of input.data) hashes.push(binding.kind === 'datafile' ? await sha256File(deps.dataFile(binding.ref ?? '')) : binding.sha256);
      return { ok: true, sha256: hashes };
    } catch (error) {
      const { code, reason } = toHoldfastError(error);
      return { ok: false, error: { code, message: reason }, at: Date.now() };
    }
  };
}

export function createRunProcess(deps: EffectDeps) {
  let reaped: Promise<void> | undefined;
  return async (input: RunProcessInput, { attempt, signal, records }: EffectContext): Promise<RunProcessResult> => {
    const marks = deps.marks ?? (records && recordedStartMarks(records));
    const groups = deps.groups ?? (records && recordedGroups(records));
    // Once per process, and every run waits for it: no process of ours starts before the orphans are killed.
    // A reap that fails leaves orphans, as before it existed; it does not stop the runs.
    reaped ??= groups?.reapOrphans().catch(() => {}) ?? Promise.resolve();
    await reaped;
    if (!input.idempotent) {
      const key: [string, number] = [input.jobId, input.run];
      const startedBefore = marks ? await marks.has(key) : attempt > 1;
      if (startedBefore) return { status: 'interrupted', at: Date.now() };
    }
    let data: unknown[];
    try {
      data = await loadValues(input.data, deps);
    } catch (error) {
      const { code, reason } = toHoldfastError(error);
      const now = Date.now();
      return { status: 'failed', startedAt: now, endedAt: now, error: { code, message: reason } };
    }
    if (!input.idempotent && marks) await marks.put([input.jobId, input.run], { at: Date.now() });
    return run(input, data, deps, groups, signal);
  };
}

async function run(input: RunProcessInput, data: unknown[], deps: EffectDeps, registry: EffectDeps['groups'], signal: AbortSignal): Promise<RunOutcome & { version?: string }> {
  const { process, parameters, timeoutMs } = input;
  const maxOutputBytes = deps.maxOutputBytes;
  const groups: GroupRegistry | undefined = registry && { started: (pid, command) => registry.started(pid, command, input.jobId), exited: (pid) => registry.exited(pid) };
  switch (process.kind) {
    case 'function': {
      const fn = process.name !== undefined && Object.hasOwn(deps.functions, process.name) ? deps.functions[process.name] : undefined;
      if (!fn) throw new NonRetryableError(`no function named ${JSON.stringify(process.name)} is registered here`, { code: 'INVALID_INPUT' });
      return runFunction({ fn, name: process.name!, data, parameters, jobId: input.jobId, timeoutMs, maxOutputBytes, signal });
    }
    case 'file': {
      if (deps.scriptsDir === undefined) throw new NonRetryableError('this job server has no scripts folder', { code: 'INVALID_INPUT' });
      const stdin = JSON.stringify({ data, parameters });
      return runFile({ scriptsDir: deps.scriptsDir, name: process.name ?? '', args: process.args ?? [], stdin, allowEnv: deps.allowEnv, timeoutMs, maxOutputBytes, signal, ...(groups ? { groups } : {}) });
    }
    case 'eval':
      return runEval({
        source: process.source ?? '',
        data,
        parameters,
        timeoutMs,
        memoryMb: deps.evalMemoryMb,
        maxOutputBytes,
        signal,
        sandbox: await deps.evalSandbox(),
        allowUnsandboxed: deps.allowUnsandboxedEval,
        ...(groups ? { groups } : {}),
      });
  }
}

/** The values a process gets, in reference order. @throws DATA_NOT_FOUND, SOURCE_CHANGED, INVALID_INPUT */
async function loadValues(bindings: readonly DataBinding[], deps: EffectDeps): Promise<unknown[]> {
  const values: unknown[] = [];
  for (const binding of bindings) {
    if (binding.kind === 'raw') values.push(binding.value);
    else if (binding.kind === 'stored') {
      const convert = binding.datatype !== undefined && Object.hasOwn(deps.datatypes, binding.datatype) ? deps.datatypes[binding.datatype] : undefined;
      if (!convert) throw new HoldfastError('INVALID_INPUT', `datatype ${JSON.stringify(binding.datatype)} of stored data ${binding.ref} is not registered here`);
      try {
        values.push(await convert(binding.value));
      } catch (error) {
        throw new HoldfastError('INVALID_INPUT', `the ${binding.datatype} converter refused stored data ${binding.ref}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
    } else values.push(await readDataFile(binding, deps.dataFile));
  }
  return values;
}

/** A data file's content as loaded: `.json` parsed, anything else as UTF-8 text. */
async function readDataFile(binding: DataBinding, dataFile: (name: string) => string): Promise<unknown> {
  const name = binding.ref ?? '';
  const bytes = await readFile(dataFile(name));
  const text = bytes.toString('utf8');
  const sha256 = sha256Of(bytes);
  if (binding.sha256 && sha256 !== binding.sha256) {
    throw new HoldfastError('SOURCE_CHANGED', `data file ${name} changed after it was loaded (sha256 ${binding.sha256.slice(0, 12)}... then ${sha256.slice(0, 12)}...): run the job again`, { details: { name } });
  }
  if (extname(name).toLowerCase() !== '.json') return text;
  try {
    return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
  } catch (error) {
    throw new HoldfastError('INVALID_INPUT', `data file ${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
