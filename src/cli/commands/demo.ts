/**
 * `holdfast demo`: the main job end to end on bundled sample data. Makes a
 * folder of varied files (nested folders, non-ASCII and spaced names, an empty
 * file, one large file), starts the local Dataverse stand-in, ingests, and
 * prints where to look.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startDataverseStandin } from '../../adapters/dataverse/dataverse-standin.js';
import { startServer } from '../../adapters/http/http-server.js';
import { inspectorsOf } from '../../kinds/work-kind.js';
import type { Holdfast } from '../assembly.js';
import { usage, type GlobalOptions } from '../cli-context.js';
import { ingest } from './ingest.js';

const DEMO_DATASET = 'doi:10.5072/FK2/DEMO01';
/** Left in the folder a demo makes: only a folder holding it is ever emptied by the next demo. */
const DEMO_MARK = '.holdfast-demo';

export function registerDemo(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('demo')
    .description('ingest a folder of sample files into a local Dataverse stand-in, end to end')
    .option('--dir <path>', 'where the demo puts its files: a new or empty folder, or one an earlier demo made (recreated)', './holdfast-demo')
    .option('--large-mb <n>', 'size of the large sample file in MB', (v) => Number(v), 64)
    .action((options: { dir: string; largeMb: number }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const storeGiven = command.parent?.getOptionValueSource('store') !== 'default';
      return run(() => demo({ ...globals, ...options, storeGiven }));
    });
}

async function demo(options: GlobalOptions & { dir: string; largeMb: number; storeGiven: boolean }): Promise<number> {
  const root = resolve(options.dir);
  await claimDemoFolder(root);
  const source = join(root, 'source');
  const filesDir = join(root, 'dataverse-files');
  const store = options.storeGiven ? options.store : join(root, 'store');
  await makeSampleFiles(source, options.largeMb);
  const token = randomBytes(16).toString('hex');
  const standin = await startDataverseStandin({ token, filesDir, datasets: [{ persistentId: DEMO_DATASET }] });
  const say = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  try {
    say(`holdfast demo: sample files in ${source}`);
    say(`Dataverse stand-in at ${standin.url}, dataset ${DEMO_DATASET}`);
    const code = await ingest(source, {
      store,
      ...(options.json ? { json: true } : {}),
      dataset: DEMO_DATASET,
      filesDir,
      dataverse: standin.url,
      token,
      chunkSize: 100,
      exclude: [],
      lockWait: 60_000,
      withHoldfast: (holdfast) => showInspector(holdfast, say, options.json ?? false),
    });
    const registered = standin.registered(DEMO_DATASET);
    say('');
    say(`Dataverse stand-in now lists ${registered.length} files in ${DEMO_DATASET}.`);
    say('Where to look:');
    say(`  copied files:  ${filesDir}`);
    say(`  the store:     npx holdfast jobs --store ${store}`);
    say(`  one load:      npx holdfast job <load id> --stats --store ${store}`);
    say(`  live, later:   npx holdfast serve --store ${store}   (prints the inspector's address)`);
    return code;
  } finally {
    await standin.close();
  }
}

/**
 * Serves the inspector while the demo loads, and prints its address. On a
 * terminal it stays up after the load until Ctrl-C, so the finished job can be
 * looked at; elsewhere (scripts, CI) the demo ends with the load.
 */
async function showInspector(holdfast: Holdfast, say: (line: string) => void, json: boolean): Promise<() => Promise<void>> {
  const inspectors = inspectorsOf(holdfast.kinds, { runtime: holdfast.runtime, services: { batchJobs: holdfast.batchJobs } });
  const server = await startServer(holdfast.runtime, { port: 0, machines: holdfast.machines, inspectors });
  say(`inspector: ${server.url}`);
  return async () => {
    if (process.stdout.isTTY && process.stdin.isTTY && !json) {
      say(`inspector still at ${server.url}: press Ctrl-C to stop`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    await server.close();
  };
}

/** Varied sample files: what real deposits look like, awkward names included. */
async function makeSampleFiles(source: string, largeMb: number): Promise<void> {
  const files: Record<string, string | Buffer> = {
    'README.txt': 'Survey of coastal sediment cores, 2024 field season.\n',
    'data/cores.csv': 'core,depth_cm,grain_um\n' + Array.from({ length: 500 }, (_, i) => `C${i % 20},${i},${(i * 7) % 300}`).join('\n') + '\n',
    'data/raw/station 01.json': JSON.stringify({ station: 1, lat: 54.32, lon: 10.14, readings: [1.2, 1.4, 1.1] }, null, 2),
    'data/raw/station 02.json': JSON.stringify({ station: 2, lat: 54.35, lon: 10.2, readings: [0.9, 1.0] }, null, 2),
    // Dataverse takes any Unicode in a file name but only [A-Za-z0-9_ ./-] in a folder (FileDirectoryNameValidator).
    'mesures/résumé des mesures.txt': 'Résumé : profondeur moyenne 42 cm.\n',
    'japanese/試料.csv': 'id,値\n1,3.14\n',
    'images/core-photo.png': Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082', 'hex'),
    'notes/empty.txt': '',
    '.DS_Store': 'hidden files are skipped',
  };
  for (const [relativePath, content] of Object.entries(files)) {
    const path = join(source, relativePath);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
  }
  await writeFile(join(source, 'data/large-scan.bin'), randomBytes(largeMb * 1_048_576));
}

/**
 * Makes `root` the demo's: a missing or empty folder is taken, one an earlier
 * demo made (it holds DEMO_MARK) is emptied; any other is refused untouched.
 * @throws HoldfastError USAGE for a folder holding anything else
 */
async function claimDemoFolder(root: string): Promise<void> {
  const entries: string[] = await readdir(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw usage(`--dir ${root} is a file, not a folder: choose another --dir`);
    throw error;
  });
  if (entries.length > 0 && !entries.includes(DEMO_MARK)) {
    throw usage(`--dir ${root} holds files that holdfast demo did not make; nothing was changed: choose a new or empty folder`);
  }
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await writeFile(join(root, DEMO_MARK), 'made by holdfast demo: the next demo with this --dir empties this folder\n');
}
