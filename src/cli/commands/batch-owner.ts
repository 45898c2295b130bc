/**
 * Batch commands while another process owns the store (`holdfast serve`,
 * `watch`): `job create`, `run`, `reprocess`, `resolve` and `delete` are
 * handed to the owner over its socket (src/adapters/batch/batch-owner-commands.ts
 * answers them). A run starts in the owner and is followed here by reading
 * the store beside it, read-only, until its summary is written: the same
 * output and exit code as a local run. Ctrl-C stops following, not the run.
 */
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import { createBatchJobs, type RunSummary } from '../../adapters/batch/batch-jobs.js';
import { assertJobFollowable } from '../../adapters/batch/followed-job.js';
import { HoldfastError } from '../../errors.js';
import type { GlobalOptions, Output } from '../cli-context.js';
import { livingOwner } from '../owner-routing.js';
import { followProgress } from './batch-progress.js';
import { openReader } from '../assembly.js';
import { printRun } from './batch-run-output.js';

/** A create snapshots every item and a delete removes them: a million take minutes, so these wait long. */
const LONG_COMMAND_MS = 24 * 3_600_000;
/** How often a follower reads the run's progress and summary. */
const POLL_MS = 100;

/** Sends a batch command to the store's owner and returns its answer (its error, with the owner's code, is thrown). */
export async function sendBatchCommand<T>(store: string, command: string, args: Record<string, unknown>, long = false): Promise<T> {
  return (await sendOwnerCommand(store, command, args, long ? LONG_COMMAND_MS : undefined)) as T;
}

/**
 * Follows a run the owner (pid `owner`) started: progress as a local run shows
 * it, then its summary. Exit 0 when the run ended; 130 when Ctrl-C stopped
 * the following (the run goes on in the owner).
 * A parked batch ends the run as a failed batch (its job counts it), so following never waits on it.
 * @throws OWNER_UNREACHABLE when the owner stopped first, JOB_DELETED when the job was deleted (exit 1), the parked job's error when it was parked
 */
export async function followOwnerRun(options: GlobalOptions, id: string, request: string, owner: number, out: Output, what?: string): Promise<number> {
  const runtime = openReader(options.store);
  const jobs = createBatchJobs(runtime, [], { wake: false });
  let interrupted = false;
  let wakeUp: () => void = () => {};
  const stop = () => {
    interrupted = true;
    wakeUp();
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const progress = await followProgress(() => jobs.get(id), out.json ? 'silent' : process.stdout.isTTY ? 'tty' : 'lines');
  let progressStopped = false;
  const stopProgress = async () => {
    if (!progressStopped) {
      progressStopped = true;
      await progress.stop();
    }
  };
  try {
    if (!out.json) process.stderr.write(`the store's owner (pid ${owner}) runs job ${id}; following it here (Ctrl-C stops following, not the run)\n`);
    for (;;) {
      const summary: RunSummary | undefined = await jobs.runSummary(id, request);
      if (summary) {
        await stopProgress();
        printRun(out, summary, (await jobs.get(id))?.summary.exceptionsOpen ?? 0, what, [], owner);
        return 0;
      }
      if (interrupted) {
        await stopProgress();
        process.stderr.write(`\nstopped following: the run goes on in the store's owner (pid ${owner}); see holdfast job ${id}\n`);
        return 130;
      }
      await assertJobFollowable(runtime, id);
      if (livingOwner(options.store) !== owner) {
        throw new HoldfastError('OWNER_UNREACHABLE', `the store's owner (pid ${owner}) stopped before the run of job ${id} ended: it continues with holdfast run ${id} --all (or holdfast resume)`, { details: { job: id, ownerPid: owner } });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wakeUp = () => (clearTimeout(timer), resolve());
      });
    }
  } finally {
    await stopProgress();
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await runtime.close();
  }
}
