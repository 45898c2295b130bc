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
 *
 * lmdb-js also prints each failed commit's error itself (`console.error` in its
 * write.js): on a full 6 MiB tmpfs, 15 raw `Input/output error` stacks in one
 * load (issue 16). While the guard is installed, `console.error` passes every
 * call through but that one, which goes to the reporters instead; the runtime
 * says STORAGE_FULL once, with the path and the free space.
 */
import { format } from 'node:util';
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

/** The `console.error` the guard wraps, kept to call through and to put back. */
let originalConsoleError: typeof console.error | undefined;
let forwarding = false;

/** lmdb-js's own print of a failed commit (write.js) on a full disk is reported, not printed. */
function quietConsoleError(this: Console, ...args: unknown[]): void {
  const [first] = args;
  if (reporters.size > 0 && args.length === 1 && first instanceof Error && /[\\/]lmdb[\\/]write\.js/.test(first.stack ?? '') && isStorageFull(first)) {
    return reportAll(first);
  }
  // A wrapper installed over ours, then captured as our original, would call back here: print plainly then.
  if (forwarding || !originalConsoleError) return void process.stderr.write(`${format(...args)}\n`);
  forwarding = true;
  try {
    originalConsoleError.apply(this, args);
  } finally {
    forwarding = false;
  }
}

/**
 * How long the rejection handler outlives the last release: lmdb-js raises its
 * internal rejection of a commit that failed on a full disk when the commit's
 * reason settles, which can be after the store was closed (found by the nemesis).
 */
const LATE_REJECTION_GRACE_MS = 5_000;
let removal: NodeJS.Timeout | undefined;

/** Starts containing storage-full rejections and lmdb-js's prints of them; returns the idempotent release. */
export function containStorageFullRejections(report: Report): () => void {
  if (reporters.size === 0) {
    clearTimeout(removal);
    removal = undefined;
    if (!process.listeners('unhandledRejection').includes(onUnhandledRejection)) process.on('unhandledRejection', onUnhandledRejection);
    if (console.error !== quietConsoleError) {
      originalConsoleError = console.error;
      console.error = quietConsoleError;
    }
  }
  reporters.add(report);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    reporters.delete(report);
    if (reporters.size > 0) return;
    // Put back only our own wrapper: one installed over it since stays, and calls through ours.
    if (console.error === quietConsoleError && originalConsoleError) console.error = originalConsoleError;
    // A late full-disk rejection is still contained (reported to nobody); unref'd, so no process waits for it.
    removal = setTimeout(() => {
      removal = undefined;
      if (reporters.size === 0) process.off('unhandledRejection', onUnhandledRejection);
    }, LATE_REJECTION_GRACE_MS).unref();
  };
}
