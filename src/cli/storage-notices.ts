/**
 * One line on stderr when a disk fills, not one per failed write (issue 16):
 * `[STORAGE_FULL] store PATH: no space left (N free); ...` once per episode of
 * the store's disk, and `[STORAGE_FULL] files dir PATH: ...` once per episode
 * of a files dir's disk (files wait in `waitingForSpace`). An episode ends when
 * a write succeeds there again, which is said too.
 */
import type { DataFileContext } from '../machines/datafile.machine.js';
import type { Runtime } from '../runtime/runtime.js';
import type { RuntimeEvent } from '../runtime/runtime-events.js';

/** Prints storage notices through `say` while the runtime runs; returns the unsubscribe. */
export function reportStorageNotices(runtime: Runtime, say: (line: string) => void): () => void {
  let storeFull = false;
  /**
   * Files that found no space and are not copied yet (retrying ones too), by
   * dataset folder: the episode of a folder lasts until every one of them is
   * copied (or ends otherwise), so a small file that fits meanwhile does not end it.
   */
  const waiting = new Map<string, Set<string>>();
  const folderOf = new Map<string, string>();
  // Events are handled one after the other, in the order they came, each with its reads awaited.
  let handling = Promise.resolve();
  return runtime.subscribe((event) => {
    handling = handling.then(() => onEvent(event)).catch(() => {}); // a file deleted meanwhile has nothing to say
  });
  async function onEvent(event: RuntimeEvent): Promise<void> {
    if (event.type === 'runtime.storageFull' && !storeFull) {
      storeFull = true;
      say(`[STORAGE_FULL] ${event.error.message.replace(/^\[STORAGE_FULL\] /, '')}`);
    } else if (event.type === 'runtime.storageRecovered' && storeFull) {
      storeFull = false;
      say(`store ${runtime.location}: space returned; the work carries on`);
    } else if (event.type === 'actor.stepped' && event.machine === 'datafile') {
      if (event.to === 'waitingForSpace') {
        const context = (await runtime.listedActor(event.id))?.snapshot?.context as DataFileContext | undefined;
        const folder = context?.targetDir ?? '';
        const files = waiting.get(folder) ?? new Set<string>();
        if (files.size === 0) {
          const reason = context?.problem?.reason ?? `files dir ${folder}: no space left`;
          say(`[STORAGE_FULL] ${reason.replace(/ to copy .*$/, '')}; files wait and are copied when space returns`);
        }
        waiting.set(folder, files.add(event.id));
        folderOf.set(event.id, folder);
      } else if (event.to !== 'copying') {
        const folder = folderOf.get(event.id);
        if (folder === undefined) return;
        folderOf.delete(event.id);
        const files = waiting.get(folder)!;
        files.delete(event.id);
        if (files.size > 0) return;
        waiting.delete(folder);
        say(`files dir ${folder}: space returned; the files that waited are copied`);
      }
    }
  }
}
