/**
 * The shapes a `processJob` actor carries: the process it binds, the data
 * references (with their content hashes once known), and what one run of the
 * process hands back. Plain types: the zod request schema lives in src/adapters/http.
 */

export type ProcessKind = 'function' | 'file' | 'eval';

/** The process to run; an eval's source stays in the actor, never in its public view. */
export interface ProcessBinding {
  kind: ProcessKind;
  /** A function's or script's name. */
  name?: string;
  /** A file process's arguments. */
  args?: string[];
  /** An eval's JavaScript source. */
  source?: string;
  /** The function's declared version, the script's or the source's sha256. */
  version: string;
}

/**
 * One data reference. `raw` and `stored` values are copied into the job at
 * submit (the run is reproducible even if stored data changes later); a data
 * file is read at run time and its hash checked against the one loaded.
 */
export interface DataBinding {
  kind: 'datafile' | 'stored' | 'raw';
  /** A data file's name or a stored data id. */
  ref?: string;
  /** A stored value's datatype (its converter turns the value into what the process gets). */
  datatype?: string;
  value?: unknown;
  /** sha256 of the bytes (data file) or of the canonical JSON (stored, raw); '' until loaded. */
  sha256: string;
}

export interface ErrorJson {
  code: string;
  message: string;
}

export interface ExitStatus {
  code: number | null;
  signal?: string | null;
}

export interface ProcessJobInput {
  owner: string;
  process: ProcessBinding;
  idempotent: boolean;
  parameters: Record<string, unknown>;
  data: DataBinding[];
  timeoutMs: number;
  /** Stamped by the job server: machines never read the clock. */
  createdAt: number;
}

export interface ProcessJobContext extends ProcessJobInput {
  /** 1 for the first run; a re-run of an interrupted job counts up (its start mark is per run). */
  run: number;
  startedAt?: number | undefined;
  endedAt?: number | undefined;
  exit?: ExitStatus | undefined;
  protections?: Record<string, unknown> | undefined;
  error?: ErrorJson | undefined;
  /** True once an output record was written. */
  hasOutput?: boolean | undefined;
}

/** The input of the data-loading effect. */
export interface LoadDataInput {
  jobId: string;
  data: DataBinding[];
}

/** Data hashes in reference order, or why the data cannot be loaded. */
export type LoadDataResult = { ok: true; sha256: string[] } | { ok: false; error: ErrorJson; at: number };

/** The input of one run of the process. */
export interface RunProcessInput {
  jobId: string;
  run: number;
  process: ProcessBinding;
  idempotent: boolean;
  parameters: Record<string, unknown>;
  data: DataBinding[];
  timeoutMs: number;
}

/** What a process left: a value (function, eval) or captured streams (file; eval's console). */
export interface ProcessOutputJson {
  value?: unknown;
  stdout?: string;
  stderr?: string;
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
}

/** What one run hands back; `interrupted` when a non-idempotent process was found started before a crash. */
export type RunProcessResult =
  | { status: 'interrupted'; at: number }
  | {
      status: 'succeeded' | 'failed';
      startedAt: number;
      endedAt: number;
      /** The version that actually ran (a script may change between submit and run). */
      version?: string;
      exit?: ExitStatus;
      protections?: Record<string, unknown>;
      output?: ProcessOutputJson;
      error?: ErrorJson;
    };

/** Record collections the machine writes. */
export const PROCESS_JOB_OWNERS = 'processJobOwners';
export const PROCESS_OUTPUTS = 'processOutputs';
export const PROCESS_STARTS = 'processStarts';
/** Child process groups running (or left by a killed owner), by pid. */
export const PROCESS_GROUPS = 'processGroups';
