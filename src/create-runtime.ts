/**
 * `createRuntime`: the one assembly that opens a store and hands it to the
 * runtime. Its own module, so that the library's entry (index.ts) and the CLI's
 * assembly (cli/assembly.ts) both import it without importing each other.
 */
import { isStorageFull, openLmdbStore, storageError } from './persistence/lmdb-store.js';
import { containStorageFullRejections } from './persistence/storage-full-guard.js';
import type { MachineList } from './runtime/machine-types.js';
import { startRuntime, validateRuntimeOptions, type Runtime, type RuntimeOptions } from './runtime/runtime.js';

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
    // A delete a kill cut short (its actors gone, its records or copies left) is finished before anything else.
    await runtime.finishDeletes();
    // The same object, seen through its machines' types: the runtime checks names and events at run time too.
    return runtime as Runtime as Runtime<M>;
  } catch (error) {
    release();
    if (ownsStore) await store.close();
    throw error;
  }
}
