/**
 * The job server's process jobs: a job binds a process (a registered function,
 * an executable, superuser-only eval) to data, with per-user limits. Its effects
 * load the data and run the process; it writes its owner index, output, start
 * marks and process groups.
 */
import type { JobServerOptions } from '../jobserver/job-server.types.js';
import { processJobMachines, processQueueLimits } from '../jobserver/process-job-machines.js';
import { PROCESS_JOB_MACHINE } from '../machines/process-job.machine.js';
import type { SyncStore } from '../persistence/store.js';
import { defineKind } from './work-kind.js';

export const processJobKind = defineKind({
  name: PROCESS_JOB_MACHINE,
  title: 'process job',
  jobs: [PROCESS_JOB_MACHINE],
  actors: [PROCESS_JOB_MACHINE],
  machines: ({ services, options }) => processJobMachines(options.jobServer as JobServerOptions | undefined, services.store as SyncStore),
  queues: ({ options }) => processQueueLimits(options.jobServer as JobServerOptions | undefined),
});
