/**
 * `holdfast token rotate`: replaces the serve tokens kept in the store folder
 * (serve-tokens.json). A running owner does it (DESIGN.md, "One owner, many
 * commands"): a `serve` also refuses the old tokens from then on and closes
 * the connections opened with them; any other owner just writes the file for
 * the next `serve`. Without an owner the store is locked while the file is
 * written, so no `serve` starts on the old tokens meanwhile.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import type { Tokens } from '../../adapters/http/http-auth.js';
import { rotateServeTokens } from '../../adapters/http/serve-tokens.js';
import { HoldfastError } from '../../errors.js';
import { DATA_FILE, openLmdbStore } from '../../create-runtime.js';
import { createOutput, type GlobalOptions } from '../cli-context.js';
import { otherOwner } from '../owner-routing.js';

interface Rotated {
  tokens: Tokens;
  /** True when a running `serve` now uses them. */
  served: boolean;
  url?: string;
  adminUrl?: string;
}

export function registerToken(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  const token = program.command('token').description("the serve tokens (the inspector page's, the admin's, /metrics')");
  token
    .command('rotate')
    .description('replace the serve tokens; a running serve refuses the old ones and closes their connections')
    .action((_options: unknown, command: Command) => run(() => rotate(command.optsWithGlobals<GlobalOptions>())));
}

export async function rotate(options: GlobalOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const owner = otherOwner(options.store);
  let rotated: Rotated;
  if (owner !== undefined) {
    rotated = (await sendOwnerCommand(options.store, 'rotateTokens')) as Rotated;
  } else {
    const folder = resolve(options.store);
    if (!existsSync(join(folder, DATA_FILE))) throw new HoldfastError('STORE_MISSING', `no store at ${folder}; use --store`, { details: { path: folder } });
    const store = openLmdbStore(folder); // its lock: no serve starts on the old tokens meanwhile
    try {
      rotated = { tokens: rotateServeTokens(folder), served: false };
    } finally {
      await store.close();
    }
  }
  out.result({ ...rotated, ...(owner !== undefined ? { ownerPid: owner } : {}) });
  out.say(`new serve tokens kept in ${join(resolve(options.store), 'serve-tokens.json')}`);
  if (rotated.served) {
    out.say(`the running serve (pid ${owner}) took them; pages and clients with the old ones were disconnected`);
    out.say(`inspector (read-only): ${rotated.url}`);
    out.say(`admin: ${rotated.adminUrl}`);
  } else {
    out.say(`read-only token: ${rotated.tokens.readOnly[0]}`);
    out.say(`admin token: ${rotated.tokens.admin[0]}`);
    out.say('the next holdfast serve uses them');
  }
  return 0;
}
