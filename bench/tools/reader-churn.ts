/**
 * What a process opening and closing a store read-only, again and again,
 * does to its owner (lmdb-js 3.5.6; docs/guarantees.md, "Readers beside the
 * owner"). `node --import tsx bench/tools/reader-churn.ts [--gap MS]
 * [--readers N] [--owners N] [--commits N]` makes a store, starts N reader
 * processes that open it, read a record and close it with MS ms between
 * (0: as fast as they can), then starts owners one after another, each in a
 * fresh process: it opens the store, makes its commits of five records each,
 * and closes. It prints how many owners could not open the store, how many
 * commits the store refused or failed (the raw store's answer: the runtime's
 * committer retries them, passing-failures.ts), and how often the readers
 * opened and failed to. Nothing is retried here, so the figures are lmdb-js's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLmdbStore } from '../../src/index.js';
import { buildShippedCode, codeFlags } from '../lib/suite.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(name);
  const value = at >= 0 ? Number(argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} takes a whole number, not ${argv[at + 1]}`);
  return value;
};
const self = fileURLToPath(import.meta.url);

/** A reader: opens, reads, closes, every `gap` ms, for `seconds`; prints its counts. */
async function reader(path: string, gap: number, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  let opens = 0;
  const failures = new Map<string, number>();
  while (Date.now() < end) {
    try {
      const store = openLmdbStore(path, { readOnly: true });
      store.getRecord('churn', ['k', 1]);
      await store.close();
      opens++;
    } catch (error) {
      const message = (error as Error).message.replace(path, 'STORE');
      failures.set(message, (failures.get(message) ?? 0) + 1);
    }
    await new Promise((resolve) => setTimeout(resolve, gap));
  }
  console.log(JSON.stringify({ opens, failures: Object.fromEntries(failures) }));
}

/** An owner: opens, commits, closes; prints what became of it. */
async function owner(path: string, commits: number): Promise<void> {
  let store;
  try {
    store = openLmdbStore(path);
  } catch (error) {
    return console.log(JSON.stringify({ opened: false, error: (error as Error).message.replace(path, 'STORE') }));
  }
  let refused = 0;
  for (let n = 0; n < commits; n++) {
    const records = Array.from({ length: 5 }, (_, i) => ({ op: 'putRecord' as const, collection: 'churn', key: ['k', (n * 5 + i) % 1_000], value: { n } }));
    await store.commit(records, 'flush').catch(() => refused++);
  }
  await store.close();
  console.log(JSON.stringify({ opened: true, refused }));
}

/** Runs this file in a fresh process with `args`; resolves with the JSON it printed last. */
function child(args: string[]): { done: Promise<Record<string, unknown>> } {
  const process_ = spawn(process.execPath, ['--import', 'tsx', ...codeFlags(), self, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  process_.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  process_.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const last = () => out.trim().split('\n').at(-1) ?? '';
  // A child that died before printing (lmdb-js can end a process from inside) is reported with its stderr's first error line.
  const died = (code: number | null, signal: string | null) => ({ opened: false, error: `died (${signal ?? `exit ${code}`}): ${err.split('\n').find((line) => /Error|error/.test(line))?.trim() ?? err.slice(0, 200)}` });
  return { done: new Promise((resolve) => process_.on('exit', (code, signal) => resolve(last().startsWith('{') ? (JSON.parse(last()) as Record<string, unknown>) : died(code, signal)))) };
}

if (argv[0] === '--reader') await reader(argv[1]!, Number(argv[2]), Number(argv[3]));
else if (argv[0] === '--owner') await owner(argv[1]!, Number(argv[2]));
else {
  const gap = option('--gap', 2);
  const readers = option('--readers', 1);
  const owners = option('--owners', 12);
  const commits = option('--commits', 200);
  // The children run the shipped code (dist), as the bench does: built from this tree first.
  buildShippedCode();
  const folder = mkdtempSync(join(tmpdir(), 'holdfast-reader-churn-'));
  const path = join(folder, 'store');
  try {
    await child(['--owner', path, '1']).done; // the store exists before any reader opens it
    const seconds = 5 + owners * 2;
    const started = Array.from({ length: readers }, () => child(['--reader', path, String(gap), String(seconds)]));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const results: Record<string, unknown>[] = [];
    for (let n = 0; n < owners; n++) results.push(await child(['--owner', path, String(commits)]).done);
    const read = await Promise.all(started.map((reader) => reader.done));
    const failedOpens = results.filter((result) => result.opened !== true);
    console.log(
      JSON.stringify({
        gapMs: gap,
        readers,
        owners,
        ownersThatCouldNotOpen: failedOpens.length,
        ownerOpenErrors: [...new Set(failedOpens.map((result) => result.error))],
        commits: (owners - failedOpens.length) * commits,
        commitsRefusedOrFailed: results.reduce((sum, result) => sum + (typeof result.refused === 'number' ? result.refused : 0), 0),
        readerOpens: read.reduce((sum, result) => sum + (typeof result.opens === 'number' ? result.opens : 0), 0),
        readerFailures: read.map((result) => result.failures),
      }),
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
