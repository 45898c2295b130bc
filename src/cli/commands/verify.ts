/**
 * `holdfast verify`: reads every record of the store as of one moment, beside
 * a running owner and without writing, and checks every checksum, the index
 * against the actors, and each archive file the records reference (found, and
 * hashing to its name). Lists each problem and exits 1, or says the store is
 * sound and exits 0.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { archiveFolder } from '../../adapters/tasks/content-archive.js';
import { openLmdbStore } from '../../create-runtime.js';
import { createOutput, type GlobalOptions, type Output } from '../cli-context.js';
import { checkStore, describeCounts, type StoreCheck } from '../store-check.js';

export function registerVerify(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('verify')
    .description('check every record of the store (checksums, index against actors, referenced archive files) beside a running owner; exit 1 listing what is wrong')
    .action((_options: unknown, command: Command) => run(() => verify(command.optsWithGlobals<GlobalOptions>())));
}

export async function verify(options: GlobalOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const path = resolve(options.store);
  const store = openLmdbStore(path, { readOnly: true });
  let check: StoreCheck;
  try {
    check = await checkStore(store, archiveFolder(path));
  } finally {
    await store.close();
  }
  out.result(check);
  sayCheck(out, check);
  return check.sound ? 0 : 1;
}

/** The human report: counts, one line per problem, the verdict. */
export function sayCheck(out: Output, check: StoreCheck): void {
  out.say(`checked ${describeCounts(check)}`);
  const collections = Object.entries(check.collections).map(([name, count]) => `${name} ${count}`);
  if (collections.length > 0) out.say(`records by collection: ${collections.join(', ')}`);
  if (check.parked > 0) out.say(`${check.parked} actor${check.parked === 1 ? ' is' : 's are'} parked: held soundly, waiting on a person (holdfast jobs names them; holdfast retry ID)`);
  for (const { kind, id, problem } of check.problems) out.say(`${kind} ${id}: ${problem}`);
  if (check.problemCount > check.problems.length) out.say(`... and ${check.problemCount - check.problems.length} more problems (not listed)`);
  out.say(check.sound ? `store ${check.store} is sound` : `store ${check.store}: ${check.problemCount} problem${check.problemCount === 1 ? '' : 's'}`);
}
