/**
 * What a foreground load's progress line is fed, from the runtime's events:
 * the load's state and counts; bytes copied of the bytes found (a file found
 * adds its size, one skipped or failed before its copy takes it back); the
 * bytes of copies under way, polled from their temporary files every 500 ms
 * (copy-in-flight.ts), so a large file's copy moves the line; and which files
 * are being prepared (hashed) or copied.
 */
import type { ActorId } from '../runtime/actor-types.js';
import type { DataLoadContext } from '../machines/dataload.machine.js';
import type { DataFileContext } from '../machines/datafile.machine.js';
import type { Runtime } from '../runtime/runtime.js';
import type { RuntimeEvent } from '../runtime/runtime-events.js';
import { printable } from '../adapters/files/dataverse-labels.js';
import { bytesInFlight, type CopyUnderWay } from './copy-in-flight.js';
import type { Progress } from './progress.js';

/** Datafile states that hold a copy made into the files dir. */
export const COPIED_STATES = new Set(['copied', 'stored']);

/** Starts feeding `progress` for load `id`; returns the function that stops it. */
export function trackLoadProgress(runtime: Runtime, id: ActorId, progress: Progress): () => void {
  const prefix = `${id}/`;
  const contextOf = async (file: ActorId) => (await runtime.listedActor(file))?.snapshot?.context as DataFileContext | undefined;
  let bytes = 0;
  let totalBytes = 0;
  // What the line shows never goes back: between a copy's rename and its step, its temporary file is gone and its bytes not yet counted.
  let shownBytes = 0;
  const shown = (value: number) => (shownBytes = Math.max(shownBytes, Math.min(value, totalBytes)));
  // A poll begun before a copy ended may count its bytes twice: its answer is dropped.
  let copiesDone = 0;
  const copying = new Map<ActorId, CopyUnderWay>();
  const underWay = new Map<ActorId, { path: string; phase: 'preparing' | 'copying' }>();

  // Events are handled one after the other, in the order they came, each with its reads awaited.
  let handling = Promise.resolve();
  let stopped = false;
  const unsubscribe = runtime.subscribe((event) => {
    handling = handling.then(() => (stopped ? undefined : onEvent(event))).catch(() => {}); // a file deleted meanwhile shows nothing
  });
  const onEvent = async (event: RuntimeEvent): Promise<void> => {
    if (event.type === 'actor.spawned' && event.machine === 'datafile' && event.parent === id) {
      const file = await contextOf(event.id);
      totalBytes += file?.size ?? 0;
      if (event.state === 'preparing' && file) underWay.set(event.id, { path: file.relativePath, phase: 'preparing' });
      progress.update({ totalBytes, activity: activityOf(underWay.values()) });
    }
    if (event.type !== 'actor.stepped') return;
    if (event.machine === 'datafile' && event.id.startsWith(prefix)) {
      const file = await contextOf(event.id);
      if (event.to === 'copying' && file?.prepared) {
        copying.set(event.id, { targetDir: file.targetDir, storageIdentifier: file.prepared.storageIdentifier });
        underWay.set(event.id, { path: file.relativePath, phase: 'copying' });
      } else {
        copying.delete(event.id);
        if (event.to !== 'preparing') underWay.delete(event.id);
      }
      // A copy-only file goes from copying to stored in one step, never resting in copied.
      if (event.from === 'copying' && COPIED_STATES.has(event.to)) {
        bytes += file?.size ?? 0;
        copiesDone += 1;
      } else if ((event.to === 'skipped' || event.to === 'failed') && !COPIED_STATES.has(event.from)) {
        totalBytes -= file?.size ?? 0;
      }
      progress.update({ bytes: shown(bytes), totalBytes, activity: activityOf(underWay.values()) });
    }
    if (event.id === id) {
      const context = (await runtime.listedActor(id))?.snapshot?.context as DataLoadContext | undefined;
      if (context) progress.update({ state: event.to, counts: context.counts });
    }
  };

  let polling = false;
  const poll = setInterval(() => {
    if (polling || copying.size === 0) return;
    polling = true;
    const done = copiesDone;
    void bytesInFlight([...copying.values()])
      .then((inFlight) => {
        if (done === copiesDone) progress.update({ bytes: shown(bytes + inFlight) });
      })
      .finally(() => (polling = false));
  }, 500);

  return () => {
    clearInterval(poll);
    unsubscribe();
    stopped = true;
  };
}

/** `preparing scan.bin`, `copying 2 files`, `preparing 3, copying 2 files`, or '' when none is under way. */
export function activityOf(files: Iterable<{ path: string; phase: 'preparing' | 'copying' }>): string {
  const all = [...files];
  if (all.length === 0) return '';
  if (all.length === 1) return `${all[0]!.phase} ${printable(all[0]!.path)}`;
  const preparing = all.filter((file) => file.phase === 'preparing').length;
  const copying = all.length - preparing;
  return `${[preparing > 0 ? `preparing ${preparing}` : '', copying > 0 ? `copying ${copying}` : ''].filter(Boolean).join(', ')} files`;
}
