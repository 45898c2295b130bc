/**
 * One line on stderr when a disk fills, not one per failed write (issue 16):
 * `[STORAGE_FULL] store PATH: no space left (N free); ...` once per episode of
 * the store's disk, and `[STORAGE_FULL] files dir PATH: ...` once per episode
 * of a files dir's disk (files wait in `waitingForSpace`). An episode ends when
 * a write succeeds there again, which is said too.
 */
import type { DataFileContext } from '../machines/datafile.machine.js';
import type { Runtime } from '../runtime/runtime.js';

/** Copied into the files store: space was there for it. */
const COPIED_STATES = new Set(['copied', 'stored']);

/** Prints storage notices through `say` while the runtime runs; returns the unsubscribe. */
export function reportStorageNotices(runtime: Runtime, say: (line: string) => void): () => void {
  let storeFull = false;
  /** Files dirs (dataset folders) with files waiting for space, by folder. */
  const fullFolders = new Set<string>();
  return runtime.subscribe((event) => {
    if (event.type === 'runtime.storageFull' && !storeFull) {
      storeFull = true;
      say(`[STORAGE_FULL] ${event.error.message.replace(/^\[STORAGE_FULL\] /, '')}`);
    } else if (event.type === 'runtime.storageRecovered' && storeFull) {
      storeFull = false;
      say(`store ${runtime.store.path}: space returned; the work carries on`);
    } else if (event.type === 'actor.stepped' && event.machine === 'datafile') {
      if (event.to !== 'waitingForSpace' && !COPIED_STATES.has(event.to)) return;
      const context = runtime.get(event.id)?.snapshot?.context as DataFileContext | undefined;
      const folder = context?.targetDir;
      if (folder === undefined) return;
      if (event.to === 'waitingForSpace' && !fullFolders.has(folder)) {
        fullFolders.add(folder);
        const reason = context?.problem?.reason ?? `files dir ${folder}: no space left`;
        say(`[STORAGE_FULL] ${reason.replace(/ to copy .*$/, '')}; files wait and are copied when space returns`);
      } else if (COPIED_STATES.has(event.to) && fullFolders.delete(folder)) {
        say(`files dir ${folder}: space returned; waiting files are being copied`);
      }
    }
  });
}
