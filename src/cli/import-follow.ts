/**
 * Following an import until it is final or waits on the service's callbacks,
 * and its summary in words: `holdfast import` and `holdfast resume` (the
 * import kind, src/kinds/import.ts) share them.
 */
import type { ImportBatchContext } from '../machines/import-batch.machine.js';
import { IMPORT_RECORDS, type ErrorJson, type ImportProblem, type OutcomeCounts } from '../machines/import.types.js';
import type { PendingLinkContext } from '../machines/pending-link.machine.js';
import type { PendingObjectContext } from '../machines/pending-object.machine.js';
import type { ActorId, ActorRecord } from '../runtime/actor-types.js';
import type { Runtime } from '../runtime/runtime.js';

/** What `holdfast import` reports when it ends (its `--json` object). */
export interface ImportSummary {
  id: string;
  state: string;
  succeeded: boolean;
  objects: OutcomeCounts;
  links: OutcomeCounts;
  seconds: number;
  error?: ErrorJson;
  notifyError?: ErrorJson;
  /** The problems listed: the first 10,000 by line (the first 50 when the list's record is gone). */
  problems?: ImportProblem[];
  /** Every problem found, listed or not. */
  problemCount?: number;
  failures?: { key: string; line: number; state: string; reason: string }[];
  /** Requests the service accepted (202) and has not called back yet. */
  awaitingCallback?: number;
  /** Children parked (poison, corrupt record): they wait for a person. */
  parked?: number;
}

const MAX_FAILURES = 100;
/** Problems printed; --json gives all the batch listed. */
const MAX_PRINTED_PROBLEMS = 200;
const PENDING = ['pendingObject', 'pendingLink'] as const;

/**
 * Resolves when the batch is final, or when nothing runs and what is left
 * waits on the service's callbacks (DESIGN.md: a foreground command exits then).
 */
export async function followImport(runtime: Runtime, id: ActorId): Promise<void> {
  for (;;) {
    const next = nextEvent(runtime);
    if ((await runtime.get(id))?.status !== 'active') return next.cancel();
    await runtime.whenIdle(24 * 3_600_000);
    if ((await runtime.get(id))?.status !== 'active') return next.cancel();
    if (!(await working(runtime, id))) return next.cancel(); // only callbacks (or a person) can move it now
    await next.promise;
  }
}

/** True while the batch or any of its pending actors has an effect running or waiting to retry. */
async function working(runtime: Runtime, id: ActorId): Promise<boolean> {
  if (Object.keys((await runtime.get(id))?.effects ?? {}).length > 0) return true;
  const running = (record: ActorRecord) => record.parent === id && record.status === 'active' && Object.keys(record.effects).length > 0;
  for (const machine of PENDING) if ((await runtime.query({ machine, state: 'creating' })).some(running)) return true;
  return false;
}

/** How long the follower waits for an event before looking again: a delete (of a paused batch) announces nothing. */
const LOOK_AGAIN_MS = 250;

function nextEvent(runtime: Runtime): { promise: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const promise = new Promise<void>((resolve) => {
    const unsubscribe = runtime.subscribe(() => {
      cancel();
      resolve();
    });
    const timer = setTimeout(() => {
      cancel();
      resolve();
    }, LOOK_AGAIN_MS);
    cancel = () => {
      clearTimeout(timer);
      unsubscribe();
    };
  });
  return { promise, cancel };
}

/** The summary of a batch: counts, problems, failures with their reasons, requests awaiting callbacks. */
export async function summarizeImport(runtime: Runtime, id: ActorId, startedAt: number): Promise<ImportSummary> {
  const record = (await runtime.get(id))!;
  const context = record.snapshot!.context as ImportBatchContext;
  const summary: ImportSummary = {
    id,
    state: record.state,
    succeeded: record.state === 'complete' && context.notifyError === undefined,
    objects: context.objects,
    links: context.links,
    seconds: (Date.now() - startedAt) / 1000,
  };
  if (context.error) summary.error = context.error;
  if (context.notifyError) summary.notifyError = context.notifyError;
  if (context.problemCount > 0) {
    summary.problems = (await runtime.records.get<ImportProblem[]>(IMPORT_RECORDS.problems, id)) ?? context.problems;
    summary.problemCount = Math.max(context.problemCount, summary.problems.length);
  }
  const failures = await failuresOf(runtime, id);
  if (failures.length > 0) summary.failures = failures;
  if (record.status === 'active') {
    let awaiting = 0;
    for (const machine of PENDING) awaiting += (await runtime.query({ machine, state: 'awaitingCallback' })).filter((r) => r.parent === id).length;
    summary.awaitingCallback = awaiting;
    const parked = (await runtime.query({ status: 'parked' })).filter((r) => r.parent === id).length;
    if (parked > 0) summary.parked = parked;
  }
  return summary;
}

async function failuresOf(runtime: Runtime, id: ActorId): Promise<NonNullable<ImportSummary['failures']>> {
  const failures: NonNullable<ImportSummary['failures']> = [];
  for (const machine of PENDING) {
    for (const state of ['error', 'blocked']) {
      for (const record of await runtime.query({ machine, state })) {
        if (record.parent !== id) continue;
        failures.push(failureOf(record));
        if (failures.length >= MAX_FAILURES) return failures;
      }
    }
  }
  return failures.sort((a, b) => a.line - b.line);
}

function failureOf(record: ActorRecord): NonNullable<ImportSummary['failures']>[number] {
  const context = record.snapshot!.context as (PendingObjectContext | PendingLinkContext) & { id?: string; childId?: string };
  const what = record.machine === 'pendingObject' ? `object "${context.id ?? ''}"` : `link "${context.childId ?? ''}" -> "${(context as PendingLinkContext).parentId}" (${(context as PendingLinkContext).linkTag})`;
  const reason = context.blockedBy
    ? `by "${context.blockedBy.id}" (line ${context.blockedBy.line}), which failed: ${context.blockedBy.reason}`
    : `[${context.error?.code ?? 'IMPORT_REJECTED'}] ${context.error?.message ?? ''}`;
  return { key: record.id, line: context.line, state: record.state, reason: `${what}: ${reason}` };
}

/** The human form of a summary. */
export function describeImport(summary: ImportSummary): string[] {
  const counts = (c: OutcomeCounts) => `${c.complete} complete, ${c.error} error, ${c.blocked} blocked (of ${c.total})`;
  const waiting = summary.awaitingCallback || summary.parked;
  const lines = [`import ${summary.id}: ${waiting ? `waiting (${summary.state})` : summary.state} in ${summary.seconds.toFixed(1)} s`];
  if (summary.problems) {
    const listed = summary.problems.length;
    const total = Math.max(summary.problemCount ?? 0, listed);
    lines.push(`  invalid input, nothing was sent: ${figure(total)} problem(s)`);
    for (const problem of summary.problems.slice(0, MAX_PRINTED_PROBLEMS)) lines.push(`  line ${problem.line}: ${problem.message}`);
    const more = total - Math.min(listed, MAX_PRINTED_PROBLEMS);
    if (more > 0) lines.push(`  ... and ${figure(more)} more (--json lists ${listed === total ? 'them all' : `the first ${figure(listed)} by line`})`);
    return lines;
  }
  lines.push(`  objects: ${counts(summary.objects)}`, `  links: ${counts(summary.links)}`);
  if (summary.error) lines.push(`  [${summary.error.code}] ${summary.error.message}`);
  for (const failure of summary.failures ?? []) lines.push(`  line ${failure.line}: ${failure.state}: ${failure.reason}`);
  if (summary.notifyError) lines.push(`  the import-complete post failed: [${summary.notifyError.code}] ${summary.notifyError.message}`);
  if (summary.parked) lines.push(`  ${summary.parked} object(s) or link(s) are parked and wait for a person: see \`holdfast job ${summary.id}\``);
  if (summary.awaitingCallback) lines.push(`  ${summary.awaitingCallback} request(s) wait for the service's callback (POST /import/callbacks on \`holdfast serve\`); the import resumes when they arrive`);
  return lines;
}

function figure(n: number): string {
  return n.toLocaleString('en-US');
}

export function exitCodeOf(summary: ImportSummary): number {
  if (summary.succeeded) return 0;
  return summary.error?.code === 'IMPORT_INVALID' ? 2 : 1;
}

export async function progressLine(runtime: Runtime, id: ActorId): Promise<string> {
  const record = await runtime.listedActor(id);
  const context = record?.snapshot?.context as ImportBatchContext | undefined;
  if (!record || !context) return `import ${id}: starting`;
  const done = (c: OutcomeCounts) => c.complete + c.error + c.blocked;
  return `import ${id}: ${record.state}: objects ${done(context.objects)}/${context.objects.total}, links ${done(context.links)}/${context.links.total}`;
}
