/**
 * `holdfast import FILE --service URL [--link-tags FILE] [--on-complete URL]`:
 * one import batch in the foreground. Exits 0 when it completes, 1 when an
 * object or link failed (or requests wait for the service's callback), 2 when
 * the input is invalid (every problem printed with its line; nothing was sent).
 */
import { HoldfastError } from '../../errors.js';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { sendOwnerCommand } from '../../adapters/owner-socket.js';
import { IMPORT_BATCH_MACHINE, type ImportBatchInput } from '../../machines/import.types.js';
import { actorId } from '../../runtime/actor-types.js';
import { openHoldfast } from '../assembly.js';
import { createOutput, usage, type GlobalOptions } from '../cli-context.js';
import { describeImport, exitCodeOf, followImport, progressLine, summarizeImport } from '../import-follow.js';

export { describeImport, followImport, summarizeImport, type ImportSummary } from '../import-follow.js';
import { otherOwner } from '../owner-routing.js';

interface ImportOptions extends GlobalOptions {
  service: string;
  linkTags?: string;
  onComplete?: string;
}


/** Adds `holdfast import` to the CLI. */
export function registerImport(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('import')
    .description('create pending objects and links with an external service, in dependency order')
    .argument('<file>', 'the import: JSON or JSON Lines of pending objects and links')
    .requiredOption('--service <url>', 'the import service (docs/import-protocol.md)')
    .option('--link-tags <file>', 'JSON: which child type may link to which parent type under each tag')
    .option('--on-complete <url>', 'post the import-complete event to this URL')
    .action((file: string, options: ImportOptions, command: Command) => run(() => importFile(file, { ...command.optsWithGlobals<GlobalOptions>(), ...options })));
}

/**
 * Runs one import in the foreground (or hands it to the store's owner); resolves with the exit code.
 * @throws USAGE for a missing file or a malformed URL (exit 2)
 */
export async function importFile(fileArgument: string, options: ImportOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const input: ImportBatchInput = { file: await existingFile(fileArgument, 'the import file'), service: httpUrl('--service', options.service) };
  if (options.linkTags !== undefined) input.linkTags = await existingFile(options.linkTags, '--link-tags');
  if (options.onComplete !== undefined) input.onComplete = httpUrl('--on-complete', options.onComplete);
  const id = actorId(`import-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`);
  const owner = otherOwner(options.store);
  if (owner !== undefined) {
    await sendOwnerCommand(options.store, 'spawn', { machine: IMPORT_BATCH_MACHINE, input, id });
    out.result({ id, owner, handedOver: true });
    out.say(`import ${id} handed to the store's owner (pid ${owner}); follow it with: holdfast job ${id} --store ${options.store}`);
    return 0;
  }
  const holdfast = await openHoldfast({ store: options.store });
  const stop = () => void holdfast.close().then(() => process.exit(130));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const startedAt = Date.now();
  try {
    await holdfast.runtime.spawn(IMPORT_BATCH_MACHINE, input, { id });
    out.say(`import ${id}: ${input.file} -> ${input.service}`);
    const progress = out.json ? undefined : setInterval(() => void progressLine(holdfast.runtime, id).then((text) => out.say(text), () => undefined), 5_000).unref();
    try {
      await followImport(holdfast.runtime, id);
    } finally {
      clearInterval(progress);
    }
    if ((await holdfast.runtime.get(id)) === undefined) throw new HoldfastError('JOB_DELETED', `import ${id} was deleted before it ended: there is nothing to resume`, { details: { id } });
    const summary = await summarizeImport(holdfast.runtime, id, startedAt);
    out.result(summary);
    for (const line of describeImport(summary)) out.say(line);
    return exitCodeOf(summary);
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await holdfast.close();
  }
}

async function existingFile(path: string, what: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) throw usage(`${what} ${path} is ${info ? 'not a file' : 'missing'}`);
  return absolute;
}

function httpUrl(flag: string, value: string): string {
  if (!/^https?:\/\/[^/\s]+/.test(value)) throw usage(`${flag} must be an http(s) URL, got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}

