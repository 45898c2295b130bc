/**
 * The host module: what a host app registers with holdfast's CLI, in
 * `holdfast.config.js` / `.ts` in the current folder or a file given with
 * `--app FILE`. Its default export (or the module itself) is a HostModule.
 * Each feature reads its own field; the loader (host-loader.ts) only checks
 * the shape and computes the code version.
 */
import type { Task } from '../adapters/tasks/task-registry.js';
import type { HostSource } from '../adapters/batch/sources/item-source.js';
import type { HostProcessFunction } from '../adapters/processes/function-runner.js';
import type { HostDatatype } from '../adapters/jobserver/job-server.types.js';

// The adapters that call a host's functions define their types; the host module names them.
export type { HostSource, HostProcessFunction, HostDatatype };

/** A batch-job application's DAG and config (issue 5); see src/adapters/batch/application.ts. */
export type HostApplications = readonly unknown[];

/** A task of typed task jobs (`defineTasks` in 'holdfast'): the job and its run's context in; a job to defer as the next stage, or nothing. */
export type HostTask = Task;

/** Kinds of work the host adds (`defineKind` from 'holdfast'; src/kinds/work-kind.ts). */
export type HostKinds = readonly unknown[];

export interface HostModule {
  /** Batch-job applications (`defineApplication` from 'holdfast'). */
  applications?: HostApplications;
  /** Kinds of work besides the built-in ones: their machines, records, and how the CLI describes them. */
  kinds?: HostKinds;
  /** Item sources for `--source app:NAME`. */
  sources?: Record<string, HostSource>;
  /** Job-server `function` processes by name. */
  functions?: Record<string, HostProcessFunction>;
  /** Job-server `stored` data converters by datatype. */
  datatypes?: Record<string, HostDatatype>;
  /** Folder of executables for `file` processes (relative to the module's folder). */
  scriptsDir?: string;
  /** Folder of data files (relative to the module's folder). */
  dataDir?: string;
  /** Task jobs' tasks by name, run by `holdfast serve` and `holdfast resume` on the queues in `queues`. */
  tasks?: Record<string, HostTask>;
  /** The task queues this process works, each with how many of its jobs run at once (given with `tasks`), e.g. `{ default: 2 }`. */
  queues?: Record<string, number>;
}
