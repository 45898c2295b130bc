/**
 * The batch-job machines with their effect: `batchJob` (the job) and `batch`
 * (one per dispatched batch), for a runtime's `machines`. The chunk effect
 * reads the job's items through its effect context's `records` (the runtime's),
 * so the machines need no store: they can be made before one is opened.
 */
import { HoldfastError, NonRetryableError } from '../../errors.js';
import { BATCH_JOB_MACHINE, BATCH_JOB_VERSION, batchJobMachine } from '../../machines/batch-job.machine.js';
import { BATCH_MACHINE, BATCH_VERSION, batchMachine } from '../../machines/batch.machine.js';
import type { ChunkInput } from '../../machines/batch.types.js';
import { effectReads } from './record-reads.js';
import { effect } from '../../runtime/effect.js';
import { defineMachine, type MachineDefinition } from '../../runtime/machine-registry.js';
import { applicationIndex, type Application } from './application.js';
import { processChunk } from './chunk-effect.js';
import { JOB_COLLECTIONS } from './batch-records.js';
import { describeBatchChild } from './batch-names.js';

export interface BatchMachineOptions {
  /**
   * Most items per chunk: one effect run and one commit. Larger chunks mean
   * fewer commits (10,000 trivial items take about 50 ms). @default 10000
   */
  chunkSize?: number;
  /** A chunk ends once it has run this long, so slow steps make small chunks and a kill redoes little. @default 200 */
  chunkMs?: number;
  /** Attempts of a chunk that fails as a whole (a store read error); item failures never fail a chunk. @default 3 */
  maxAttempts?: number;
  now?: () => number;
}

export const DEFAULT_CHUNK_SIZE = 10_000;
export const DEFAULT_CHUNK_MS = 200;

/**
 * The `batchJob` and `batch` machine definitions, running the given applications.
 * @throws INVALID_INPUT when two applications share a name or a DAG is invalid
 */
export function batchJobMachines(applications: readonly Application[], options: BatchMachineOptions = {}): MachineDefinition[] {
  const index = applicationIndex(applications);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new HoldfastError('INVALID_OPTIONS', `chunkSize must be a positive integer, not ${chunkSize}`);
  const now = options.now ?? Date.now;
  const chunk = effect<Awaited<ReturnType<typeof processChunk>>, ChunkInput>(async (input, { signal, records }) => {
    if (!records) throw new NonRetryableError("the batch chunk effect reads the job's items through the runtime's records: run it in a runtime", { code: 'EFFECT_FAILED' });
    const store = effectReads(records);
    return processChunk(input, { store: () => store, applications: index, chunkSize, chunkMs: options.chunkMs ?? DEFAULT_CHUNK_MS, now }, signal);
  });
  const machines = [
    // A job's items, results, exceptions, statistics and runs are all keyed by its id first.
    defineMachine({ name: BATCH_JOB_MACHINE, version: BATCH_JOB_VERSION, machine: batchJobMachine, journal: 'transitions', records: ({ id }) => JOB_COLLECTIONS.map((collection) => ({ collection, prefix: [id] })) }),
    defineMachine({
      name: BATCH_MACHINE,
      version: BATCH_VERSION,
      machine: batchMachine.provide({ actors: { processChunk: chunk } }),
      effects: { processChunk: { maxAttempts: options.maxAttempts ?? 3, backoffMs: 500 } },
      journal: 'transitions',
      // Kills at random instants land mostly inside chunks (a chunk is most of a batch's life), so a
      // chunk interrupted 10 times in a row (each re-run from its start) is poison, not bad luck.
      maxRecoveries: 10,
      // A batch by its number and run (`batch 3 (run 2)`), in the inspector.
      label: (actor) => describeBatchChild(actor.id),
    }),
  ];
  return machines;
}
