/**
 * `holdfast prune [--older-than DURATION]`: drops now the step journals
 * (snapshots included) of actors final for at least DURATION (default 7 days),
 * as an owner's retention does in the background; a finished job's summary,
 * results and registrations stay, and nothing of unfinished work is touched.
 * A finished data load's per-file actors are folded into a count (child-fold.ts).
 * Sent to the store's owner when one runs, else done here. LMDB reuses the
 * freed pages for new work, but its file never shrinks: `holdfast backup DEST`
 * writes a compacted copy.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import { assertStoreFolder } from '../../create-runtime.js';
import type { PruneReport } from '../../runtime/retention.js';
import { DEFAULT_RETENTION_MS } from '../../runtime/retention.js';
import { openHoldfast } from '../assembly.js';
import { createOutput, type GlobalOptions } from '../cli-context.js';
import { duration } from '../duration-flag.js';
import { otherOwner } from '../owner-routing.js';

interface PruneOptions extends GlobalOptions {
  olderThan: number;
}

/** A pass over a large store can take a while; the owner answers when it is done. */
const OWNER_PRUNE_TIMEOUT_MS = 30 * 60_000;

export function registerPrune(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('prune')
    .description("drop the step journals (snapshots included) of actors finished for longer than --older-than; jobs' summaries, results and registrations stay, and a finished data load's per-file actors are folded into a count (its files stay listed from its records). The file does not shrink (LMDB reuses the pages): `holdfast backup` writes a compacted copy")
    .addOption(new Option('--older-than <duration>', 'how long an actor must have been finished: milliseconds, or 30m, 12h, 7d (0: every finished actor)').argParser(duration('--older-than')).default(DEFAULT_RETENTION_MS, '7d'))
    .action((options: PruneOptions, command: Command) => run(() => prune({ ...command.optsWithGlobals<GlobalOptions>(), ...options })));
}

async function prune(options: PruneOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  assertStoreFolder(resolve(options.store), true); // nothing to prune: never makes an empty store (STORE_MISSING, exit 2)
  const owner = otherOwner(options.store);
  let report: PruneReport;
  if (owner !== undefined) {
    report = (await sendOwnerCommand(options.store, 'prune', { olderThanMs: options.olderThan }, OWNER_PRUNE_TIMEOUT_MS)) as PruneReport;
  } else {
    const holdfast = await openHoldfast({ store: options.store, resume: false, listen: false });
    try {
      report = await holdfast.runtime.prune({ olderThanMs: options.olderThan });
    } finally {
      await holdfast.close();
    }
  }
  const freedPages = Math.max(0, report.usedPagesBefore - report.usedPagesAfter);
  out.result({ ...report, freedBytes: freedPages * report.pageSize, ...(owner !== undefined ? { owner } : {}) });
  out.say(
    `pruned ${report.entries.toLocaleString('en-US')} journal entries of ${report.actors.toLocaleString('en-US')} finished actor(s), folded ${report.folded.toLocaleString('en-US')} finished child actor(s) and stripped ${report.snapshots.toLocaleString('en-US')} old snapshots of unfinished ones (${bytes(report.bytes)} of entries; ${freedPages.toLocaleString('en-US')} pages, ${bytes(freedPages * report.pageSize)}, free for reuse) in ${report.ms} ms${owner !== undefined ? ` (through the store's owner, pid ${owner})` : ''}`,
  );
  if (freedPages > 0) out.say('the store file keeps its size (LMDB reuses the pages); `holdfast backup DEST` writes a compacted copy');
  return 0;
}

function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  if (count < 1024 ** 2) return `${(count / 1024).toFixed(1)} KiB`;
  if (count < 1024 ** 3) return `${(count / 1024 ** 2).toFixed(1)} MiB`;
  return `${(count / 1024 ** 3).toFixed(2)} GiB`;
}
