/**
 * `holdfast pause ID`, `holdfast unpause ID`, `holdfast retry ID`: a person's
 * hand on a job. Sent to the store's owner when one runs; otherwise applied to
 * the store directly, without resuming any other work.
 */
import type { Command } from 'commander';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import { openHoldfast } from '../assembly.js';
import { createOutput, type GlobalOptions } from '../cli-context.js';
import { otherOwner } from '../owner-routing.js';

const COMMANDS = {
  pause: 'pause a job: running effects finish, nothing new starts',
  unpause: 'let a paused job run again',
  retry: 'retry a parked actor (or send `retry` to one waiting for it)',
  delete: 'delete a finished or paused job with everything under it',
} as const;

export function registerControl(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  for (const [name, description] of Object.entries(COMMANDS) as [keyof typeof COMMANDS, string][]) {
    program
      .command(name)
      .description(description)
      .argument('<id>', 'the job or actor id')
      .action((id: string, _options: unknown, command: Command) => run(() => control(name, id, command.optsWithGlobals<GlobalOptions>())));
  }
}

async function control(name: keyof typeof COMMANDS, id: string, options: GlobalOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const owner = otherOwner(options.store);
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
