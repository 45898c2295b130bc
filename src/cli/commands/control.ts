/**
 * `holdfast pause ID`, `holdfast unpause ID`, `holdfast retry ID`: a person's
 * hand on a job. Sent to the store's owner when one runs; otherwise applied to
 * the store directly, without resuming any other work. Deleting a job removes
 * every record it left too (src/cli/job-records.ts; a batch job's items,
 * results, exceptions, statistics) and says how many records and actors went.
 */
import type { Command } from 'commander';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import { describeCopies } from '../../adapters/dataload/load-copies.js';
import { kindOfJob } from '../../kinds/work-kind.js';
import { kindsOf, openHoldfast, withReader, type DeleteResult } from '../assembly.js';
import { flagToken } from '../dataverse-credentials.js';
import { createOutput, type GlobalOptions } from '../cli-context.js';
import { otherOwner } from '../owner-routing.js';
import { existsSync } from 'node:fs';
import { hostFor } from './batch-context.js';

/** A delete through the owner may take long (a million records): it is awaited without a deadline that short. */
const DELETE_THROUGH_OWNER_MS = 24 * 3_600_000;

const COMMANDS = {
  pause: 'pause a job: running effects finish, nothing new starts',
  unpause: 'let a paused job run again',
  retry: 'retry a parked actor (or send `retry` to one waiting for it)',
  delete: 'delete a finished or paused job with everything under it: its actors and records (a data load\'s entries, a watch\'s files, a process job\'s output; a batch job\'s items, results, exceptions, statistics), and the copies a data load made that Dataverse does not hold',
} as const;

interface DeleteFlags extends GlobalOptions {
  app?: string;
  token?: string;
  tokenFile?: string;
  keepCopies?: boolean;
}

export function registerControl(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  for (const [name, description] of Object.entries(COMMANDS) as [keyof typeof COMMANDS, string][]) {
    const command = program.command(name).description(description).argument('<id>', 'the job or actor id');
    if (name === 'delete') {
      command
        .option('--token <token>', 'the Dataverse API token, to ask which of a data load\'s copies Dataverse holds')
        .option('--token-file <file>', 'the token from a file (the token alone on one line), kept off the command line; else DATAVERSE_KEY')
        .option('--keep-copies', 'delete the job even if Dataverse cannot be asked; a data load\'s copies then all stay');
    }
    command.action((id: string, _options: unknown, self: Command) => run(() => control(name, id, self.optsWithGlobals<DeleteFlags>())));
  }
}

async function control(name: keyof typeof COMMANDS, id: string, options: DeleteFlags): Promise<number> {
  const out = createOutput(options.json ?? false);
  const owner = otherOwner(options.store);
  if (name === 'delete') return deleteJob(id, options, owner, out);
  if (owner !== undefined) {
    await sendOwnerCommand(options.store, name, { id });
  } else {
    const holdfast = await openHoldfast({ store: options.store, resume: false, listen: false });
    try {
      await holdfast.runtime[name](id);
    } finally {
      await holdfast.close();
    }
  }
  out.result({ id, done: name, ...(owner !== undefined ? { owner } : {}) });
  out.say(`${name}: ${id}${owner !== undefined ? ` (through the store's owner, pid ${owner})` : ''}`);
  return 0;
}

/**
 * A top job goes with the records it left (its kind's delete when it has one: a data load's
 * copies Dataverse lacks, a batch job's run check); says what went and what stayed.
 */
async function deleteJob(id: string, options: DeleteFlags, owner: number | undefined, out: ReturnType<typeof createOutput>): Promise<number> {
  const token = (await flagToken(options))?.token ?? (process.env.DATAVERSE_KEY?.trim() || undefined);
  const deleteOptions = { ...(token !== undefined ? { token } : {}), keepCopies: options.keepCopies === true };
  const title = await kindTitle(options, id);
  let removed: DeleteResult;
  if (owner !== undefined) removed = (await sendOwnerCommand(options.store, 'delete', { id, ...deleteOptions }, DELETE_THROUGH_OWNER_MS)) as DeleteResult;
  else {
    const host = await hostFor(options, false);
    const holdfast = await openHoldfast({ store: options.store, resume: false, listen: false, kinds: host?.kinds ?? [] });
    try {
      removed = await holdfast.deleteJob(id, deleteOptions);
    } finally {
      await holdfast.close();
    }
  }
  const { records, actors, copies } = removed;
  out.result({ id, done: 'delete', records, actors, ...(copies ? { copies } : {}), ...(owner !== undefined ? { owner } : {}) });
  out.say(`deleted ${title} ${id}: ${records} record(s) and ${actors} actor(s)${owner !== undefined ? ` (through the store's owner, pid ${owner})` : ''}`);
  for (const report of copies ?? []) for (const line of describeCopies(report)) out.say(`  ${report.load === id ? '' : `${report.load}: `}${line}`);
  return 0;
}

/** What the job is, in words (`batch job`), read beside any owner; `job` when it cannot be told. */
async function kindTitle(options: DeleteFlags, id: string): Promise<string> {
  if (!existsSync(options.store)) return 'job';
  try {
    const kinds = kindsOf((await hostFor(options, false))?.kinds);
    return await withReader(options.store, async (reader) => kindOfJob(kinds, (await reader.listedActor(id))?.machine ?? '')?.title ?? 'job');
  } catch {
    return 'job'; // no store yet (or a damaged one): the delete itself reports it
  }
}
