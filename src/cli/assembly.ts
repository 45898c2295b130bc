/**
 * The default assembly: one store, the built-in machines with their adapters,
 * one runtime. The CLI and host apps open holdfast through here.
 */
import { DataverseClient } from '../adapters/dataverse/dataverse-client.js';
import { createDataLoadEffects } from '../adapters/dataload/dataload-effects.js';
import { createHashPool, type HashPool } from '../adapters/files/hash-pool.js';
import { createRuntime } from '../index.js';
import { DATAFILE_MACHINE, DATAFILE_VERSION, datafileMachine } from '../machines/datafile.machine.js';
import { DATALOAD_MACHINE, DATALOAD_VERSION, dataloadMachine } from '../machines/dataload.machine.js';
import { openLmdbStore } from '../persistence/lmdb-store.js';
import type { Durability, Store } from '../persistence/store.js';
import type { Limits } from '../runtime/limiter.js';
import { defineMachine, type MachineDefinition } from '../runtime/machine-registry.js';
import type { Runtime } from '../runtime/runtime.js';

export interface HoldfastOptions {
  /** Store folder. @default './.holdfast' */
  store?: string;
  limits?: Limits;
  durability?: Durability;
  /** Replaces the Dataverse HTTP client's fetch (tests). */
  fetch?: typeof fetch;
}

export interface Holdfast {
  runtime: Runtime;
  store: Store;
  /** Keeps a Dataverse token for a URL, in the store's secrets (never printed or sent to the inspector). */
  keepToken(dataverseUrl: string, token: string): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_STORE = './.holdfast';

/** Dataverse tokens by installation URL, in the store folder (mode 0700). */
const SECRETS = 'secrets';

/** The built-in data-load machines with their effects. */
export function dataLoadMachines(store: Store, hashPool: HashPool, options: Pick<HoldfastOptions, 'fetch'> = {}): MachineDefinition[] {
  const effects = createDataLoadEffects({
    hashPool,
    records: store,
    dataverse: (baseUrl) =>
      new DataverseClient({ baseUrl, token: store.getRecord<{ token: string }>(SECRETS, baseUrl)?.token ?? '', ...(options.fetch ? { fetch: options.fetch } : {}) }),
  });
  const { locateDataset, walkSource, registerFiles, updateMetadata, cleanUp, prepareFile, copyFile } = effects;
  return [
    defineMachine({
      name: DATALOAD_MACHINE,
      version: DATALOAD_VERSION,
      machine: dataloadMachine.provide({ actors: { locateDataset, walkSource, registerFiles, updateMetadata, cleanUp } }),
      // The Dataverse client retries HTTP failures itself; one registration per dataset at a time.
      effects: { registerFiles: { maxAttempts: 2, key: (input) => `dataset:${(input as { dataset: string }).dataset}` }, locateDataset: { maxAttempts: 2 } },
    }),
    defineMachine({
      name: DATAFILE_MACHINE,
      version: DATAFILE_VERSION,
      machine: datafileMachine.provide({ actors: { prepareFile, copyFile } }),
      effects: { prepareFile: { queue: 'prepare', maxAttempts: 3 }, copyFile: { queue: 'copy', maxAttempts: 3, backoffMs: 500 } },
    }),
  ];
}

/** Opens the store and a runtime with every built-in machine; resumes what was interrupted. */
export async function openHoldfast(options: HoldfastOptions = {}): Promise<Holdfast> {
  const store = openLmdbStore(options.store ?? DEFAULT_STORE);
  const hashPool = createHashPool();
  try {
    const runtime = await createRuntime({
      store,
      machines: dataLoadMachines(store, hashPool, options),
      limits: { concurrency: 64, queues: { prepare: 8, copy: 4 }, perKey: 1, ...options.limits },
      durability: options.durability ?? 'flush',
    });
    let closed: Promise<void> | undefined;
    return {
      runtime,
      store,
      keepToken: (dataverseUrl, token) => runtime.records.put(SECRETS, dataverseUrl, { token }),
      close: () =>
        (closed ??= (async () => {
          try {
            await runtime.close();
          } finally {
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
