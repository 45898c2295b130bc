/**
 * `holdfast archive add FILE...`: puts files into the store's
 * content-addressed archive and prints each one's SHA-1 (its FollowTheMoney
 * `contentHash`), with which entities of a task job reference it. Writing
 * the archive needs no lock (each file lands atomically under its own hash),
 * so it works beside a running owner.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { archiveFolder, openArchive } from '../../adapters/tasks/content-archive.js';
import { HoldfastError } from '../../errors.js';
import { createOutput, usage, type GlobalOptions } from '../cli-context.js';

export function registerArchive(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  const archive = program.command('archive').description("the store's content-addressed archive of files (by SHA-1)");
  archive
    .command('add')
    .description('archive files; prints the contentHash (SHA-1) of each')
    .argument('<files...>', 'the files to archive')
    .action((files: string[], _options: unknown, command: Command) => run(() => addFiles(files, command.optsWithGlobals<GlobalOptions>())));
}

export async function addFiles(files: string[], options: GlobalOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const archive = openArchive(archiveFolder(resolve(options.store)));
  const added: { path: string; contentHash: string }[] = [];
  for (const file of files) {
    try {
      added.push({ path: file, contentHash: await archive.put(resolve(file)) });
    } catch (error) {
      if (error instanceof HoldfastError && (error.code === 'SOURCE_MISSING' || error.code === 'INVALID_INPUT')) throw usage(`${file}: ${error.reason}`);
      throw error;
    }
  }
  out.result({ archive: archive.root, files: added });
  for (const { path, contentHash } of added) out.say(files.length === 1 ? contentHash : `${contentHash}  ${path}`);
  return 0;
}
