/**
 * holdfast: an embeddable, durable actor runtime for batch data work.
 * The default assembly: the LMDB store behind the runtime. Exports by name, no barrels.
 */
// Runtime
export { createRuntime } from './create-runtime.js';
export type { Runtime, RuntimeOptions, RecordsApi, SpawnOptions } from './runtime/runtime.js';
export type { RuntimeEvent, RuntimeListener } from './runtime/runtime-events.js';
export type { RuntimeWorkload } from './runtime/runtime-workload.js';
export type { Limits } from './runtime/limiter.js';
export type { PruneReport } from './runtime/retention.js';
export type { Clock } from './runtime/clock.js';
export type { EffectContext } from './runtime/effect-runner.js';
export { RUNTIME_DEFAULTS } from './runtime/runtime-defaults.js';
export type { RuntimeDefaults } from './runtime/runtime-defaults.js';
export { defineMachine } from './runtime/machine-registry.js';
export type { MachineDefinition, EffectOptions } from './runtime/machine-registry.js';
export type { MachineActorId, MachineActorRecord, MachineSnapshot, MachineName, MachineList, EventOf, RecordOf, SpawnInput, StateValueOf, ExternalEvent } from './runtime/machine-types.js';
export { effect } from './runtime/effect.js';
export { verifyStore } from './runtime/verify-store.js';
export type { StoreReport, StoreViolation } from './runtime/verify-store.js';

// Machines' messaging helpers
export { sendMessage, spawnActors, writeRecord, writeRecords } from './machines/messaging.js';

// Store
export { openLmdbStore, openMemoryStore, STORE_FORMAT_VERSION } from './create-runtime.js';
export type { MemoryStoreOptions } from './create-runtime.js';
export type { Store, SyncStore, SyncReads, MaybePromise, Scan, StoreStats, ActorRecord, ActorId, ActorFilter, ActorStatus, JournalEntry, Durability } from './runtime/actor-types.js';
export { actorId } from './runtime/actor-types.js';

// Inspector and HTTP server: adapters beside the runtime, which knows neither
export { startInspector } from './adapters/http/start-inspector.js';
export type { InspectorOptions, InspectorHandle } from './adapters/http/start-inspector.js';
export { inspectorRequest } from './adapters/inspector/kind-inspector.js';
export type { KindInspector, InspectorRequest, InspectorReply, InspectorFollow, RequestContext as InspectorRequestContext, JobWords as InspectorJobWords } from './adapters/inspector/kind-inspector.js';
export { parseFields as parseInspectorFields } from './adapters/inspector/client-messages.js';
export { startServer } from './adapters/http/http-server.js';
export type { ServerOptions, ServerHandle } from './adapters/http/http-server.js';
export type { BatchJobsView } from './adapters/http/batch-job-routes.js';
export type { InspectorStats } from './adapters/inspector/inspector-hub.js';
export type { ClientMessage as InspectorClientMessage, ServerMessage as InspectorServerMessage } from './adapters/inspector/inspector-protocol.js';

// Default assembly: the store, every built-in machine and its adapters
export { openHoldfast, dataLoadMachines, DEFAULT_STORE } from './cli/assembly.js';
export type { Holdfast, HoldfastOptions } from './cli/assembly.js';

// Typed task jobs
export { Job, DatasetJob, parseJob, isDatasetJob } from './adapters/tasks/job-model.js';
export type { AnyJob, Entity } from './adapters/tasks/job-model.js';
export { defineTasks } from './adapters/tasks/task-registry.js';
export type { Task, TaskContext, TaskRegistry, FileReference } from './adapters/tasks/task-registry.js';
export { taskJobMachines, taskQueueLimits, wakeTaskJobs, deferTaskJob, describeTaskJob } from './adapters/tasks/task-worker.js';
export type { TaskWorkerOptions, TaskJobView } from './adapters/tasks/task-worker.js';
export { openArchive, archiveFolder } from './adapters/tasks/content-archive.js';
export type { ContentArchive } from './adapters/tasks/content-archive.js';

// Import graph
export { importMachines } from './adapters/import/import-machines.js';
export type { ImportOptions } from './adapters/import/import-machines.js';
export { inProcessService, rejectImport } from './adapters/import/import-service.js';
export type { ImportService, CreateObjectRequest, CreateLinkRequest } from './adapters/import/import-service.js';

// Kinds of work: one registration per kind (src/kinds); a host module adds its own
export { defineKind, inspectorsOf } from './kinds/work-kind.js';
export type { WorkKind, KindContext, InspectorContext, JobFacts, JobDetails, KindResume, ResumeContext, ResumedJobs } from './kinds/work-kind.js';
export type { RecordScope, DeleteCleanup, DeleteOutcome, RecordReader } from './runtime/job-delete.js';

// Host module: what a host app registers with the CLI (holdfast.config.ts or --app FILE)
export type { HostModule, HostSource } from './kinds/host-module.js';
export { loadHostModule, requireHostModule, HOST_MODULE_NAMES } from './kinds/host-loader.js';
export type { LoadedHost, LoadHostOptions } from './kinds/host-loader.js';

// Batch jobs (issue 5): applications, the job engine and its machines
export { defineApplication } from './adapters/batch/application.js';
export type { Application, DagStep, StepContext, ConfigSchema } from './adapters/batch/application.js';
export { createBatchJobs } from './adapters/batch/batch-jobs.js';
export { batchJobInspector } from './adapters/batch/batch-inspector.js';
export type { BatchJobs, BatchJobsOptions, RunRequest, RunSummary, CreateJobRequest, ItemInput, JobView, BatchView, ExceptionView, NodeStats } from './adapters/batch/batch-jobs.js';
export { batchJobMachines } from './adapters/batch/batch-machines.js';
export type { BatchMachineOptions } from './adapters/batch/batch-machines.js';
export { parsePartition, batchCount, batchSize, batchOf, ordinalAt } from './adapters/batch/partition.js';
export type { Partition } from './adapters/batch/partition.js';

// Job server (issue 7): process jobs bound to data, users, data files, stored data
export { createJobServer, describeProcessJob, processJobMachines, processQueueLimits, wakeProcessJobs } from './adapters/jobserver/job-server.js';
export type { JobServer, JobServerOptions, Principal, ProcessJobView, ProcessOutput, DataFileInfo, StoredDataView, UsersApi, DataFilesApi, StoredDataApi } from './adapters/jobserver/job-server.js';
export { processJobRequestSchema, storedDataRequestSchema } from './adapters/http/process-job-request.js';
export type { ProcessJobRequest, StoredDataRequest } from './adapters/http/process-job-request.js';
export type { HostProcessFunction, HostDatatype } from './kinds/host-module.js';

// Errors
export { HoldfastError, NonRetryableError, StoreLockedError, ErrorCodes } from './errors.js';
export type { ErrorCode, SerializedError } from './errors.js';
