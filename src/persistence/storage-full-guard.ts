/**
 * lmdb-js on a full disk rejects the failing write cleanly, then raises a
 * second, internal promise rejection that nobody can catch; under Node's
 * default `--unhandled-rejections=throw` it kills the process (measured here,
 * RELIABILITY.md). The only containment is a process-wide handler: this one
 * swallows just that error, and rethrows every other rejection exactly as
 * Node would when no one else listens. Installed by createRuntime, removed by close.
 *
 * The internal rejection is lmdb-js's "Commit failed (see commitError for
 * details)", whose reason (ENOSPC, or EIO on a full tmpfs) only arrives in its
 * `commitError` promise, so that one is judged once its reason is known.
 */
import { isStorageFull } from './disk-space.js';

type Report = (error: unknown) => void;

const reporters = new Set<Report>();

function onUnhandledRejection(reason: unknown): void {
  if (isStorageFull(reason)) return reportAll(reason);
  const commitError = (reason as { commitError?: unknown } | undefined)?.commitError;
  if (typeof (commitError as PromiseLike<unknown> | undefined)?.then === 'function') {
    (commitError as PromiseLike<unknown>).then(
      () => passOn(reason),
      (cause: unknown) => (isStorageFull(cause) ? reportAll(cause) : passOn(reason)),
    );
    return;
  }
  passOn(reason);
}

function reportAll(reason: unknown): void {
  for (const report of reporters) report(reason);
}

/** Behaves as Node's default would when ours is the only listener: crash with the reason. */
function passOn(reason: unknown): void {
  if (process.listenerCount('unhandledRejection') > 1) return;
  // Thrown from a tick, not from this handler or a promise callback, so it is an uncaught exception.
  process.nextTick(() => {
    throw reason;
  });
}

/** Starts containing storage-full rejections; returns the idempotent release. */
export function containStorageFullRejections(report: Report): () => void {
  if (reporters.size === 0) process.on('unhandledRejection', onUnhandledRejection);
  reporters.add(report);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    reporters.delete(report);
    if (reporters.size === 0) process.off('unhandledRejection', onUnhandledRejection);
  };
}
