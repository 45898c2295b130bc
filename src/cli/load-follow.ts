/**
 * Following a data load in the foreground: progress while it runs, then the
 * summary once it is final or waits on a person (`blocked`, `registrationFailed`),
 * or once its files have waited for space in the files dir for `spaceWaitMs`
 * with none copied meanwhile: freeing space is a person's to do, so the command
 * then exits 1 and the load stays resumable (DESIGN.md, "One owner, many commands").
 */
import type { ActorRecord, ActorId } from '../runtime/actor-types.js';
import type { DataLoadContext } from '../machines/dataload.machine.js';
import type { DataFileContext } from '../machines/datafile.machine.js';
import type { CopiesReport } from '../machines/dataload.types.js';
import { describeCopies } from '../adapters/dataload/load-copies.js';
import { HoldfastError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Progress } from './progress.js';
import { COPIED_STATES, trackLoadProgress } from './load-progress.js';
import { printable } from '../adapters/files/dataverse-labels.js';
import { FOLDED } from '../runtime/child-fold.js';
import { foldedRows } from './commands/load-job-view.js';

/** States of a load that wait for `holdfast resume` (a new token, a retry). */
export const WAITING_STATES = new Set(['blocked', 'registrationFailed']);

export function loadSettled(record: ActorRecord | undefined): boolean {
  return !record || record.status !== 'active' || WAITING_STATES.has(record.state);
}

export interface FileOutcome {
  relativePath: string;
  state: string;
  size?: number;
  md5?: string;
  storageIdentifier?: string;
  fileId?: number;
  reason?: string;
  /** The path in the dataset: the one Dataverse would accept for a refused name, the one loaded under --fix-labels. */
  label?: string;
}

export interface LoadSummary {
  id: string;
  dataset: string;
  state: string;
  succeeded: boolean;
  counts: DataLoadContext['counts'];
  bytes: number;
  seconds: number;
  error?: { code: string; message: string };
  /** What a discard did with the load's copies (removed, kept and why). */
  copies?: CopiesReport;
  files: FileOutcome[];
}

/** How long a foreground command waits for space in the files dir, with no file copied, before it exits 1. */
export const DEFAULT_SPACE_WAIT_MS = 600_000;


/**
 * Waits until the load settles ('settled'), or until some of its files have
 * waited for space for `spaceWaitMs` without any file of it being copied
 * ('waitingForSpace'; the files keep waiting, with stored due times).
 * @throws JOB_DELETED when the load is deleted first (by another command, through the owner)
 */
export async function waitForLoad(runtime: Runtime, id: ActorId, spaceWaitMs = DEFAULT_SPACE_WAIT_MS): Promise<'settled' | 'waitingForSpace'> {
  const prefix = `${id}/`;
  /** Files that found no space and have not been copied since (retrying ones included). */
  const waiting = new Set<string>();
  let since: number | undefined;
  const unsubscribe = runtime.subscribe((event) => {
    if (event.type !== 'actor.stepped' || event.machine !== 'datafile' || !event.id.startsWith(prefix)) return;
    if (event.to === 'waitingForSpace') {
      waiting.add(event.id);
      since ??= Date.now();
    } else if (event.to !== 'copying') {
      waiting.delete(event.id);
      // A copy made is space found: the wait starts over for those still waiting.
      if (waiting.size === 0) since = undefined;
      else if (COPIED_STATES.has(event.to)) since = Date.now();
    }
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  // A delete (of a paused load, by another command through the owner) announces nothing: looked for here.
  const gaveUp = new Promise<'waitingForSpace'>((resolve, reject) => {
    let looking = false; // one look at a time: a slow read is not doubled by the next tick
    timer = setInterval(() => {
      if (looking) return;
      looking = true;
      void runtime
        .listedActor(id)
        .then((record) => {
          if (record === undefined) reject(new HoldfastError('JOB_DELETED', `load ${id} was deleted before it ended: there is nothing to resume`, { details: { id } }));
          else if (since !== undefined && Date.now() - since >= spaceWaitMs) resolve('waitingForSpace');
        }, reject)
        .finally(() => (looking = false));
    }, Math.max(10, Math.min(250, spaceWaitMs)));
  });
  const settled = runtime.waitFor(id, loadSettled, 24 * 3_600_000).then(() => 'settled' as const);
  try {
    return await Promise.race([settled, gaveUp]);
  } finally {
    clearInterval(timer);
    unsubscribe();
    settled.catch(() => {}); // left pending when we gave up: close() ends it
  }
}

/** Waits until the load settles (or waits on space too long, see `waitForLoad`), reporting progress; returns its summary. */
export async function followLoad(runtime: Runtime, id: ActorId, progress: Progress, startedAt: number, spaceWaitMs = DEFAULT_SPACE_WAIT_MS): Promise<LoadSummary> {
  const stopTracking = trackLoadProgress(runtime, id, progress);
  try {
    await waitForLoad(runtime, id, spaceWaitMs);
    await waitForVerdicts(runtime, id);
  } finally {
    stopTracking();
  }
  return summarize(runtime, id, startedAt);
}

/**
 * Waits until the load's files (every actor, without `id`) have taken the
 * messages sent to them: verdicts such as registered, refused, discarded. A
 * load settles in the step that sends them, and each file takes its own in a
 * later step: summarizing or closing before then would report files as
 * `copied`, leave the load's counters ahead of its files in the store (I5),
 * and record them as loaded only at the next open. A message to an actor that
 * is already final is dropped by the runtime without an event, hence a short
 * poll of the inbox rather than a subscription; one to a parked actor waits
 * for a person and is not waited for.
 */
export async function waitForVerdicts(runtime: Runtime, id?: ActorId, timeoutMs = 60_000): Promise<void> {
  const prefix = id === undefined ? '' : `${id}/`;
  const pending = async () => {
    for await (const message of runtime.inbox()) if (message.to.startsWith(prefix) && (await runtime.get(message.to))?.status === 'active') return true;
    return false;
  };
  const deadline = Date.now() + timeoutMs;
  while ((await pending()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Problems that keep a file from being loaded at all: found by the walk, before any copy. */
const REFUSALS = new Set(['REFUSED', 'NAME_REFUSED', 'NAME_COLLISION']);

export async function summarize(runtime: Runtime, id: ActorId, startedAt: number): Promise<LoadSummary> {
  const record = (await runtime.get(id))!;
  const context = record.snapshot!.context as DataLoadContext;
  const files: FileOutcome[] = [];
  let bytes = 0;
  const live = new Set<string>();
  for (const child of await runtime.query({ parent: id })) {
    live.add(child.id.slice(id.length + 1));
    if (!child.snapshot) {
      // Parked unreadable: its record is a stand-in that knows no path.
      files.push({ relativePath: `(file ${child.id.slice(id.length + 1)})`, state: child.status, ...(child.error ? { reason: `${child.error.code}: ${child.error.message}` } : {}) });
      continue;
    }
    const file = child.snapshot.context as DataFileContext;
    const outcome: FileOutcome = { relativePath: file.relativePath, state: child.state };
    if (file.prepared) {
      outcome.size = file.prepared.size;
      outcome.md5 = file.prepared.md5;
      outcome.storageIdentifier = file.prepared.storageIdentifier;
      if (child.state !== 'failed' && child.state !== 'skipped' && child.state !== 'discarded') bytes += file.prepared.size;
    }
    if (file.fileId !== undefined) outcome.fileId = file.fileId;
    const label = file.directoryLabel ? `${file.directoryLabel}/${file.fileName}` : file.fileName;
    if (label !== file.relativePath.normalize('NFC')) outcome.label = label;
    if (file.problem) outcome.reason = `${file.problem.code}: ${file.problem.reason}`;
    files.push(outcome);
  }
  // Files whose actors retention folded (child-fold.ts) are listed from the load's records.
  if ((await runtime.records.get(FOLDED, id)) !== undefined) {
    for (const row of await foldedRows(runtime.records, record, live)) {
      files.push(row);
      if (row.size !== undefined && row.state !== 'registrationFailed') bytes += row.size;
    }
  }
  for (const problem of context.problems.filter((p) => REFUSALS.has(p.code))) {
    const reason = problem.code === 'REFUSED' ? problem.reason : `${problem.code}: ${problem.reason}`;
    files.push({ relativePath: problem.relativePath, state: 'refused', reason, ...(problem.label === undefined ? {} : { label: problem.label }) });
  }
  files.sort((a, b) => (a.relativePath < b.relativePath ? -1 : 1));
  return {
    id,
    dataset: context.dataset,
    state: record.state,
    // A partial load (--allow-partial) that completed with failed files still exits 1: work failed, details printed.
    succeeded: record.status === 'done' && record.state === 'completed' && context.counts.failed === 0 && context.counts.registrationFailed === 0,
    counts: context.counts,
    bytes,
    seconds: (Date.now() - startedAt) / 1000,
    ...(context.error ? { error: context.error } : {}),
    ...(context.copies ? { copies: context.copies } : {}),
    files,
  };
}

/** The human form of a summary. */
export function describeSummary(summary: LoadSummary): string[] {
  const c = summary.counts;
  const mb = (summary.bytes / 1_048_576).toFixed(1);
  const lines = [
    `load ${summary.id} into ${summary.dataset}: ${summary.state}`,
    `  files: ${c.total} found, ${c.copied} copied, ${c.registered} registered, ${c.skipped} skipped, ${c.failed} failed, ${c.registrationFailed} refused by Dataverse, ${c.refused} refused, ${c.alreadyLoaded} already loaded`,
    `  ${mb} MB in ${summary.seconds.toFixed(1)} s (${(summary.bytes / 1_048_576 / Math.max(summary.seconds, 0.001)).toFixed(1)} MB/s)`,
  ];
  for (const file of summary.files) {
    if (file.reason) lines.push(`  ${file.state}: ${printable(file.relativePath)}: ${printable(file.reason)}`);
    else if (file.label) lines.push(`  relabelled: ${printable(file.relativePath)} -> ${file.label}`);
  }
  if (summary.error) lines.push(`  ${summary.error.code}: ${summary.error.message}`);
  if (summary.copies) lines.push(...describeCopies(summary.copies, `\`holdfast delete ${summary.id} --token-file FILE\``).map((line) => `  ${line}`));
  if (WAITING_STATES.has(summary.state)) lines.push('  the load waits: fix the cause, then run `holdfast resume` (with --token-file FILE or DATAVERSE_KEY for a refused token)');
  const waiting = summary.files.filter((file) => file.state === 'waitingForSpace').length;
  if (waiting > 0) lines.push(`  ${waiting} file(s) wait for space in the files dir: the load keeps them; free space, then run \`holdfast resume\``);
  return lines;
}
