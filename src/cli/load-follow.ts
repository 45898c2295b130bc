/**
 * Following a data load in the foreground: progress while it runs, then the
 * summary once it is final or waits on a person (`blocked`, `registrationFailed`).
 */
import type { ActorRecord, ActorId } from '../persistence/store.js';
import type { DataLoadContext } from '../machines/dataload.machine.js';
import type { DataFileContext } from '../machines/datafile.machine.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Progress } from './progress.js';

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
  files: FileOutcome[];
}

/** Waits until the load settles, reporting progress; returns its summary. */
export async function followLoad(runtime: Runtime, id: ActorId, progress: Progress, startedAt: number): Promise<LoadSummary> {
  let bytes = 0;
  const unsubscribe = runtime.subscribe((event) => {
    if (event.type !== 'actor.stepped') return;
    if (event.machine === 'datafile' && event.to === 'copied') {
      const size = (runtime.get(event.id)?.snapshot?.context as DataFileContext | undefined)?.prepared?.size ?? 0;
      bytes += size;
      progress.update({ bytes });
    }
    if (event.id === id) {
      const context = runtime.get(id)?.snapshot?.context as DataLoadContext | undefined;
      if (context) progress.update({ state: event.to, counts: context.counts });
    }
  });
  try {
    await runtime.waitFor(id, loadSettled, 24 * 3_600_000);
    await waitForVerdicts(runtime, id);
  } finally {
    unsubscribe();
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
  const pending = () => {
    for (const message of runtime.store.inbox()) if (message.to.startsWith(prefix) && runtime.get(message.to)?.status === 'active') return true;
    return false;
  };
  const deadline = Date.now() + timeoutMs;
  while (pending() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

export function summarize(runtime: Runtime, id: ActorId, startedAt: number): LoadSummary {
  const record = runtime.get(id)!;
  const context = record.snapshot!.context as DataLoadContext;
  const files: FileOutcome[] = [];
  let bytes = 0;
  for (const child of runtime.query({ parent: id })) {
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
    if (file.problem) outcome.reason = `${file.problem.code}: ${file.problem.reason}`;
    files.push(outcome);
  }
  for (const problem of context.problems.filter((p) => p.code === 'REFUSED')) files.push({ relativePath: problem.relativePath, state: 'refused', reason: problem.reason });
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
  for (const file of summary.files.filter((f) => f.reason)) lines.push(`  ${file.state}: ${file.relativePath}: ${file.reason}`);
  if (summary.error) lines.push(`  ${summary.error.code}: ${summary.error.message}`);
  if (WAITING_STATES.has(summary.state)) lines.push('  the load waits: fix the cause, then run `holdfast resume` (with --token NEW for a refused token)');
  return lines;
}
