/**
 * Issue 3's ingest figure: 1,000 files of 1 MB and two of 1 GiB, loaded by
 * `holdfast ingest` (prepare with MD5, copy, verify the copy's MD5, register
 * with the Dataverse stand-in), beside the ceiling measured in the same run on
 * the same files: `cp -r`, then `sync`, then `md5sum` of the sources. The page
 * cache is dropped before each phase where the kernel allows it, so neither
 * reads from memory what the other just read.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, closeSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDataverseStandin } from '../../src/adapters/dataverse/dataverse-standin.js';
import { main } from '../../src/cli/main.js';
import { MB, round } from '../lib/stats.js';
import { report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const { quick } = suiteOptions();
const SMALL_FILES = quick ? 100 : 1_000;
const LARGE_BYTES = (quick ? 64 : 1_024) * MB;
const PID = 'doi:10.5072/FK2/BENCH1';
const TOKEN = 'bench-token-0123456789';

const root = tempFolder('holdfast-bench-ingest-').path;
const source = join(root, 'source');
const totalBytes = makeSource();

const ceilingSeconds = timed(() => {
  execFileSync('bash', ['-c', `cp -r "${source}" "${join(root, 'cp-copy')}" && sync && find "${source}" -type f -print0 | xargs -0 md5sum > /dev/null`]);
});

const filesDir = join(root, 'files');
const standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
let code = -1;
const holdfastSeconds = await timedAsync(async () => {
  code = await quietly(() => main(['ingest', source, '--dataset', PID, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--store', join(root, 'store'), '--json']));
});
const registered = standin.registered(PID).length;
await standin.close();
if (code !== 0 || registered !== SMALL_FILES + 2) throw new Error(`ingest ended with exit ${code} and ${registered} files registered`);

const mb = totalBytes / MB;
report({
  ingestMBPerSec: round(mb / holdfastSeconds, 1),
  ingestSeconds: round(holdfastSeconds, 2),
  ingestCeilingMBPerSec: round(mb / ceilingSeconds, 1),
  ingestCeilingSeconds: round(ceilingSeconds, 2),
  ingestTimeToCeiling: round(holdfastSeconds / ceilingSeconds, 2),
  ingestMB: round(mb, 0),
});

/** Writes the source folder: many small files in ten folders and two large ones, in 8 MiB chunks. */
function makeSource(): number {
  let bytes = 0;
  for (let i = 0; i < SMALL_FILES; i++) {
    const folder = join(source, `part-${i % 10}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `file-${i}.bin`), randomBytes(MB));
    bytes += MB;
  }
  const chunk = randomBytes(8 * MB);
  for (const name of ['large-1.bin', 'large-2.bin']) {
    const fd = openSync(join(source, name), 'w');
    for (let written = 0; written < LARGE_BYTES; written += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, LARGE_BYTES - written));
    closeSync(fd);
    bytes += LARGE_BYTES;
  }
  execFileSync('sync');
  return bytes;
}

/** Drops the page cache (root only; silently skipped elsewhere) so each phase reads from disk. */
function dropCaches(): void {
  try {
    execFileSync('bash', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
  } catch {
    // Not allowed here: both phases then read from a warm cache alike.
  }
}

function timed(work: () => void): number {
  dropCaches();
  const start = performance.now();
  work();
  return (performance.now() - start) / 1000;
}

async function timedAsync(work: () => Promise<void>): Promise<number> {
  dropCaches();
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/** Runs the CLI with its output swallowed: the suite's stdout carries only its result line. */
async function quietly(run: () => Promise<number>): Promise<number> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await run();
  } finally {
    process.stdout.write = write;
  }
}
