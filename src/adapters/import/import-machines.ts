/**
 * The import's machines with their effects, for a runtime: `importBatch`,
 * `pendingObject` and `pendingLink`. The default assembly registers them; a
 * host app registers them with its in-process services:
 * @example
 * const runtime = await createRuntime({ store, machines: importMachines({ services: { catalogue } }) });
 * await runtime.spawn('importBatch', { file, linkTags, service: 'catalogue' });
 */
import { HoldfastError } from '../../errors.js';
import { importBatchMachine, IMPORT_BATCH_VERSION } from '../../machines/import-batch.machine.js';
import { IMPORT_BATCH_MACHINE, PENDING_LINK_MACHINE, PENDING_OBJECT_MACHINE } from '../../machines/import.types.js';
import { pendingLinkMachine, PENDING_LINK_VERSION } from '../../machines/pending-link.machine.js';
import { pendingObjectMachine, PENDING_OBJECT_VERSION } from '../../machines/pending-object.machine.js';
import { importUnblockMachine, IMPORT_UNBLOCK_MACHINE, IMPORT_UNBLOCK_VERSION } from '../../machines/import-unblock.machine.js';
import { defineMachine, type EffectOptions, type MachineDefinition } from '../../runtime/machine-registry.js';
import { importBatchRecords } from '../../machines/written-records.js';
import { createImportEffects } from './import-effects.js';
import { httpImportService } from './import-http.js';
import type { ImportService } from './import-service.js';

/** How the import machines reach their services; every field optional. */
export interface ImportOptions {
  /** In-process services by name; a batch whose `service` is not one of them must name an http(s) URL. */
  services?: Record<string, ImportService>;
  /** Replaces fetch for the HTTP service and the completion post (tests). */
  fetch?: typeof fetch;
  /** Retries of service calls (5xx, 408, 429, network). @default { maxAttempts: 8, backoffMs: 500, maxBackoffMs: 30_000 } */
  retry?: Pick<EffectOptions, 'maxAttempts' | 'backoffMs' | 'maxBackoffMs' | 'timeoutMs'>;
  /** Spawns per plan chunk. @default 250 */
  chunkSize?: number;
  /** The longest line of a JSON Lines import; a longer one is a problem of its line. @default 16 MB */
  maxLineBytes?: number;
}

/** The limit queue every service call counts against (`limits.queues.import`). */
export const IMPORT_QUEUE = 'import';

/**
 * The `importBatch`, `pendingObject` and `pendingLink` definitions, with their effects
 * (which read the plan and parents through the runtime that runs them).
 */
export function importMachines(options: ImportOptions = {}): MachineDefinition[] {
  const http = new Map<string, ImportService>();
  const service = (name: string): ImportService => {
    const registered = options.services?.[name];
    if (registered) return registered;
    if (!/^https?:\/\//.test(name)) throw new HoldfastError('INVALID_INPUT', `no import service named "${name}" is registered, and it is not an http(s) URL`);
    let client = http.get(name);
    if (!client) http.set(name, (client = httpImportService(name, options.fetch ? { fetch: options.fetch } : {})));
    return client;
  };
  const effects = createImportEffects({ service, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}), ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}) });
  const { loadImport, readPlanPart, readPlanChunk, postCompletion, createObject, createLink, findDependants } = effects;
  const retry: EffectOptions = { maxAttempts: 8, backoffMs: 500, maxBackoffMs: 30_000, timeoutMs: 60_000, ...options.retry };
  const calls: EffectOptions = { ...retry, queue: IMPORT_QUEUE };
  return [
    defineMachine({
      name: IMPORT_BATCH_MACHINE,
      version: IMPORT_BATCH_VERSION,
      machine: importBatchMachine.provide({ actors: { loadImport, readPlanPart, readPlanChunk, postCompletion } }),
      effects: { loadImport: { maxAttempts: 2 }, readPlanPart: { maxAttempts: 2 }, readPlanChunk: { maxAttempts: 3 }, postCompletion: retry },
      // One step per settled object and link (300,000 for issue 6's import): a snapshot in each
      // journal entry was 135 MB of store holding a counter; the record keeps the current one.
      journal: 'transitions',
      records: importBatchRecords,
    }),
    // A service call does not kill its process: a crash loop of the host should not park ordinary objects as poison after 5.
    // Hundreds of thousands of small actors per import: their journals keep transitions, not snapshots.
    defineMachine({ name: PENDING_OBJECT_MACHINE, version: PENDING_OBJECT_VERSION, machine: pendingObjectMachine.provide({ actors: { createObject } }), effects: { createObject: calls }, maxRecoveries: 20, journal: 'transitions' }),
    // Spawned by a batch for each object parked before it settled: tells the objects and links that waited for it.
    defineMachine({ name: IMPORT_UNBLOCK_MACHINE, version: IMPORT_UNBLOCK_VERSION, machine: importUnblockMachine.provide({ actors: { findDependants } }), effects: { findDependants: { maxAttempts: 2 } } }),
    defineMachine({ name: PENDING_LINK_MACHINE, version: PENDING_LINK_VERSION, machine: pendingLinkMachine.provide({ actors: { createLink } }), effects: { createLink: calls }, maxRecoveries: 20, journal: 'transitions' }),
  ];
}
