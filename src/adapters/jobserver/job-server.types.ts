/**
 * The options of a job server. Its public shapes are the HTTP API's port
 * (adapters/http/job-server-api.ts), named again here for the job server's files.
 */
import type { EvalSandbox } from '../processes/eval-sandbox.js';
import type { HostProcessFunction } from '../processes/function-runner.js';

/** Turns `stored` data of one `datatype` into the value passed to a process (issue 7). A host module registers it by datatype. */
export type HostDatatype = (value: unknown) => unknown;

export type {
  Principal,
  ProcessJobView,
  ProcessOutput,
  DataFileInfo,
  StoredDataView,
  UsersApi,
  DataFilesApi,
  StoredDataApi,
  JobServer,
} from '../http/job-server-api.js';

export interface JobServerOptions {
  /** The data folder (data files live here, flat). */
  dataDir: string;
  /** The folder of executables for `file` processes; without it, `file` processes are refused. */
  scriptsDir?: string;
  /** `function` processes by name. */
  functions?: Record<string, HostProcessFunction> | undefined;
  /** `stored` data converters by datatype. */
  datatypes?: Record<string, HostDatatype> | undefined;
  /** Data file extensions accepted (with the dot, lower case). @default ['.json', '.csv', '.tsv', '.txt'] */
  extensions?: string[];
  /** Largest upload or stored-data body. @default 100 MiB uploads */
  maxUploadBytes?: number;
  /** stdout and stderr are each kept up to this size, then cut and marked truncated. @default 1 MiB */
  maxOutputBytes?: number;
  /** A job's timeout when it names none. @default 60_000 */
  defaultTimeoutMs?: number;
  /** `--max-old-space-size` of an eval child. @default 128 */
  evalMemoryMb?: number;
  /** Environment variable names passed on to `file` processes besides PATH and LANG. @default [] */
  allowEnv?: string[];
  /** `file` and `eval` children running at once (the runtime queue `process:child`, see processQueueLimits). @default 4 */
  maxChildren?: number;
  /** A version for `function` processes (the host module's code version). @default 'unversioned' */
  functionsVersion?: string;
  /**
   * Run eval even where it cannot be fully sandboxed (no network namespace, or no
   * unprivileged uid to run it as), recording so in each job. Off by default: eval
   * is then refused with EVAL_UNSANDBOXED. `holdfast serve --allow-unsandboxed-eval`.
   * @default false
   */
  allowUnsandboxedEval?: boolean;
  /**
   * Where eval runs: the command that isolates it (e.g. a host's own bubblewrap or
   * firejail line), and what it isolates. @default the strongest of unshare and
   * setpriv this machine allows, probed once (adapters/processes/eval-sandbox.ts)
   */
  evalSandbox?: () => Promise<EvalSandbox>;
}
