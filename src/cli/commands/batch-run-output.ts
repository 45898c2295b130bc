/** What `holdfast run` and `reprocess` print when a run ends, run here or followed beside the store's owner. */
import type { RunSummary } from '../../adapters/batch/batch-jobs.js';
import type { Output } from '../cli-context.js';
import { duration } from './batch-words.js';

/** The run's summary (one JSON object with --json), after any interrupted run it continued first. */
export function printRun(out: Output, summary: RunSummary, exceptionsOpen: number, what: string | undefined, resumed: readonly RunSummary[], owner?: number): void {
  out.result({ ...summary, ...(what ? { kind: what } : {}), exceptionsOpen, ...(resumed.length > 0 ? { resumed } : {}), ...(owner !== undefined ? { owner } : {}) });
  for (const run of resumed) for (const line of describeRun(run, 0, 'the interrupted run, continued')) out.say(line);
  for (const line of describeRun(summary, exceptionsOpen, what)) out.say(line);
}

export function describeRun(summary: RunSummary, exceptionsOpen: number, what?: string): string[] {
  const rate = summary.elapsedMs > 0 ? Math.round((summary.items / summary.elapsedMs) * 1_000) : summary.items;
  return [
    `${summary.job}${what ? ` (${what})` : ''}: ${summary.batchesRun} batch(es), ${summary.items} items in ${duration(summary.elapsedMs)} (${rate} items/s): ${summary.results} results, ${summary.exceptions} exceptions`,
    ...(exceptionsOpen > 0 ? [`${exceptionsOpen} exception(s) open: holdfast exceptions ${summary.job}`] : []),
  ];
}
