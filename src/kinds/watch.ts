/**
 * The watch folder: files dropped into a folder are loaded in rolling batches,
 * each batch a data load under the watch. Its effects are the folder watcher's
 * (started by `holdfast watch`); it writes its taken, batch and refused files.
 */
import { WATCH_MACHINE, WATCH_VERSION, watchMachine } from '../machines/watch.machine.js';
import { watchRecords } from '../machines/written-records.js';
import { defineMachine, type MachineDefinition } from '../runtime/machine-registry.js';
import { defineKind } from './work-kind.js';

/** The `watch` machine: its events come from the folder watcher, so it invokes no effect. */
export function watchDefinition(): MachineDefinition {
  return defineMachine({ name: WATCH_MACHINE, version: WATCH_VERSION, machine: watchMachine, records: watchRecords });
}

export const watchKind = defineKind({
  name: WATCH_MACHINE,
  title: 'watch',
  jobs: [WATCH_MACHINE],
  actors: [WATCH_MACHINE],
  machines: () => [watchDefinition()],
});
