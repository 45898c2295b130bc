/**
 * `holdfast user add NAME [--superuser] [--max-running N] [--max-total N]`:
 * creates a job-server user and prints its API token once (the store keeps
 * only its sha256). A running owner creates it over its socket; otherwise the
 * store is opened here without resuming anything. `holdfast user list` reads
 * the store beside an owner.
 */
import type { Command } from 'commander';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import { openUsers } from '../../adapters/jobserver/users.js';
import { openHoldfast, withReader } from '../assembly.js';
import { createOutput, positiveInt, type GlobalOptions } from '../cli-context.js';
import { otherOwner } from '../owner-routing.js';

interface UserAddOptions extends GlobalOptions {
  superuser?: boolean;
  maxRunning?: number;
  maxTotal?: number;
}

export function registerUser(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  const user = program.command('user').description('job-server users: API tokens, superusers, job limits');
  user
    .command('add')
    .description('add a user and print its API token (shown once)')
    .argument('<name>', 'the user name: letters, digits, _ . -')
    .option('--superuser', 'may run eval processes and change anyone’s data files and jobs')
    .option('--max-running <n>', 'jobs not yet finished at once', positiveInt('--max-running'))
    .option('--max-total <n>', 'jobs kept in total', positiveInt('--max-total'))
    .action((name: string, options: UserAddOptions, command: Command) => run(() => addUser(name, { ...command.optsWithGlobals<GlobalOptions>(), ...options })));
  user
    .command('list')
    .description('list the users (never their tokens)')
    .action((_options: unknown, command: Command) => run(async () => listUsers(command.optsWithGlobals<GlobalOptions>())));
}

export async function addUser(name: string, options: UserAddOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const limits = {
    superuser: options.superuser === true,
    ...(options.maxRunning !== undefined ? { maxRunning: options.maxRunning } : {}),
    ...(options.maxTotal !== undefined ? { maxTotal: options.maxTotal } : {}),
  };
  let created: { name: string; token: string };
  if (otherOwner(options.store) !== undefined) {
    created = (await sendOwnerCommand(options.store, 'addUser', { name, options: limits })) as { name: string; token: string };
  } else {
    const holdfast = await openHoldfast({ store: options.store, listen: false, resume: false });
    try {
      created = await openUsers(holdfast.runtime.records).add(name, limits);
    } finally {
      await holdfast.close();
    }
  }
  out.result({ name: created.name, token: created.token, ...limits });
  out.say(`added user ${created.name}${limits.superuser ? ' (superuser)' : ''}`);
  out.say(`token (shown once, keep it): ${created.token}`);
  return 0;
}

async function listUsers(options: GlobalOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  return withReader(options.store, async (reader) => {
    const users = await openUsers(reader.records).list();
    out.result({ users });
    for (const user of users) out.say(`${user.name}${user.superuser ? ' (superuser)' : ''}`);
    if (users.length === 0) out.say('no users: add one with holdfast user add NAME');
    return 0;
  });
}
