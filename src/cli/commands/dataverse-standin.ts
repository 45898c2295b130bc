/**
 * `holdfast dataverse-standin`: the Dataverse stand-in as a command, to rehearse
 * `ingest`, `watch` and `resume` without a real installation. It answers as
 * Dataverse 6.11 (or 5.14) answers, from its Java sources (docs/dataverse.md),
 * binds 127.0.0.1 unless told otherwise, prints its URL, token and the ingest
 * command to try, and runs until SIGINT or SIGTERM. What it registers lives in
 * memory: a restart forgets it, though the copied files stay in the files dir.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parsePersistentId } from '../../adapters/dataverse/dataverse-pid.js';
import { startDataverseStandin } from '../../adapters/dataverse/dataverse-standin.js';
import type { DataverseStandin } from '../../adapters/dataverse/dataverse-standin.js';
import { DATAVERSE_RELEASES } from '../../adapters/dataverse/dataverse-standin-json.js';
import type { DataverseRelease } from '../../adapters/dataverse/dataverse-standin-json.js';
import { HoldfastError } from '../../errors.js';
import { createOutput, usage, type GlobalOptions } from '../cli-context.js';

const DEFAULT_PORT = 8765;
const DEFAULT_DATASET = 'doi:10.5072/FK2/STANDIN';

interface StandinOptions extends GlobalOptions {
  port: number;
  host: string;
  filesDir: string;
  dataset?: string[];
  token?: string;
  release: DataverseRelease;
}

/** Adds `holdfast dataverse-standin` to the program. */
export function registerDataverseStandin(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('dataverse-standin')
    .description('run a local Dataverse stand-in (answers as Dataverse 6.11 does) to rehearse ingest, watch and resume')
    .option('--port <port>', 'port to listen on (0 picks a free one)', portNumber, DEFAULT_PORT)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--files-dir <dir>', "the file store's root: ingest's --files-dir", './dataverse-files')
    .option('--dataset <pid>', `a dataset it serves (repeatable; default ${DEFAULT_DATASET})`, pid)
    .option('--token <token>', 'the API token it accepts (default: a new random one)')
    .option('--release <release>', `the Dataverse release to answer as: ${DATAVERSE_RELEASES.join(' or ')}`, release, '6.11' as DataverseRelease)
    .action((options: StandinOptions, command: Command) => run(() => standin({ ...command.optsWithGlobals<GlobalOptions>(), ...options })));
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw usage(`--port must be 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

function pid(value: string, all: string[] = []): string[] {
  try {
    parsePersistentId(value);
  } catch (error) {
    throw usage(`--dataset: ${(error as Error).message}`);
  }
  return [...all, value];
}

function release(value: string): DataverseRelease {
  if (!(DATAVERSE_RELEASES as readonly string[]).includes(value)) throw usage(`--release must be ${DATAVERSE_RELEASES.join(' or ')}, got ${JSON.stringify(value)}`);
  return value as DataverseRelease;
}

async function standin(options: StandinOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  if (options.token !== undefined && options.token.trim() === '') throw usage('--token must not be empty');
  const token = options.token ?? randomBytes(16).toString('hex');
  const filesDir = resolve(options.filesDir);
  const datasets = options.dataset ?? [DEFAULT_DATASET];
  await mkdir(filesDir, { recursive: true });
  let server: DataverseStandin;
  try {
    server = await startDataverseStandin({ host: options.host, port: options.port, token, filesDir, release: options.release, datasets: datasets.map((persistentId) => ({ persistentId })) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      // As serve says it (PORT_IN_USE, exit 2).
      throw new HoldfastError('PORT_IN_USE', `port ${options.port} on ${options.host} is in use: give another with --port (0 picks a free one)`, { cause: error, details: { port: options.port, host: options.host } });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw usage(`--host ${options.host} is not an address of this machine`);
    throw error instanceof HoldfastError ? error : new HoldfastError('EFFECT_FAILED', `the Dataverse stand-in did not start: ${(error as Error).message}`, { cause: error });
  }
  let stop: () => void = () => {};
  const stopped = new Promise<void>((done) => (stop = done));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const first = datasets[0] as string;
    const ingest = `holdfast ingest ./my-folder --dataset ${first} --files-dir ${quote(filesDir)} --dataverse ${server.url} --token ${token}`;
    out.result({
      event: 'dataverse-standin.started',
      url: server.url,
      token,
      release: server.release,
      filesDir,
      datasets: datasets.map((persistentId) => ({ persistentId, folder: server.folderOf(persistentId) })),
      ingest,
    });
    out.say(`Dataverse stand-in at ${server.url} (answers as Dataverse ${server.release})`);
    out.say(`  token:     ${token}`);
    out.say(`  files dir: ${filesDir}`);
    for (const persistentId of datasets) out.say(`  dataset:   ${persistentId}  (its files go to ${server.folderOf(persistentId)})`);
    out.say('Try, from another shell (put your files in ./my-folder):');
    out.say(`  ${ingest}`);
    out.say('What it registers is kept in memory: stopping it forgets that. Stop with Ctrl-C.');
    await stopped;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await server.close();
  }
  out.say('Dataverse stand-in stopped');
  return 0;
}

// A path with spaces or shell characters, quoted for a POSIX shell.
function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
