/**
 * lmdb-js on a full disk rejects the failing write cleanly, then raises a
 * second, internal promise rejection that nobody can catch; under Node's
 * default `--unhandled-rejections=throw` it kills the process (measured here,
 * RELIABILITY.md). The only containment is a process-wide handler: this one
 * swallows just that error, and rethrows every other rejection exactly as
 * Node would when no one else listens. Installed by createRuntime, removed by close.
 */
import { isStorageFull } from './lmdb-store.js';

type Report = (error: unknown) => void;

const reporters = new Set<Report>();

function onUnhandledRejection(reason: unknown): void {
  if (isStorageFull(reason)) {
    for (const report of reporters) report(reason);
    return;
  }
  // Ours is the only listener: behave as Node's default would (crash with the reason).
  if (process.listenerCount('unhandledRejection') === 1) throw reason;
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
