/**
 * `createRuntime`: the one assembly that opens a store and hands it to the
 * runtime, and the one file above the runtime that imports src/persistence
 * (eslint.config.js holds every other to it). Its own module, so that the
 * library's entry (index.ts) and the CLI's assembly (cli/assembly.ts) both
 * import it without importing each other. The store's types come from the
 * runtime (runtime/actor-types.ts).
 */
import { isStorageFull, openLmdbStore, storageError } from './persistence/lmdb-store.js';
import { containStorageFullRejections } from './persistence/storage-full-guard.js';
import type { MachineList } from './runtime/machine-types.js';
import { startRuntime, validateRuntimeOptions, type Runtime, type RuntimeOptions } from './runtime/runtime.js';

// Opening a store, for the entry points that hand one to a runtime (cli/assembly.ts, a host app's
// createRuntime) or read a whole store beside an owner (verify, backup, token rotation).
export { openLmdbStore, STORE_FORMAT_VERSION } from './persistence/lmdb-store.js';
export { openMemoryStore } from './persistence/memory-store.js';
export type { MemoryStoreOptions } from './persistence/memory-store.js';
// A store folder as the CLI sees it before opening it: its data file, whether it holds a store, who owns it.
export { assertStoreFolder, DATA_FILE } from './persistence/store-folder.js';
export { readLiveOwner } from './persistence/store-lock.js';

/**
 * Opens a runtime over a store folder (created if missing) or an opened Store
 * (`openLmdbStore`, `openMemoryStore`), and resumes every actor that was not final.
 * Its `spawn`, `send`, `get` and `waitFor` are typed from `machines` (see `defineMachine`).
 * A Store handed in stays open when the runtime closes: its opener closes it.
 * @throws INVALID_OPTIONS naming every problem; STORE_LOCKED; STORE_FORMAT_TOO_NEW; STORE_CORRUPT
 * @example
 * const runtime = await createRuntime({ store: './.holdfast', machines: [counter] });
 * const id = await runtime.spawn('counter', { step: 2 });
 * await runtime.send(id, { type: 'increment' });
 * await runtime.close();
 */
export async function createRuntime<const M extends MachineList>(options: RuntimeOptions<M>): Promise<Runtime<M>> {
  validateRuntimeOptions(options);
  const ownsStore = typeof options.store === 'string';
  const store = typeof options.store === 'string' ? openLmdbStore(options.store, options.clock ? { now: options.clock.now } : {}) : options.store;
  let report: (error: unknown) => void = () => {};
  const release = containStorageFullRejections((error) => report(error));
  try {
    const runtime = startRuntime(options, { store, ownsStore, onClose: release });
    // The guard hears of every full store in the process: report this one's, in its words (path, free space).
    report = (error) => {
      if (isStorageFull(error, store.path)) runtime.reportStorageFull(storageError(error, store.path));
    };
    // Recovery has read the store by then (over a store without `sync` it is awaited here), and a
    // delete a kill cut short (its actors gone, its records or copies left) is finished before anything else.
    await runtime.finishDeletes();
    // The same object, seen through its machines' types: the runtime checks names and events at run time too.
    return runtime as Runtime as Runtime<M>;
  } catch (error) {
    release();
    if (ownsStore) await store.close();
    throw error;
  }
}
